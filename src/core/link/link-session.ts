/**
 * Linking a device (docs/protocol.md "Linking a device"): the device that holds the identity
 * (the first device) makes a single-use link that expires in minutes; the new device opens it and
 * answers; both show the same short code, derived from the whole exchange; the person confirms on
 * the first device, and only then does it certify the new device's own key and send, sealed to
 * the exchange, what a device of the person reads and writes with. Never the identity seed: the
 * new device certifies, renews and revokes nobody.
 *
 * Why each part:
 * - The link's secret proves the answer comes from whoever holds the link (the request's tag),
 *   and is mixed into the session key, so an eavesdropper on the transport without the link can
 *   neither answer nor read.
 * - The one-time X25519 keys of both sides make the session key; the short code is derived from
 *   it and the transcript, so someone who saw the link and answered first gets a code the
 *   person's new device does not show: the person refuses, and nothing is sent.
 * - Single use: the first answer closes the link, so a link seen or stolen later links nothing.
 *
 * The two sides exchange two messages (request, bundle); how they travel is the caller's.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, concatBytes, randomBytes, utf8 } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import { DecryptError, SymmetricKey } from '../crypto/aead.ts';
import { hkdf, domain } from '../crypto/kdf.ts';
import { agree, generateX25519, type X25519KeyPair } from '../crypto/seal.ts';
import { verifyDeviceCertificate } from '../identity/device-certificate.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import { deviceSecret, keysOfGeneration } from '../crypto/key-generation-record.ts';
import {
  deriveEncryptionKeySeed,
  generateDeviceKey,
  newYjsClientId,
  type DeviceKey,
  type Identity,
} from '../identity/keys.ts';
import { ownDevicesSecret } from '../identity/own-devices.ts';
import { linkedKeys } from '../identity/person-keys.ts';
import { RecordError } from '../identity/signed-record.ts';
import { defaultVerifier, type Ed25519Verifier } from '../identity/verifier.ts';
import type { PersonId } from '../ids.ts';
import { openNode, type LinkedNode, type LinkedNodeOptions, type PersonNode } from '../node.ts';
import { friendsAndEpochOf, restoreBackup, type FriendsAndEpoch } from '../peer/backup.ts';
import {
  LinkError,
  MAX_EARLIER_GENERATIONS,
  decodeLinkBundle,
  decodeLinkPayload,
  decodeLinkRequest,
  encodeLinkBundle,
  encodeLinkPayload,
  encodeLinkRequest,
  type LinkPayload,
} from './link-codec.ts';

/** How long a link can be answered: long enough to reach for the other device. */
export const LINK_LIFETIME_MS = 10 * 60 * 1000;
const SALT = utf8('kith/link/v1');

/** The keys of one exchange, the same on both sides once the request is known. */
interface SessionSecrets {
  readonly key: SymmetricKey;
  /** The short code both devices show. */
  readonly code: string;
  /** What the sealed bundle is bound to. */
  readonly transcript: Uint8Array;
}

/** The tag proving a request's sender holds the link (module doc). */
async function requestTag(
  payload: Uint8Array,
  secret: Uint8Array,
  answerKey: Uint8Array,
  deviceKey: Uint8Array,
): Promise<Uint8Array> {
  const key = await hkdf(secret, SALT, utf8('request'));
  return hmac(sha256, key, domain('kith/link/request', payload, answerKey, deviceKey));
}

/** Six digits, shown as "123 456". */
function shortCode(bytes: Uint8Array): string {
  const value = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) % 1_000_000;
  const digits = value.toString().padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

async function sessionSecrets(
  shared: Uint8Array,
  secret: Uint8Array,
  payload: Uint8Array,
  request: Uint8Array,
): Promise<SessionSecrets> {
  const transcript = sha256(domain('kith/link/transcript', payload, request));
  const ikm = concatBytes(shared, secret);
  return {
    key: await SymmetricKey.fromRaw(await hkdf(ikm, SALT, domain('session', transcript))),
    code: shortCode(await hkdf(ikm, SALT, domain('code', transcript), 4)),
    transcript,
  };
}

function bundleAad(transcript: Uint8Array): Uint8Array {
  return domain('kith/link/bundle', transcript);
}

function checkNotExpired(expiresAt: number, clock: Clock): void {
  if (clock.now() > expiresAt) throw new LinkError('expired');
}

