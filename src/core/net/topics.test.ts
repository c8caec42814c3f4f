import { describe, expect, it } from 'vitest';
import { toBase64Url, toHex } from '../bytes.ts';
import { deriveTopic, topicWindow } from './topics.ts';

const secret = new Uint8Array(32).map((_, i) => i);
const other = new Uint8Array(32).map((_, i) => 255 - i);

describe('topic derivation', () => {
  it('is deterministic, 32 base64url characters, and differs by secret and purpose', async () => {
    const a = await deriveTopic(secret, 'pairwise');
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await deriveTopic(secret, 'pairwise')).toBe(a);
    expect(await deriveTopic(other, 'pairwise')).not.toBe(a);
    expect(await deriveTopic(secret, 'invite')).not.toBe(a);
  });

  it('rotates by window, and a windowed topic differs from the unwindowed one', async () => {
    const plain = await deriveTopic(secret, 'pairwise');
    const w1 = await deriveTopic(secret, 'pairwise', 1);
    const w2 = await deriveTopic(secret, 'pairwise', 2);
    expect(new Set([plain, w1, w2]).size).toBe(3);
    expect(topicWindow(86_400_000 * 3 + 5, 86_400_000)).toBe(3);
    await expect(deriveTopic(secret, 'pairwise', -1)).rejects.toThrow(RangeError);
  });

  it('never contains the secret in any text form', async () => {
    const topic = await deriveTopic(secret, 'invite');
    for (const form of [toBase64Url(secret), toHex(secret)]) {
      expect(form).not.toContain(topic);
      expect(topic).not.toContain(form.slice(0, 8));
    }
  });

  it('refuses a secret of the wrong length', async () => {
    await expect(deriveTopic(new Uint8Array(16), 'pairwise')).rejects.toThrow(RangeError);
  });
});
