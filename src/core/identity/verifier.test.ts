import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.ts';
import { BoundedCache } from './bounded-cache.ts';
import { SMALL_ORDER_Y, isNonCanonicalScalar, precheckSignature } from './ed25519-checks.ts';
import { ed25519KeyFromSeed, signEd25519 } from './keys.ts';
import { Ed25519Verifier, type VerifyItem } from './verifier.ts';

/** RFC 8032 section 7.1, tests 1 to 3. */
const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

const vectorItem = (v: (typeof RFC8032)[number]): VerifyItem => ({
  publicKey: fromHex(v.publicKey),
  message: fromHex(v.message),
  signature: fromHex(v.signature),
});

// Edwards25519 arithmetic in BigInt, only to prove the small-order list in this test.
const P = 2n ** 255n - 19n;
const mod = (a: bigint) => ((a % P) + P) % P;
const pow = (b: bigint, e: bigint) => {
  let r = 1n;
  b = mod(b);
  for (; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
};
const inv = (a: bigint) => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const littleEndian = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
function pointOrder(yBytes: Uint8Array): number {
  const y = littleEndian(yBytes);
  const x2 = mod((y * y - 1n) * inv(D * y * y + 1n));
  let x = pow(x2, (P + 3n) / 8n);
  if (mod(x * x - x2) !== 0n) x = mod(x * pow(2n, (P - 1n) / 4n));
  expect(mod(x * x - x2)).toBe(0n);
  const add = ([x1, y1]: bigint[], [x2b, y2]: bigint[]) => {
    const t = D * x1! * x2b! * y1! * y2!;
    return [
      mod((x1! * y2! + x2b! * y1!) * inv(1n + t)),
      mod((y1! * y2! + x1! * x2b!) * inv(1n - t)),
    ];
  };
  let q = [x, y];
  for (let n = 1; n <= 8; n++, q = add(q, [x, y])) if (q[0] === 0n && q[1] === 1n) return n;
  return -1;
}

function withSign(y: Uint8Array, sign: number): Uint8Array {
  const out = y.slice();
  out[31] = out[31]! | (sign << 7);
  return out;
}

const pBytes = fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
const pPlusOne = fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
/** Every encoding of a small-order point: 5 canonical y values and y = p, p + 1, each sign. */
const SMALL_ORDER_ENCODINGS = [...SMALL_ORDER_Y, pBytes, pPlusOne].flatMap((y) => [
  withSign(y, 0),
  withSign(y, 1),
]);

describe('Ed25519 strictness checks', () => {
  it('lists exactly the y-coordinates of points of order 1, 2, 4 and 8', () => {
    expect(SMALL_ORDER_Y.map(pointOrder).sort()).toEqual([1, 2, 4, 8, 8]);
  });

  it('refuses every encoding of a small-order public key before verification', () => {
    const sig = fromHex(RFC8032[0]!.signature);
    expect(SMALL_ORDER_ENCODINGS).toHaveLength(14);
    for (const key of SMALL_ORDER_ENCODINGS) {
      expect(['small-order-key', 'non-canonical-key']).toContain(precheckSignature(key, sig));
    }
  });

  it('refuses every encoding of a small-order R', () => {
    const key = fromHex(RFC8032[0]!.publicKey);
    const s = fromHex(RFC8032[0]!.signature).subarray(32);
    for (const r of SMALL_ORDER_ENCODINGS) {
      const sig = new Uint8Array([...r, ...s]);
      expect(['small-order-r', 'non-canonical-r']).toContain(precheckSignature(key, sig));
    }
  });

  it('refuses non-canonical y encodings (y >= p) of keys and R', () => {
    const v = vectorItem(RFC8032[0]!);
    // y = p + 2 (≡ 2) is not small order: only canonicity refuses it.
    const y = fromHex('efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    expect(precheckSignature(y, v.signature)).toBe('non-canonical-key');
    expect(
      precheckSignature(v.publicKey, new Uint8Array([...y, ...v.signature.subarray(32)])),
    ).toBe('non-canonical-r');
  });

  it('refuses S >= L (the malleated twin of a valid signature)', () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const v = vectorItem(RFC8032[0]!);
    const s = littleEndian(v.signature.subarray(32));
    const sPlusL = s + L;
    const bytes = new Uint8Array(32).map((_, i) => Number((sPlusL >> BigInt(8 * i)) & 0xffn));
    expect(
      precheckSignature(v.publicKey, new Uint8Array([...v.signature.subarray(0, 32), ...bytes])),
    ).toBe('non-canonical-s');
    const lBytes = new Uint8Array(32).map((_, i) => Number((L >> BigInt(8 * i)) & 0xffn));
    expect(isNonCanonicalScalar(lBytes)).toBe(true);
    lBytes[0] = lBytes[0]! - 1;
    expect(isNonCanonicalScalar(lBytes)).toBe(false);
  });

  it('refuses wrong lengths', () => {
    const v = vectorItem(RFC8032[0]!);
    expect(precheckSignature(v.publicKey.subarray(1), v.signature)).toBe('bad-key-length');
    expect(precheckSignature(v.publicKey, v.signature.subarray(1))).toBe('bad-signature-length');
  });
});

describe('Ed25519Verifier', () => {
  const verifier = new Ed25519Verifier();

  it.each(RFC8032.map((v, i) => [i + 1, v] as const))('accepts RFC 8032 test %i', async (_, v) => {
    expect(await verifier.verify(vectorItem(v))).toEqual({ ok: true });
    const { publicKey } = await ed25519KeyFromSeed(fromHex(v.seed));
    expect(toHex(publicKey)).toBe(v.publicKey);
  });

  it('fails when any bit of key, message or signature flips', async () => {
    const v = vectorItem(RFC8032[2]!);
    const items: VerifyItem[] = [];
    for (const field of ['publicKey', 'message', 'signature'] as const) {
      for (let bit = 0; bit < v[field].length * 8; bit++) {
        const flipped = v[field].slice();
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
        items.push({ ...v, [field]: flipped });
      }
    }
    const results = await verifier.verifyMany(items);
    expect(results).toHaveLength(32 * 8 + 2 * 8 + 64 * 8);
    expect(results.filter((r) => r.ok)).toEqual([]);
  });

  it('returns the precheck reason without calling WebCrypto', async () => {
    const v = vectorItem(RFC8032[0]!);
    expect(await verifier.verify({ ...v, publicKey: SMALL_ORDER_ENCODINGS[2]! })).toEqual({
      ok: false,
      reason: 'small-order-key',
    });
  });

  it('says invalid-key for 32 bytes that are no curve point', async () => {
    // y = 2 has no x on Ed25519.
    const notOnCurve = new Uint8Array(32);
    notOnCurve[0] = 2;
    const result = await verifier.verify({ ...vectorItem(RFC8032[0]!), publicKey: notOnCurve });
    expect(result.ok).toBe(false);
  });

  it('verifies many in flight, results in input order', async () => {
    const { keyPair, publicKey } = await ed25519KeyFromSeed(fromHex(RFC8032[1]!.seed));
    const items: VerifyItem[] = [];
    for (let i = 0; i < 300; i++) {
      const message = new Uint8Array([i & 0xff, i >> 8]);
      const signature = await signEd25519(keyPair.privateKey, message);
      if (i % 7 === 3) signature[5] = signature[5]! ^ 1;
      items.push({ publicKey, message, signature });
    }
    const small = new Ed25519Verifier({ maxInFlight: 16, keyCacheSize: 2 });
    const results = await small.verifyMany(items);
    results.forEach((r, i) => expect(r.ok).toBe(i % 7 !== 3));
  });
});

describe('BoundedCache', () => {
  it('evicts the least recently used entry', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.size).toBe(2);
    expect(() => new BoundedCache(0)).toThrow(RangeError);
  });
});
