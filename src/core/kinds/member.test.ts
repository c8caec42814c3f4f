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

  it('a rename round-trips as version 2; refused without its flag, under version 1, over 80 characters or with bytes after', () => {
    const renamed = {
      readThrough: 5,
      left: false,
      title: { text: 'Trip 🏔', at: 1_733_000_000_000 },
    };
    const bytes = encodeMemberState(renamed);
    expect(bytes[0]).toBe(2);
    expect(decodeMemberState(bytes)).toEqual(renamed);
    const long = encodeMemberState({ ...renamed, title: { text: 'x'.repeat(81), at: 1 } });
    const flagAt = 2;
    const refused = [
      Uint8Array.of(...bytes.subarray(0, flagAt), 0, ...bytes.subarray(flagAt + 1)),
      Uint8Array.of(1, ...bytes.subarray(1)),
      Uint8Array.of(...bytes.subarray(0, flagAt), 4 | 2, ...bytes.subarray(flagAt + 1)),
      long,
      Uint8Array.of(...bytes, 0),
      bytes.subarray(0, -1),
    ];
    for (const bad of refused) expect(decodeMemberState(bad)).toBeNull();
    expect(
      decodeMemberState(encodeMemberState({ ...renamed, title: { text: '', at: 1 } })),
    ).toEqual({ ...renamed, title: { text: '', at: 1 } });
  });
});
