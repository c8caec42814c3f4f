import { describe, expect, it } from 'vitest';
import { decodeMemberState, encodeMemberState } from './member.ts';

describe('member statements', () => {
  it('round-trip, and refuse another version, unknown flags, trailing or missing bytes', () => {
    const state = { readThrough: 1_733_000_000_000, left: true };
    const bytes = encodeMemberState(state);
    expect(decodeMemberState(bytes)).toEqual(state);
    expect(decodeMemberState(encodeMemberState({ readThrough: 0, left: false }))).toEqual({
      readThrough: 0,
      left: false,
    });
    const refused = [
      Uint8Array.of(2, ...bytes.subarray(1)),
      Uint8Array.of(...bytes.subarray(0, -1), 2),
      Uint8Array.of(...bytes, 0),
      bytes.subarray(0, 3),
      new Uint8Array(0),
    ];
    for (const bad of refused) expect(decodeMemberState(bad)).toBeNull();
  });
});
