import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByteReadError,
  ByteReader,
  BytesFormatError,
  asBufferSource,
  fromBase64Url,
  isBase64UrlOf,
  fromHex,
  toBase64Url,
  toHex,
} from './bytes.ts';

describe('base64url', () => {
  it('round-trips any bytes and matches Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64Url(text)).toEqual(bytes);
      }),
    );
  });

  it('knows canonical text of a given length without decoding it, as the decoder does', () => {
    const decodesTo = (text: string, n: number) => {
      try {
        return fromBase64Url(text).length === n;
      } catch {
        return false;
      }
    };
    const alphabetText = fc.string({
      unit: fc.constantFrom(
        ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=É',
      ),
      maxLength: 50,
    });
    fc.assert(
      fc.property(alphabetText, fc.integer({ min: 0, max: 36 }), (text, n) => {
        expect(isBase64UrlOf(text, n)).toBe(decodesTo(text, n));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(isBase64UrlOf(toBase64Url(bytes), bytes.length)).toBe(true);
      }),
    );
    // The last character of 32 bytes' text carries 2 unused bits: set, it is not canonical.
    const key = toBase64Url(new Uint8Array(32));
    expect(isBase64UrlOf(key, 32)).toBe(true);
    expect(isBase64UrlOf(`${key.slice(0, 42)}B`, 32)).toBe(false);
    expect(isBase64UrlOf(`${key.slice(0, 42)}E`, 32)).toBe(true);
  });

  it.each(['AB=', 'A', 'AB+/', 'AB C', 'AF', 'AÉ', 'A\u{1F600}'])(
    'refuses non-canonical or foreign text %j',
    (text) => {
      expect(() => fromBase64Url(text)).toThrow(BytesFormatError);
    },
  );
});

describe('hex', () => {
  it('round-trips', () => {
    expect(toHex(fromHex('00ff10ab'))).toBe('00ff10ab');
    expect(() => fromHex('abc')).toThrow(BytesFormatError);
    expect(() => fromHex('zz')).toThrow(BytesFormatError);
  });
});

describe('ByteReader', () => {
  const reason = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return err instanceof ByteReadError ? err.reason : 'other';
    }
    return 'none';
  };

  it('reads minimal varuints up to 2^53 - 1', () => {
    expect(new ByteReader(new Uint8Array([0x7f])).varUint()).toBe(127);
    expect(new ByteReader(new Uint8Array([0x80, 0x01])).varUint()).toBe(128);
    const max = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(new ByteReader(max).varUint()).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses redundant, oversized and truncated input with a reason', () => {
    expect(reason(() => new ByteReader(new Uint8Array([0x80, 0x00])).varUint())).toBe(
      'non-canonical-varuint',
    );
    expect(reason(() => new ByteReader(new Uint8Array(9).fill(0xff)).varUint())).toBe(
      'integer-too-large',
    );
    expect(reason(() => new ByteReader(new Uint8Array([0x05])).varUint(4))).toBe(
      'integer-too-large',
    );
    expect(reason(() => new ByteReader(new Uint8Array([0x80])).varUint())).toBe('truncated');
    expect(reason(() => new ByteReader(new Uint8Array([3, 1])).varBytes(10))).toBe('truncated');
    expect(reason(() => new ByteReader(new Uint8Array([11])).varBytes(10))).toBe(
      'length-too-large',
    );
    expect(reason(() => new ByteReader(new Uint8Array([1, 0xff])).varString(10))).toBe(
      'invalid-utf8',
    );
    expect(reason(() => new ByteReader(new Uint8Array([1])).end())).toBe('trailing-bytes');
  });
});

describe('asBufferSource', () => {
  it('hands a view over a plain ArrayBuffer as is, and copies one over shared memory', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5]);
    const view = whole.subarray(1, 4);
    expect(asBufferSource(view)).toBe(view);
    const shared = new Uint8Array(new SharedArrayBuffer(3));
    shared.set([7, 8, 9]);
    const copy = asBufferSource(shared);
    expect(copy.buffer).toBeInstanceOf(ArrayBuffer);
    expect(copy).toEqual(new Uint8Array([7, 8, 9]));
  });
});
