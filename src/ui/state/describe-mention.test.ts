import { describe, expect, it } from 'vitest';
import type { NotificationView } from '../../core/store/storage-adapter.ts';
import { describeNotification } from './system-notifications.ts';

const mention = (summary: NotificationView['summary']): NotificationView => ({
  id: 'mention/x',
  kind: 'mention',
  createdAt: 1,
  read: false,
  summary,
});

describe('a mention notification in words', () => {
  it('says where the person was mentioned and quotes the text', () => {
    expect(describeNotification(mention({ in: 'post', text: 'Lunch with @Bob' }), 'Alice')).toBe(
      'Alice mentioned you in a post: “Lunch with @Bob”',
    );
    expect(describeNotification(mention({ in: 'comment', text: '@Bob too' }), 'Carol')).toBe(
      'Carol mentioned you in a comment: “@Bob too”',
    );
  });

  it('treats a malformed summary as a post with no text', () => {
    expect(describeNotification(mention({ in: 7, text: { evil: 1 } }), 'Alice')).toBe(
      'Alice mentioned you in a post: “”',
    );
  });
});
