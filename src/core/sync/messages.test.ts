import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../bytes.ts';
import { MAX_BLOB_BYTES, type BlobId } from '../crypto/blobs.ts';
import { deviceIdFromKey, personIdFromKey } from '../ids.ts';
import {
  BLOB_CHUNK_OVERHEAD_BYTES,
  SYNC_LIMITS,
  SyncMessageError,
  decodeSyncMessage,
  encodeBlobChunk,
  encodeBlobMissing,
  encodeBlobWant,
  encodeBye,
  encodeEntries,
  encodeHave,
  encodeHello,
  encodeRequest,
  isBlobChunk,
  isBlobMissing,
  isBlobWant,
  isBye,
  isEntries,
  isHave,
  isHello,
  isRequest,
  type SyncMessageErrorReason,
} from './messages.ts';

const author = personIdFromKey(new Uint8Array(32).fill(1));
const other = personIdFromKey(new Uint8Array(32).fill(2));
const device = deviceIdFromKey(new Uint8Array(32).fill(3));

function bytes(...parts: (number | Uint8Array)[]): Uint8Array {
  const e = encoding.createEncoder();
  for (const p of parts) {
    if (typeof p === 'number') encoding.writeUint8(e, p);
    else encoding.writeUint8Array(e, p);
  }
  return encoding.toUint8Array(e);
}

function varuint(n: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, n);
  return encoding.toUint8Array(e);
}

const key1 = new Uint8Array(32).fill(1);
const key3 = new Uint8Array(32).fill(3);
const blob1 = toBase64Url(key1) as BlobId;
const blob3 = toBase64Url(key3) as BlobId;

