/**
 * The person's encryption key and self key of their current generation, on this device
 * (`identity/keys.ts` derives the generations; docs/devices.md "Removing a device"). Everything
 * that seals or opens with them reads them here at the time it does, so a move to the next
 * generation takes effect for the next write without reopening the peer.
 *
 * The generation is kept in the store's settings (`keys/generation`): its number where the
 * device holds the seed (the keys derive from it), its number and keys on a linked device (handed
 * to it by a key generation record, `crypto/key-generation-record.ts`).
 */
import { SymmetricKey } from '../crypto/aead.ts';
import { keysOfGeneration, type HandedKeys } from '../crypto/key-generation-record.ts';
import type { X25519KeyPair } from '../crypto/seal.ts';
import { x25519KeyFromSeed, type Identity } from '../identity/keys.ts';
import type { ReadingKeys } from '../identity/person-keys.ts';
import type { SettingsStore } from '../store/storage-adapter.ts';

const GENERATION = 'keys/generation';

/** One generation's keys, ready to use. */
interface Generation {
  readonly generation: number;
  readonly x25519: X25519KeyPair;
  readonly selfKey: SymmetricKey;
}

async function generationOf(generation: number, handed: HandedKeys): Promise<Generation> {
  return {
    generation,
    x25519: await x25519KeyFromSeed(handed.encryptionSeed),
    selfKey: await SymmetricKey.fromRaw(handed.selfKey),
  };
}

/** The saved generation: its number, with its keys on a device without the seed. */
function readSaved(value: unknown): { generation: number; handed: HandedKeys | null } | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!Number.isSafeInteger(v.generation) || (v.generation as number) < 0) return null;
  const handed =
    v.encryptionSeed instanceof Uint8Array && v.selfKey instanceof Uint8Array
      ? { encryptionSeed: v.encryptionSeed, selfKey: v.selfKey }
      : null;
  return { generation: v.generation as number, handed };
}

/** The current generation's keys of the person, on this device (module doc). */
export class CurrentKeys {
  private constructor(
    private readonly store: SettingsStore,
    /** The identity, on a device that holds the seed. */
    readonly identity: Identity | null,
    private now: Generation,
  ) {}

  /** The current generation: the newer of the saved one and the one `keys` were given at. */
  static async open(store: SettingsStore, keys: ReadingKeys): Promise<CurrentKeys> {
    const saved = readSaved(await store.getSetting(GENERATION));
    if ('seed' in keys) {
      const generation = saved?.generation ?? 0;
      const now = await generationOf(generation, keysOfGeneration(keys, generation));
      return new CurrentKeys(store, keys, now);
    }
    if (saved?.handed && saved.generation > keys.generation) {
      return new CurrentKeys(store, null, await generationOf(saved.generation, saved.handed));
    }
    const selfKey = await SymmetricKey.fromRaw(keys.selfKey);
    const x25519 = { publicKey: keys.encryptionPublicKey, privateKey: keys.encryptionPrivateKey };
    return new CurrentKeys(store, null, { generation: keys.generation, x25519, selfKey });
  }

  /** Which generation is current (0: the original keys). */
  get generation(): number {
    return this.now.generation;
  }

  /** The X25519 key pair of the current generation. */
  get x25519(): X25519KeyPair {
    return this.now.x25519;
  }

  /** The X25519 public key of the current generation (own devices' box in key records). */
  get encryptionPublicKey(): Uint8Array {
    return this.now.x25519.publicKey;
  }

  /** The self key of the current generation (what only own devices read). */
  get selfKey(): SymmetricKey {
    return this.now.selfKey;
  }

  /** Moves to `generation`, with its keys (derived from the seed, or handed to this device). */
  async move(generation: number, handed: HandedKeys): Promise<void> {
    if (generation <= this.now.generation) throw new RangeError('a generation only moves on');
    const next = await generationOf(generation, handed);
    await this.store.setSetting(
      GENERATION,
      this.identity ? { generation } : { generation, ...handed },
    );
    this.now = next;
  }
}
