import { describe, expect, it } from 'vitest';
import { checkPlatform } from './platform.ts';

describe('checkPlatform', () => {
  it('accepts Node 20 WebCrypto, which has Ed25519 and X25519', async () => {
    expect(await checkPlatform()).toEqual({ ok: true });
  });

  it('refuses an insecure context before touching crypto', async () => {
    expect(await checkPlatform({ isSecureContext: false, crypto: globalThis.crypto })).toEqual({
      ok: false,
      problem: 'insecure-context',
    });
  });

  it('refuses a platform without crypto.subtle', async () => {
    expect(await checkPlatform({ isSecureContext: true, crypto: {} })).toEqual({
      ok: false,
      problem: 'no-webcrypto',
    });
  });

  it('names the missing algorithm when the engine refuses it', async () => {
    const real = globalThis.crypto.subtle;
    const refusing = (name: string): SubtleCrypto =>
      new Proxy(real, {
        get(target, prop) {
          if (prop !== 'generateKey') return Reflect.get(target, prop).bind(target);
          return (alg: { name: string }, ...rest: unknown[]) =>
            alg.name === name
              ? Promise.reject(new DOMException('Unrecognized name', 'NotSupportedError'))
              : Reflect.apply(target.generateKey, target, [alg, ...rest]);
        },
      });
    expect(
      await checkPlatform({ isSecureContext: true, crypto: { subtle: refusing('Ed25519') } }),
    ).toEqual({
      ok: false,
      problem: 'no-ed25519',
    });
    expect(
      await checkPlatform({ isSecureContext: true, crypto: { subtle: refusing('X25519') } }),
    ).toEqual({
      ok: false,
      problem: 'no-x25519',
    });
  });
});