describe('sync messages', () => {
  it('round-trips every message', () => {
    const hello = decodeSyncMessage(
      encodeHello([
        { author, mode: 'full' },
        { author: other, mode: 'window' },
      ]),
    );
    expect(isHello(hello) && hello.wants).toEqual([
      { author, mode: 'full' },
      { author: other, mode: 'window' },
    ]);
    expect(hello).toMatchObject({ type: 'hello', version: 3 });

    const ranges = [
      { start: 1, end: 10 },
      { start: 20, end: 20 },
      { start: 900, end: 2 ** 53 - 1 },
    ];
    const have = decodeSyncMessage(encodeHave([{ author, device, ranges }]));
    expect(isHave(have) && have.logs).toEqual([{ author, device, ranges }]);

    const request = {
      reqId: 7,
      author,
      device,
      ranges,
      order: 'descending' as const,
      budgetBytes: 256 * 1024,
      pins: true,
    };
    const decodedRequest = decodeSyncMessage(encodeRequest(request));
    expect(isRequest(decodedRequest) && decodedRequest).toEqual({ type: 'request', ...request });

    const entries = { reqId: 7, last: true, pins: false, entries: [new Uint8Array([1, 2, 3])] };
    const decodedEntries = decodeSyncMessage(encodeEntries(entries));
    expect(isEntries(decodedEntries) && decodedEntries).toEqual({ type: 'entries', ...entries });
    const twoEntries = encodeEntries({
      ...entries,
      entries: [new Uint8Array([1]), new Uint8Array([2, 3])],
    });
    const decodedTwo = decodeSyncMessage(twoEntries);
    // Views into the message, not copies: one buffer travels on to a verifying worker.
    expect(
      isEntries(decodedTwo) && decodedTwo.entries.map((e) => e.buffer === twoEntries.buffer),
    ).toEqual([true, true]);

    const push = decodeSyncMessage(
      encodeEntries({ reqId: 0, last: false, pins: false, entries: [] }),
    );
    expect(push).toEqual({ type: 'entries', reqId: 0, last: false, pins: false, entries: [] });

    const bye = decodeSyncMessage(encodeBye('too-many-invalid-entries'));
    expect(isBye(bye) && bye.reason).toBe('too-many-invalid-entries');
    expect(isBye(decodeSyncMessage(encodeBye('é'.repeat(500))))).toBe(true);

    const want = decodeSyncMessage(encodeBlobWant([blob1, blob3]));
    expect(isBlobWant(want) && want.ids).toEqual([blob1, blob3]);

    const chunk = { id: blob3, offset: 300, total: 1000, bytes: new Uint8Array(300).fill(5) };
    const decodedChunk = decodeSyncMessage(encodeBlobChunk(chunk));
    expect(isBlobChunk(decodedChunk) && decodedChunk).toEqual({ type: 'blob-chunk', ...chunk });

    const missing = decodeSyncMessage(encodeBlobMissing(blob1));
    expect(isBlobMissing(missing) && missing).toEqual({ type: 'blob-missing', id: blob1 });
  });

  it('bounds the framing of a blob chunk by BLOB_CHUNK_OVERHEAD_BYTES', () => {
    const bytes = new Uint8Array(SYNC_LIMITS.maxBlobChunkBytes);
    const last = MAX_BLOB_BYTES - bytes.length;
    const message = encodeBlobChunk({ id: blob1, offset: last, total: MAX_BLOB_BYTES, bytes });
    expect(message.length - bytes.length).toBeLessThanOrEqual(BLOB_CHUNK_OVERHEAD_BYTES);
  });

  it('matches the byte layout of docs/protocol.md', () => {
    expect(encodeHello([{ author, mode: 'window' }])).toEqual(bytes(1, 3, 1, key1, 1));
    // v1 and v2 hellos (same layout) still decode, so the session can tell its peer is outdated.
    expect(decodeSyncMessage(bytes(1, 1, 1, key1, 1))).toMatchObject({ type: 'hello', version: 1 });
    expect(decodeSyncMessage(bytes(1, 2, 1, key1, 1))).toMatchObject({ type: 'hello', version: 2 });
    expect(encodeHave([{ author, device, ranges: [{ start: 3, end: 5 }] }])).toEqual(
      bytes(2, 1, key1, key3, 1, 2, 2),
    );
    expect(
      encodeRequest({
        reqId: 1,
        author,
        device,
        ranges: [{ start: 1, end: 1 }],
        order: 'ascending',
        budgetBytes: 100,
        pins: false,
      }),
    ).toEqual(bytes(3, 1, key1, key3, 0, 0, 100, 1, 0, 0));
    expect(
      encodeEntries({ reqId: 2, last: true, pins: true, entries: [new Uint8Array([9])] }),
    ).toEqual(bytes(4, 2, 3, 1, 1, 9));
    expect(encodeBlobWant([blob1])).toEqual(bytes(6, 1, key1));
    expect(
      encodeBlobChunk({ id: blob3, offset: 2, total: 5, bytes: new Uint8Array([7, 8]) }),
    ).toEqual(bytes(7, key3, 2, 5, 2, 7, 8));
    expect(encodeBlobMissing(blob1)).toEqual(bytes(8, key1));
  });

  const malformed: [string, Uint8Array, SyncMessageErrorReason][] = [
    ['empty', new Uint8Array(0), 'empty'],
    ['unknown type', bytes(99), 'unknown-type'],
    ['hello of a later version', bytes(1, 4, 0), 'unsupported-version'],
    ['hello of version 0', bytes(1, 0, 0), 'unsupported-version'],
    ['hello cut short', bytes(1, 2, 1, key1.slice(0, 10)), 'truncated'],
    ['hello with a bad mode', bytes(1, 2, 1, key1, 7), 'bad-mode'],
    ['hello naming an author twice', bytes(1, 2, 2, key1, 0, key1, 1), 'duplicate-want'],
    ['hello with too many wants', bytes(1, 2, varuint(SYNC_LIMITS.maxWants + 1)), 'too-many-wants'],
    ['have with no logs', bytes(2, 0), 'no-logs'],
    [
      'have with too many logs',
      bytes(2, varuint(SYNC_LIMITS.maxLogsPerMessage + 1)),
      'too-many-logs',
    ],
    ['have with no ranges', bytes(2, 1, key1, key3, 0), 'no-ranges'],
    ['have with too many ranges', bytes(2, 1, key1, key3, varuint(257)), 'too-many-ranges'],
    [
      'have naming a log twice',
      bytes(2, 2, key1, key3, 1, 0, 0, key1, key3, 1, 0, 0),
      'duplicate-log',
    ],
    [
      'have with a seq beyond 2^53-1',
      bytes(2, 1, key1, key3, 1, varuint(2 ** 53 - 1), 5),
      'seq-out-of-range',
    ],
    ['non-minimal varuint', bytes(2, 0x81, 0x00), 'non-canonical-varuint'],
    ['request id 0', bytes(3, 0, key1, key3, 0, 0, 1, 1, 0, 0), 'bad-req-id'],
    ['request with a bad order', bytes(3, 1, key1, key3, 2, 0, 1, 1, 0, 0), 'bad-order'],
    ['request with unknown flags', bytes(3, 1, key1, key3, 0, 4, 1, 1, 0, 0), 'bad-flags'],
    ['request with budget 0', bytes(3, 1, key1, key3, 0, 0, 0, 1, 0, 0), 'bad-budget'],
    [
      'request with a huge budget',
      bytes(3, 1, key1, key3, 0, 0, varuint(SYNC_LIMITS.maxBudgetBytes + 1), 1, 0, 0),
      'bad-budget',
    ],
    ['request with trailing bytes', bytes(3, 1, key1, key3, 0, 0, 1, 1, 0, 0, 0), 'trailing-bytes'],
    ['push marked last', bytes(4, 0, 1, 0), 'bad-flags'],
    ['entries with unknown flags', bytes(4, 1, 8, 0), 'bad-flags'],
    [
      'entries with too many entries',
      bytes(4, 1, 0, varuint(SYNC_LIMITS.maxEntriesPerMessage + 1)),
      'too-many-entries',
    ],
    ['entries with an empty entry', bytes(4, 1, 0, 1, 0), 'empty-entry'],
    [
      'entries with an oversized entry',
      bytes(4, 1, 0, 1, varuint(256 * 1024 + 1)),
      'length-too-large',
    ],
    ['entries whose entry is cut short', bytes(4, 1, 0, 1, 5, 1, 2), 'truncated'],
    ['bye that is not UTF-8', bytes(5, 2, 0xff, 0xfe), 'invalid-utf8'],
    ['bye too long', bytes(5, varuint(300), new Uint8Array(300)), 'length-too-large'],
    ['blob-want with no ids', bytes(6, 0), 'no-blobs'],
    [
      'blob-want with too many ids',
      bytes(6, varuint(SYNC_LIMITS.maxBlobWants + 1)),
      'too-many-blobs',
    ],
    ['blob-want naming a blob twice', bytes(6, 2, key1, key1), 'duplicate-blob'],
    ['blob-want with a short id', bytes(6, 1, key1.slice(0, 31)), 'truncated'],
    ['blob-chunk of total 0', bytes(7, key1, 0, 0, 1, 9), 'bad-blob-total'],
    [
      'blob-chunk of a total above MAX_BLOB_BYTES',
      bytes(7, key1, 0, varuint(MAX_BLOB_BYTES + 1), 1, 9),
      'bad-blob-total',
    ],
    ['blob-chunk with no bytes', bytes(7, key1, 0, 5, 0), 'bad-blob-chunk'],
    ['blob-chunk reaching beyond its total', bytes(7, key1, 4, 5, 2, 7, 8), 'bad-blob-chunk'],
    ['blob-chunk starting beyond its total', bytes(7, key1, 9, 5, 1, 7), 'bad-blob-chunk'],
    [
      'blob-chunk larger than the chunk limit',
      bytes(7, key1, 0, varuint(MAX_BLOB_BYTES), varuint(SYNC_LIMITS.maxBlobChunkBytes + 1)),
      'length-too-large',
    ],
    ['blob-chunk cut short', bytes(7, key1, 0, 5, 3, 7), 'truncated'],
    ['blob-missing with trailing bytes', bytes(8, key1, 0), 'trailing-bytes'],
  ];

  it.each(malformed)('rejects %s with its typed reason', (_name, input, reason) => {
    let error: unknown;
    try {
      decodeSyncMessage(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SyncMessageError);
    expect((error as SyncMessageError).reason).toBe(reason);
  });

  it('refuses an oversized message before reading it', () => {
    const big = new Uint8Array(SYNC_LIMITS.maxMessageBytes + 1);
    big[0] = 4;
    expect(() => decodeSyncMessage(big)).toThrow(
      expect.objectContaining({ name: 'SyncMessageError', reason: 'too-large' }),
    );
  });

  it('caps the ranges of one message across its logs', () => {
    const limits = { ...SYNC_LIMITS, maxRangesPerMessage: 3 };
    const two = [
      { start: 1, end: 1 },
      { start: 3, end: 3 },
    ];
    const message = encodeHave([
      { author, device, ranges: two },
      { author: other, device, ranges: two },
    ]);
    expect(() => decodeSyncMessage(message, limits)).toThrow(
      expect.objectContaining({ reason: 'too-many-ranges' }),
    );
  });
});
