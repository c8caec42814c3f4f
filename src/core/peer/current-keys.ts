/**
 * The person's encryption key and self key of their current generation, on this device
 * (`identity/keys.ts` derives the generations; docs/devices.md "Removing a device"). Everything
 * that seals or opens with them reads them here at the time it does, so a move to the next
 * generation takes effect for the next write without reopening the peer.
 *
 * The X25519 keys of the generations before stay at hand for opening what was sealed to them
 * before the move (an epoch record read for the first time: on a device linked afterwards, or
 * met late): never for sealing.
 *
 * The generation is kept in the store's settings (`keys/generation`): its number where the
 * device holds the seed (the keys derive from it), its number and keys, with the X25519 seeds of
 * the generations handed before it, on a linked device (handed by key generation records,
 * `crypto/key-generation-record.ts`).
 */
import { SymmetricKey } from '../crypto/aead.ts';
import { keysOfGeneration, type HandedKeys } from '../crypto/key-generation-record.ts';
import {
  publishEncryptionKey,
  type EncryptionKeyRecord,
} from '../identity/encryption-key-record.ts';
import type { InviteKeys } from '../invite/invite-keys.ts';
import { PairKeys } from '../crypto/pair-keys.ts';
import type { X25519KeyPair } from '../crypto/seal.ts';
import { encryptionKeyOfGeneration, x25519KeyFromSeed, type Identity } from '../identity/keys.ts';
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

/** What a linked device saved of a generation handed to it. */
interface SavedHanded {
  readonly generation: number;
  readonly handed: HandedKeys | null;
  /** X25519 seeds of generations handed before it. */
  readonly earlier: readonly Uint8Array[];
}

function readSaved(value: unknown): SavedHanded | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!Number.isSafeInteger(v.generation) || (v.generation as number) < 0) return null;
  const handed =
    v.encryptionSeed instanceof Uint8Array && v.selfKey instanceof Uint8Array
      ? { encryptionSeed: v.encryptionSeed, selfKey: v.selfKey }
      : null;
  const earlier = Array.isArray(v.earlier)
    ? v.earlier.filter((seed): seed is Uint8Array => seed instanceof Uint8Array)
    : [];
  return { generation: v.generation as number, handed, earlier };
}

/** The current generation's keys of the person, on this device (module doc). */
export class CurrentKeys implements InviteKeys {
  private earlierPairs: PairKeys[] | null = null;

  private constructor(
    private readonly store: SettingsStore,
    /** The identity, on a device that holds the seed. */
    readonly identity: Identity | null,
    private now: Generation,
    /** X25519 keys of generations before the current one, oldest first. */
    private readonly before: X25519KeyPair[],
    /** On a linked device: the seeds of the generations handed to it, the current one last. */
    private handedSeeds: readonly Uint8Array[],
  ) {}

  /** The current generation: the newer of the saved one and the one `keys` were given at. */
  static async open(store: SettingsStore, keys: ReadingKeys): Promise<CurrentKeys> {
    const saved = readSaved(await store.getSetting(GENERATION));
    if ('seed' in keys) {
      const generation = saved?.generation ?? 0;
      const now = await generationOf(generation, keysOfGeneration(keys, generation));
      const before = await Promise.all(
        Array.from({ length: generation }, (_, g) => encryptionKeyOfGeneration(keys.seed, g)),
      );
      return new CurrentKeys(store, keys, now, before, []);
    }
    const linkedBefore = await Promise.all(keys.earlier.map((seed) => x25519KeyFromSeed(seed)));
    const linked = { publicKey: keys.encryptionPublicKey, privateKey: keys.encryptionPrivateKey };
    if (saved?.handed && saved.generation > keys.generation) {
      const handedBefore = await Promise.all(saved.earlier.map((seed) => x25519KeyFromSeed(seed)));
      const now = await generationOf(saved.generation, saved.handed);
      const before = [...linkedBefore, linked, ...handedBefore];
      const seeds = [...saved.earlier, saved.handed.encryptionSeed];
      return new CurrentKeys(store, null, now, before, seeds);
    }
    const selfKey = await SymmetricKey.fromRaw(keys.selfKey);
    const now = { generation: keys.generation, x25519: linked, selfKey };
    return new CurrentKeys(store, null, now, linkedBefore, []);
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

  /** Pair keys of each earlier generation's X25519 key, for opening only (module doc). */
  earlier(): readonly PairKeys[] {
    this.earlierPairs ??= this.before.map((pair) => new PairKeys(pair));
    return this.earlierPairs;
  }

  /** The signed record of the current generation's key; only where the identity is held. */
  record(now: number): Promise<EncryptionKeyRecord> {
    if (!this.identity) throw new Error('only the identity key signs an encryption key record');
    return publishEncryptionKey(this.identity, now, this.now.generation);
  }

  /** The current generation's X25519 key pair, then the earlier ones, newest first. */
  opening(): readonly X25519KeyPair[] {
    return [this.now.x25519, ...this.before.toReversed()];
  }

  /** Moves to `generation`, with its keys (derived from the seed, or handed to this device). */
  async move(generation: number, handed: HandedKeys): Promise<void> {
    if (generation <= this.now.generation) throw new RangeError('a generation only moves on');
    const next = await generationOf(generation, handed);
    if (this.identity) {
      await this.store.setSetting(GENERATION, { generation });
    } else {
      const earlier = this.handedSeeds;
      await this.store.setSetting(GENERATION, { generation, ...handed, earlier });
      this.handedSeeds = [...earlier, handed.encryptionSeed];
    }
    this.before.push(this.now.x25519);
    this.earlierPairs = null;
    this.now = next;
  }
}
