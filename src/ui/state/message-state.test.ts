import { describe, expect, it } from 'vitest';
import type { PersonId } from '../../core/ids.ts';
import { messageState } from './message-state.ts';

const bob = 'bob' as PersonId;
const carol = 'carol' as PersonId;
const dan = 'dan' as PersonId;

describe('the state of one’s own message', () => {
  it('is delivered once no other member lacks it, sent before', () => {
    expect(messageState(null, true, [bob])).toBe('delivered');
    expect(messageState({ reached: 'nobody' }, true, [bob])).toBe('sent');
    expect(messageState({ reached: 'some', lacking: [bob] }, true, [bob, carol])).toBe('sent');
    // Dan lacks it, but Dan is a friend outside the conversation.
    expect(messageState({ reached: 'some', lacking: [dan] }, true, [bob, carol])).toBe('delivered');
  });

  it('stays sent while this tab does not hold the network', () => {
    expect(messageState(null, false, [bob])).toBe('sent');
  });
});
