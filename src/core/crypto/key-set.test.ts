import { afterEach, describe, expect, it, vi } from 'vitest';
import * as encoding from 'lib0/encoding';
import { toHex, utf8 } from '../bytes.ts';
import { SymmetricKey } from './aead.ts';
import { KeyRecordError } from './audience.ts';
import {
  HINT_BYTES,
  KEY_SET_BOX_BYTES,
  MAX_KEY_SET_BOXES,
  decodeKeySetRecord,
  hintOf,
  makeKeySetRecord,
  openKeySetRecord,
  sizeClass,
  type KeySetEpoch,
} from './key-set.ts';
import { PairKeys } from './pair-keys.ts';
import { generateX25519 } from './seal.ts';
import { countX25519 } from './x25519-counter.ts';

const at: KeySetEpoch = { author: 'alice-id', set: 'friends', epoch: 4 };

afterEach(() => vi.restoreAllMocks());

describe('key-set records v2', () => {
  it('a record to 1,000 members costs a member at most 2 X25519 and a non-member none once their pair key is known', async () => {
    const author = new PairKeys(await generateX25519());
    const reader = new PairKeys(await generateX25519());
    const outsider = new PairKeys(await generateX25519());
    const others = await Promise.all(Array.from({ length: 999 }, () => generateX25519()));
    const members = [reader.me.publicKey, ...others.map((o) => o.publicKey)];
    const key = await SymmetricKey.generate();
    const pairKeys = await Promise.all(members.map((m) => author.pairKey(m)));
    const record = await makeKeySetRecord(at, key, pairKeys);
    expect(decodeKeySetRecord(record).boxes).toHaveLength(1024);

    const first = await countX25519(async () =>
      openKeySetRecord(at, record, await reader.pairKey(author.me.publicKey)),
    );
    expect(first.result?.raw).toEqual(key.raw);
    expect(first.calls).toBeLessThanOrEqual(2);

    // The next epoch's record: the pair key is cached, so no agreement at all, member or not.
    const next = { ...at, epoch: 5 };
    const key5 = await SymmetricKey.generate();
    const record5 = await makeKeySetRecord(next, key5, pairKeys);
    const again = await countX25519(async () =>
      openKeySetRecord(next, record5, await reader.pairKey(author.me.publicKey)),
    );
    expect(again.result?.raw).toEqual(key5.raw);
    expect(again.calls).toBe(0);

    await outsider.pairKey(author.me.publicKey);
    const outside = await countX25519(async () =>
      openKeySetRecord(next, record5, await outsider.pairKey(author.me.publicKey)),
    );
    expect(outside.result).toBeNull();
    expect(outside.calls).toBe(0);
  });

  it('a hostile author copying one reader’s hint onto every box makes them open at most 2 boxes', async () => {
    const author = new PairKeys(await generateX25519());
    const reader = new PairKeys(await generateX25519());
    const pairKey = await reader.pairKey(author.me.publicKey);
    const record = await makeKeySetRecord(at, await SymmetricKey.generate(), [
      await author.pairKey((await generateX25519()).publicKey),
    ]);
    const { salt } = decodeKeySetRecord(record);
    const hint = await hintOf(pairKey, at, salt);
    const hostile = record.slice();
    const tableAt = record.length - 8 * (HINT_BYTES + KEY_SET_BOX_BYTES);
    for (let i = 0; i < 8; i++) hostile.set(hint, tableAt + i * HINT_BYTES);
    const subtle = globalThis.crypto.subtle;
    const decrypt = vi.spyOn(subtle, 'decrypt');
    expect(await openKeySetRecord(at, hostile, pairKey)).toBeNull();
    expect(decrypt).toHaveBeenCalledTimes(2);
  });

  it('the box count is a size class: it does not tell the audience’s size', async () => {
    const author = new PairKeys(await generateX25519());
    const make = async (n: number) => {
      const members = await Promise.all(Array.from({ length: n }, () => generateX25519()));
      const pairs = await Promise.all(members.map((m) => author.pairKey(m.publicKey)));
      return makeKeySetRecord(at, await SymmetricKey.generate(), pairs);
    };
    const [one, seven, nine] = await Promise.all([make(1), make(7), make(9)]);
    expect(one.length).toBe(seven.length);
    expect(decodeKeySetRecord(nine).boxes).toHaveLength(16);
    expect([sizeClass(1), sizeClass(8), sizeClass(9), sizeClass(2048)]).toEqual([8, 8, 16, 2048]);
    expect(() => sizeClass(2049)).toThrow(RangeError);
  });

  it('names no member, and a box opens for its own author, set and epoch only', async () => {
    const author = new PairKeys(await generateX25519());
    const reader = new PairKeys(await generateX25519());
    const pairKey = await author.pairKey(reader.me.publicKey);
    const record = await makeKeySetRecord(at, await SymmetricKey.generate(), [pairKey]);
    expect(toHex(record)).not.toContain(toHex(reader.me.publicKey));
    expect(toHex(record)).not.toContain(toHex(pairKey));
    await expect(openKeySetRecord({ ...at, epoch: 5 }, record, pairKey)).rejects.toThrow(
      KeyRecordError,
    );
    await expect(openKeySetRecord({ ...at, set: 'close' }, record, pairKey)).rejects.toThrow(
      KeyRecordError,
    );
    expect(await openKeySetRecord({ ...at, author: 'mallory-id' }, record, pairKey)).toBeNull();
  });

  /** A record header by hand: version, set, epoch, salt, count. */
  function header(count: number): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeUint8(e, 2);
    encoding.writeVarUint8Array(e, utf8('friends'));
    encoding.writeVarUint(e, 4);
    encoding.writeUint8Array(e, new Uint8Array(16));
    encoding.writeVarUint(e, count);
    return encoding.toUint8Array(e);
  }

  it.each([
    ['empty', new Uint8Array(), /truncated key-set record/],
    ['version 3', new Uint8Array([3]), /unknown key-set record version/],
    ['a box count over the cap', header(MAX_KEY_SET_BOXES * 2), /over the cap/],
    ['a box count that is no size class', header(9), /not a size class/],
    [
      'a truncated hint table',
      new Uint8Array([...header(8), ...new Uint8Array(60)]),
      /truncated hint table/,
    ],
    [
      'a truncated box table',
      new Uint8Array([...header(8), ...new Uint8Array(64 + 61 * 8 - 1)]),
      /truncated box table/,
    ],
    [
      'trailing bytes',
      new Uint8Array([...header(8), ...new Uint8Array(64 + 61 * 8 + 1)]),
      /trailing bytes/,
    ],
  ])('refuses %s with a clear KeyRecordError', (_name, bytes, message) => {
    expect(() => decodeKeySetRecord(bytes)).toThrow(KeyRecordError);
    expect(() => decodeKeySetRecord(bytes)).toThrow(message);
  });
});