/** Where a link stands on the first device. */
type OfferState =
  | { readonly step: 'open' }
  | { readonly step: 'answered'; readonly deviceKey: Uint8Array; readonly session: SessionSecrets }
  | { readonly step: 'closed' };

/** The first device's side of one link (module doc). */
export class LinkOffer {
  private state: OfferState = { step: 'open' };

  private constructor(
    private readonly node: PersonNode,
    private readonly clock: Clock,
    private readonly keys: X25519KeyPair,
    private readonly payload: LinkPayload,
    /** The encoded payload: what the link carries. */
    readonly bytes: Uint8Array,
  ) {}

  /** Makes a link for `node`'s person, answerable for `lifetimeMs`. */
  static async create(
    node: PersonNode,
    clock: Clock,
    lifetimeMs: number = LINK_LIFETIME_MS,
  ): Promise<LinkOffer> {
    const keys = await generateX25519();
    const payload: LinkPayload = {
      person: node.identity.personId,
      secret: randomBytes(32),
      offerKey: keys.publicKey,
      expiresAt: clock.now() + lifetimeMs,
    };
    return new LinkOffer(node, clock, keys, payload, encodeLinkPayload(payload));
  }

  /** When the link stops being answerable, ms since epoch. */
  get expiresAt(): number {
    return this.payload.expiresAt;
  }

  /**
   * Takes the new device's request and returns the short code to show. The first request with
   * a valid tag closes the link to any other.
   */
  async answer(requestBytes: Uint8Array): Promise<string> {
    if (this.state.step !== 'open') throw new LinkError('used');
    checkNotExpired(this.payload.expiresAt, this.clock);
    const request = decodeLinkRequest(requestBytes);
    const tag = await requestTag(
      this.bytes,
      this.payload.secret,
      request.answerKey,
      request.deviceKey,
    );
    if (!bytesEqual(tag, request.tag)) throw new LinkError('tampered', 'request tag');
    // Checked again after the awaits: two answers racing close the link once.
    if (this.state.step !== 'open') throw new LinkError('used');
    this.state = { step: 'closed' };
    const shared = await agree(this.keys.privateKey, request.answerKey);
    const session = await sessionSecrets(shared, this.payload.secret, this.bytes, requestBytes);
    this.state = { step: 'answered', deviceKey: request.deviceKey, session };
    return session.code;
  }

  /** The person saw different codes: nothing is sent, and the link is spent. */
  refuse(): void {
    this.state = { step: 'closed' };
  }

  /**
   * The person saw the same code on both devices: certifies the new device's key and returns
   * the sealed bundle for it. The link is spent.
   */
  async confirm(): Promise<Uint8Array> {
    return this.confirmWith(async (deviceKey) => {
      const identity: Identity = this.node.identity;
      const certificate = await this.node.devices.certifyDevice(deviceKey, 'device');
      // The person's keys of now: a device removed before has the ones before, never these.
      const generation = this.node.peer.keyGeneration;
      return encodeLinkBundle({
        certificate: certificate.bytes,
        ...keysOfGeneration(identity, generation),
        generation,
        deviceSecret: deviceSecret(identity.seed, certificate.device),
        earlier: earlierSeeds(identity, generation),
        ownDevices: ownDevicesSecret(identity),
        ...(await friendsAndEpochOf(this.node.peer)),
      });
    });
  }

  /**
   * As {@link confirm}, with another bundle: `bundleFor` gets the answering device's key and
   * makes the bytes sealed to the exchange (pairing a home peer, `core/pairing/`, hands a relay
   * its certificate and handover through the same exchange). The link is spent.
   */
  async confirmWith(
    bundleFor: (deviceKey: Uint8Array) => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    const state = this.state;
    if (state.step === 'open') throw new LinkError('malformed', 'no answer to confirm');
    if (state.step === 'closed') throw new LinkError('used');
    this.state = { step: 'closed' };
    checkNotExpired(this.payload.expiresAt, this.clock);
    const bundle = await bundleFor(state.deviceKey);
    return state.session.key.encrypt(bundle, bundleAad(state.session.transcript));
  }
}

/** The X25519 seeds of the (most recent) generations before `generation`, oldest first. */
function earlierSeeds(identity: Identity, generation: number): Uint8Array[] {
  const from = Math.max(0, generation - MAX_EARLIER_GENERATIONS);
  return Array.from({ length: generation - from }, (_, i) =>
    deriveEncryptionKeySeed(identity.seed, from + i),
  );
}

