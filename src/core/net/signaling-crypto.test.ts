import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url, toHex } from '../bytes.ts';
import {
  SIGNAL_FRESHNESS_MS,
  SignalingCipher,
  SignalingCryptoError,
  type SignalDirection,
} from './signaling-crypto.ts';

const secret = new Uint8Array(32).fill(7);
const alice = new Uint8Array(32).fill(1);
const bob = new Uint8Array(32).fill(2);
const aliceToBob: SignalDirection = { from: alice, to: bob };
const bobToAlice: SignalDirection = { from: bob, to: alice };
const topic = 'topic-under-test';
const now = 1_700_000_000_000;
const payload = { type: 'offer', sdp: 'v=0 secret-sdp-text 10.77.0.1' };

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignalingCryptoError);
  return (error as SignalingCryptoError).reason;
}

describe('signaling payload encryption', () => {
  it('round-trips between the two holders of the secret', async () => {
    const a = await SignalingCipher.fromSecret(secret, 'pairwise');
    const b = await SignalingCipher.fromSecret(secret, 'pairwise');
    const sealed = await a.seal(topic, aliceToBob, payload, now);
    expect(await b.open(topic, aliceToBob, sealed, now + 1000)).toEqual(payload);
  });

  it('shows a third party only a padded box with no trace of the plaintext', async () => {
    const a = await SignalingCipher.fromSecret(secret, 'pairwise');
    const sealed = await a.seal(topic, aliceToBob, payload, now);
    const wire = JSON.stringify(sealed);
    for (const needle of ['secret-sdp-text', '10.77.0.1', 'offer']) {
      expect(wire).not.toContain(needle);
    }
    for (const key of [alice, bob]) {
      for (const form of [toHex(key), toBase64Url(key)]) expect(wire).not.toContain(form);
    }
    // Version byte, nonce and tag around a plaintext padded to 256 bytes.
    expect((fromBase64Url(sealed.box).length - 29) % 256).toBe(0);
    const eve = await SignalingCipher.fromSecret(new Uint8Array(32).fill(8), 'pairwise');
    expect(await refusal(eve.open(topic, aliceToBob, sealed, now))).toBe('auth-failed');
  });

  it('opens only on the topic, in the direction, and for the purpose it was sealed for', async () => {
    const a = await SignalingCipher.fromSecret(secret, 'pairwise');
    const sealed = await a.seal(topic, aliceToBob, payload, now);
    expect(await refusal(a.open('other-topic', aliceToBob, sealed, now))).toBe('auth-failed');
    // The server echoes a publish to its sender: that echo must not open as the friend's.
    expect(await refusal(a.open(topic, bobToAlice, sealed, now))).toBe('auth-failed');
    const invite = await SignalingCipher.fromSecret(secret, 'invite');
    expect(await refusal(invite.open(topic, aliceToBob, sealed, now))).toBe('auth-failed');
  });

  it('refuses stale and future-dated messages', async () => {
    const a = await SignalingCipher.fromSecret(secret, 'pairwise');
    const sealed = await a.seal(topic, aliceToBob, payload, now);
    const late = now + SIGNAL_FRESHNESS_MS + 1;
    expect(await refusal(a.open(topic, aliceToBob, sealed, late))).toBe('stale');
    const early = now - SIGNAL_FRESHNESS_MS - 1;
    expect(await refusal(a.open(topic, aliceToBob, sealed, early))).toBe('stale');
  });

  it('refuses malformed, tampered and oversized envelopes with a typed reason', async () => {
    const a = await SignalingCipher.fromSecret(secret, 'pairwise');
    const sealed = await a.seal(topic, aliceToBob, payload, now);
    const box = fromBase64Url(sealed.box);
    box[box.length - 20]! ^= 1;
    const cases: [unknown, string][] = [
      [null, 'malformed'],
      ['text', 'malformed'],
      [{ v: 2, box: sealed.box }, 'malformed'],
      [{ v: 1, box: 42 }, 'malformed'],
      [{ v: 1, box: '*not base64*' }, 'malformed'],
      [{ v: 1, box: 'AAAA' }, 'malformed'],
      [{ v: 1, box: toBase64Url(box) }, 'auth-failed'],
      [{ v: 1, box: 'A'.repeat(60_000) }, 'too-large'],
    ];
    for (const [data, reason] of cases) {
      expect(await refusal(a.open(topic, aliceToBob, data, now))).toBe(reason);
    }
  });
});
