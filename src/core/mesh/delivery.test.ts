import { describe, expect, it } from 'vitest';
import type { DocId, PersonId } from '../ids.ts';
import {
  firstUndelivered,
  OwnEntries,
  parseDeliveredTo,
  pendingDelivery,
  type Delivered,
} from './delivery.ts';

const ben = 'ben' as PersonId;
const carol = 'carol' as PersonId;
const friends = [ben, carol];
const post = 'post-doc' as DocId;
const comment = 'comment-doc' as DocId;

function delivered(any: number, byFriend: Record<string, number>): Delivered {
  return { any, byFriend: new Map(Object.entries(byFriend) as [PersonId, number][]) };
}

describe('what each friend has of my log', () => {
  it('a doc no friend has reached is pending with nobody', () => {
    const pending = pendingDelivery([{ docId: post, seq: 3 }], delivered(2, { ben: 2 }), friends);
    expect(pending.get(post)).toEqual({ reached: 'nobody' });
  });

  it('a doc some friends have names the ones who lack it', () => {
    const state = delivered(5, { ben: 5, carol: 2 });
    const pending = pendingDelivery(
      [
        { docId: post, seq: 3 },
        { docId: comment, seq: 1 },
      ],
      state,
      friends,
    );
    expect(pending.get(post)).toEqual({ reached: 'some', lacking: [carol] });
    // Carol has everything up to 2: the comment is with everyone.
    expect(pending.has(comment)).toBe(false);
    const none = pendingDelivery([{ docId: post, seq: 3 }], delivered(5, { ben: 5 }), friends);
    expect(none.get(post)).toEqual({ reached: 'some', lacking: [carol] });
  });

  it('a doc is as delivered as its newest change', () => {
    const pending = pendingDelivery(
      [
        { docId: post, seq: 1 },
        { docId: post, seq: 4 },
      ],
      delivered(3, { ben: 3, carol: 3 }),
      friends,
    );
    expect(pending.get(post)).toEqual({ reached: 'nobody' });
  });

  it('nothing is pending once every friend has it, or with no friend at all', () => {
    const all = delivered(4, { ben: 4, carol: 4 });
    expect(pendingDelivery([{ docId: post, seq: 4 }], all, friends).size).toBe(0);
    expect(pendingDelivery([{ docId: post, seq: 9 }], delivered(0, {}), []).size).toBe(0);
  });

  it('reads from the first seq some friend may lack', () => {
    expect(firstUndelivered(delivered(7, { ben: 7, carol: 4 }), friends)).toBe(5);
    expect(firstUndelivered(delivered(7, { ben: 7 }), friends)).toBe(1);
    expect(firstUndelivered(delivered(7, { ben: 7, carol: 7 }), friends)).toBe(8);
    expect(firstUndelivered(delivered(7, {}), [])).toBe(Infinity);
  });

  it('per-friend seqs read back from storage drop anything malformed', () => {
    expect(parseDeliveredTo({ ben: 3, carol: -1, dan: 1.5, eve: '4' })).toEqual(
      new Map([[ben, 3]]),
    );
    for (const value of [undefined, null, 7, 'x', [1, 2]]) {
      expect(parseDeliveredTo(value).size).toBe(0);
    }
  });
});

describe('the own entries delivery reads', () => {
  it('are read from the store once each, and follow the range asked', async () => {
    const log = Array.from({ length: 20 }, (_, i) => ({ docId: `d${i + 1}` as DocId, seq: i + 1 }));
    const reads: [number, number][] = [];
    const own = new OwnEntries((from, to) => {
      reads.push([from, to]);
      return Promise.resolve(log.filter((e) => e.seq >= from && e.seq <= to));
    });
    expect((await own.range(5, 10)).map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect((await own.range(7, 12)).map((e) => e.seq)).toEqual([7, 8, 9, 10, 11, 12]);
    expect((await own.range(7, 12)).map((e) => e.seq)).toEqual([7, 8, 9, 10, 11, 12]);
    // A friend added: the range reaches further back, read again whole.
    expect((await own.range(3, 12)).map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // Everything held is older than what is asked now.
    expect((await own.range(15, 16)).map((e) => e.seq)).toEqual([15, 16]);
    expect(reads).toEqual([
      [5, 10],
      [11, 12],
      [3, 12],
      [15, 16],
    ]);
  });
});
