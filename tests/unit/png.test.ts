import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../scripts/lib/png.ts';

describe('encodePng', () => {
  it('writes the signature, a header, the filtered rows and an end, each chunk with its CRC', () => {
    const png = encodePng(2, 1, 'rgba', () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const chunks: { type: string; data: Buffer }[] = [];
    for (let at = 8; at < png.length;) {
      const length = png.readUInt32BE(at);
      const type = png.toString('latin1', at + 4, at + 8);
      chunks.push({ type, data: png.subarray(at + 8, at + 8 + length) });
      at += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const header = chunks[0]!.data;
    expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([
      2, 1, 8, 6,
    ]);
    expect([...inflateSync(chunks[1]!.data)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // CRC-32 of "IEND" with no data is a known constant.
    expect(png.readUInt32BE(png.length - 4)).toBe(0xae426082);
  });

  it('refuses a row of the wrong width', () => {
    expect(() => encodePng(3, 1, 'rgb', () => new Uint8Array(6))).toThrow(RangeError);
  });
});