/** What a linked device opens with (`openNode`) and keeps across reloads (`linked-state.ts`). */
export interface LinkedDeviceKeys {
  readonly options: Pick<LinkedNodeOptions, 'linked' | 'device' | 'ownDevices'>;
  /** The seed of `options.linked`'s X25519 key (what a store keeps of it). */
  readonly encryptionSeed: Uint8Array;
}

/** A finished link: the device's keys, and the friends and epoch to restore once. */
export interface LinkedDevice extends LinkedDeviceKeys {
  readonly shared: FriendsAndEpoch;
}

/** The new device's side of one link (module doc). */
export class LinkJoin {
  private constructor(
    private readonly payload: LinkPayload,
    private readonly device: DeviceKey,
    private readonly session: SessionSecrets,
    /** The request to send to the first device. */
    readonly request: Uint8Array,
    private readonly ed25519: Ed25519Verifier,
  ) {}

  /** The short code to show; the person compares it with the first device's. */
  get code(): string {
    return this.session.code;
  }

  /** When the link stops being answerable, ms since epoch. */
  get expiresAt(): number {
    return this.payload.expiresAt;
  }

  /** The person the link is from. */
  get person(): PersonId {
    return this.payload.person;
  }

  /** This device's own key, which the first device certifies. */
  get deviceKey(): DeviceKey {
    return this.device;
  }

  /**
   * Opens the first device's sealed bundle to its bytes, refusing one not sealed to this
   * exchange (`finish` decodes a device's; pairing, `core/pairing/`, a relay's).
   */
  async openSealed(sealed: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.session.key.decrypt(sealed, bundleAad(this.session.transcript));
    } catch (error) {
      if (error instanceof DecryptError) throw new LinkError('tampered', 'bundle');
      throw error;
    }
  }

  /**
   * Opens a link (its encoded payload): refuses one expired or malformed, makes this device's
   * own key and the request.
   */
  static async open(
    payloadBytes: Uint8Array,
    options: { clock: Clock; extractable?: boolean; ed25519?: Ed25519Verifier },
  ): Promise<LinkJoin> {
    const payload = decodeLinkPayload(payloadBytes);
    checkNotExpired(payload.expiresAt, options.clock);
    const device = await generateDeviceKey({ extractable: options.extractable ?? false });
    const keys = await generateX25519();
    const tag = await requestTag(payloadBytes, payload.secret, keys.publicKey, device.publicKey);
    const request = encodeLinkRequest({
      answerKey: keys.publicKey,
      deviceKey: device.publicKey,
      tag,
    });
    const shared = await agree(keys.privateKey, payload.offerKey);
    const session = await sessionSecrets(shared, payload.secret, payloadBytes, request);
    return new LinkJoin(payload, device, session, request, options.ed25519 ?? defaultVerifier);
  }

  /** Opens the first device's sealed bundle; refuses one not made for this exchange. */
  async finish(sealed: Uint8Array): Promise<LinkedDevice> {
    const bundle = decodeLinkBundle(await this.openSealed(sealed));
    const certificate = await verifyDeviceCertificate(bundle.certificate, this.ed25519).catch(
      (error: unknown) => {
        if (error instanceof RecordError) throw new LinkError('bad-certificate', error.message);
        throw error;
      },
    );
    if (
      certificate.person !== this.payload.person ||
      certificate.device !== this.device.deviceId ||
      certificate.role !== 'device'
    ) {
      throw new LinkError('bad-certificate', 'not this device’s or not this person’s');
    }
    const linked = await linkedKeys(this.payload.person, bundle);
    const device: DeviceSession = { key: this.device, certificate, yjsClientId: newYjsClientId() };
    return {
      options: { linked, device, ownDevices: bundle.ownDevices },
      encryptionSeed: bundle.encryptionSeed,
      shared: { friends: bundle.friends, epoch: bundle.epoch },
    };
  }
}

/**
 * Opens the new device's node from a finished link, and puts in the friends and the epoch it was
 * handed (as a restore from a backup does), so it meets friends before its first sync.
 */
export async function openLinkedNode(
  linked: LinkedDevice,
  options: Omit<LinkedNodeOptions, 'linked' | 'device' | 'ownDevices'>,
): Promise<LinkedNode> {
  const node = await openNode({ ...options, ...linked.options });
  await restoreBackup(node.peer, linked.shared);
  return node;
}
