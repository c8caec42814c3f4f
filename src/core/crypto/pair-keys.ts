/**
 * Pair keys: one symmetric secret per pair of X25519 keys, from their static-static agreement.
 * Key-set records (`key-set.ts`) derive each recipient's hint and box key from it, so finding
 * and opening one's box in a record costs hashing, not an X25519 agreement per box. The one
 * agreement per pair is made once and cached here.
 *
 *   shared   = X25519(my private key, their public key)
 *   pair key = HKDF-SHA256(ikm = shared, salt = lower key ‖ higher key (bytewise order),
 *                          info = domain("kith/key-set/pair/v2"))
 *
 * Both sides compute the same key (the salt orders the two public keys), so a person's devices
 * sealing to a friend and the friend opening agree on it.
 */
import { concatBytes } from '../bytes.ts';
import { BoundedCache } from '../identity/bounded-cache.ts';
import { toHex } from '../bytes.ts';
import { domain, hkdf } from './kdf.ts';
import { agree, type X25519KeyPair } from './seal.ts';

/** Pairs whose key stays cached: a person's friends and own key, with room to spare. */
const CAPACITY = 8_192;

/** The pair keys of one X25519 key pair (this person's encryption key). */
export class PairKeys {
  private cache = new BoundedCache<string, Promise<Uint8Array>>(CAPACITY);

  constructor(private mine: X25519KeyPair) {}

  /** This person's key pair the pair keys are made with. */
  get me(): X25519KeyPair {
    return this.mine;
  }

  /** Makes pair keys with `next` from now on (the person's key moved to its next generation). */
  use(next: X25519KeyPair): void {
    this.mine = next;
    this.cache = new BoundedCache<string, Promise<Uint8Array>>(CAPACITY);
  }

  /**
   * The pair key shared with the holder of `theirs`. Throws `InvalidPublicKeyError` for a key
   * that cannot take part in an agreement (wrong length, small order).
   */
  pairKey(theirs: Uint8Array): Promise<Uint8Array> {
    const name = toHex(theirs);
    const cached = this.cache.get(name);
    if (cached) return cached;
    const derived = derivePairKey(this.mine, theirs);
    const cache = this.cache;
    cache.set(name, derived);
    // A refused key is not remembered: the same bytes fail again, quickly, without X25519.
    derived.catch(() => cache.delete(name));
    return derived;
  }
}

async function derivePairKey(me: X25519KeyPair, theirs: Uint8Array): Promise<Uint8Array> {
  const shared = await agree(me.privateKey, theirs);
  const [low, high] =
    compareBytes(me.publicKey, theirs) <= 0 ? [me.publicKey, theirs] : [theirs, me.publicKey];
  return hkdf(shared, concatBytes(low, high), domain('kith/key-set/pair/v2'));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
