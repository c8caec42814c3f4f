import { describe, expect, it } from 'vitest';
import type { PersonId } from '../../core/ids.ts';
import { messageState } from './message-state.ts';

const bob = 'bob' as PersonId;
const carol = 'carol' as PersonId;
const dan = 'dan' as PersonId;
const at = 1_000;

describe('the state of one’s own message', () => {
  it('is delivered once no other member lacks it, sent before', () => {
    const to = { others: [bob], readBy: {} };
    expect(messageState({ delivery: null, createdAt: at }, true, to)).toBe('delivered');
    expect(messageState({ delivery: { reached: 'nobody' }, createdAt: at }, true, to)).toBe('sent');
    const group = { others: [bob, carol], readBy: {} };
    const some = (lacking: PersonId[]) => ({
      delivery: { reached: 'some' as const, lacking },
      createdAt: at,
    });
    expect(messageState(some([bob]), true, group)).toBe('sent');
    // Dan lacks it, but Dan is a friend outside the conversation.
    expect(messageState(some([dan]), true, group)).toBe('delivered');
  });

  it('stays sent while this tab does not hold the network', () => {
    expect(
      messageState({ delivery: null, createdAt: at }, false, { others: [bob], readBy: {} }),
    ).toBe('sent');
  });

  it('is read once every other member read up to it, whatever the network says', () => {
    const message = { delivery: { reached: 'nobody' as const }, createdAt: at };
    const readBy = { [bob]: at, [carol]: at - 1 };
    expect(messageState(message, false, { others: [bob], readBy })).toBe('read');
    expect(messageState(message, true, { others: [bob, carol], readBy })).toBe('sent');
    expect(
      messageState({ delivery: null, createdAt: at }, true, { others: [bob, carol], readBy }),
    ).toBe('delivered');
  });
});
