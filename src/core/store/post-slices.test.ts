import { describe, expect, it } from 'vitest';
import { StoreCorruptError } from './errors.ts';
import {
  postsToLookUp,
  rowOf,
  SLICE_ROWS,
  sliceFromDisk,
  SlicePlan,
  sliceRecord,
  type PostChange,
} from './post-slices.ts';
import { ALICE, BOB, testPost } from './store-test-helpers.ts';

const put = (id: string, createdAt = 1, knownNew = true): PostChange => ({
  op: 'put',
  post: testPost(id, ALICE, createdAt),
  knownNew,
});

describe('post slices', () => {
  it('looks up every post whose first change here is not a put known to be new', () => {
    expect(
      postsToLookUp([
        put('a'),
        put('b', 1, false),
        { op: 'remove', postId: 'c' },
        { op: 'remove', postId: 'a' },
        put('c'),
        put('b'),
      ]),
    ).toEqual(['b', 'c']);
  });

  it('fills the newest slice, then opens the next, and keys every row', () => {
    const newest = sliceRecord(4, [testPost('old', BOB, 9)]);
    const plan = new SlicePlan(newest);
    for (let i = 0; i < SLICE_ROWS + 1; i++) plan.apply(put(`p${i}`, i));
    const writes = plan.writes();
    expect(writes.map(([id, record]) => [id, record?.rows.length])).toEqual([
      [4, SLICE_ROWS],
      [5, 2],
    ]);
    expect(writes[1]![1]).toEqual(
      sliceRecord(5, [
        testPost(`p${SLICE_ROWS - 1}`, ALICE, SLICE_ROWS - 1),
        testPost(`p${SLICE_ROWS}`, ALICE, SLICE_ROWS),
      ]),
    );
    expect(writes[0]![1]!.times[0]).toEqual([9, 'old']);
    expect(writes[0]![1]!.authors[1]).toEqual([ALICE, 0, 'p0']);
  });

  it('changes a post where it is, moves a taken-out post only forward, and deletes an emptied slice', () => {
    const plan = new SlicePlan(sliceRecord(3, [testPost('n', BOB, 5)]));
    plan.learn(sliceRecord(1, [testPost('a', ALICE, 1), testPost('b', ALICE, 2)]));
    plan.learn(sliceRecord(2, [testPost('c', ALICE, 3)]));
    plan.heldNowhere('z');
    plan.apply(put('a', 40, false));
    plan.apply({ op: 'remove', postId: 'c' });
    plan.apply({ op: 'remove', postId: 'b' });
    plan.apply(put('b', 2, false));
    plan.apply(put('z', 7, false));
    expect(plan.writes()).toEqual([
      [1, sliceRecord(1, [testPost('a', ALICE, 40)])],
      [2, null],
      [
        3,
        sliceRecord(3, [testPost('n', BOB, 5), testPost('b', ALICE, 2), testPost('z', ALICE, 7)]),
      ],
    ]);
  });

  it('refuses a slice read from disk without the shape it was written in', () => {
    expect(() => sliceFromDisk(undefined)).toThrow(StoreCorruptError);
    expect(() => sliceFromDisk({ id: 1, rows: 'x' })).toThrow(StoreCorruptError);
    expect(() => sliceFromDisk({ id: '1', rows: [] })).toThrow(StoreCorruptError);
    expect(() => rowOf(sliceRecord(2, [testPost('a', ALICE, 1)]), 'b')).toThrow(/lacks b/);
    expect(rowOf(sliceRecord(2, [testPost('a', ALICE, 1)]), 'a')).toEqual(testPost('a', ALICE, 1));
  });
});
