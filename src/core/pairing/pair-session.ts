/**
 * Pairing a home peer: the device link's exchange (`link/link-session.ts`: a single-use link
 * that expires, a request proving its sender holds the link, a six-digit code from the exchange
 * that the person compares, a bundle sealed to the exchange) with what a relay is handed instead
 * of a device's keys: a certificate of role `relay`, the handover (whose logs to replicate, the
 * rendezvous secrets to meet its person's friends and own devices), the relay channel's secret
 * and the ICE servers of the server they paired through. Never the identity seed, never a
 * content key. Both sides talk over `link/link-channel.ts`.
 */
import { randomBytes } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import { verifyDeviceCertificate } from '../identity/device-certificate.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import { newYjsClientId } from '../identity/keys.ts';
import { RecordError } from '../identity/signed-record.ts';
import { defaultVerifier, type Ed25519Verifier } from '../identity/verifier.ts';
import type { DeviceId } from '../ids.ts';
import { LinkError } from '../link/link-codec.ts';
import type { JoinSide, OfferSide } from '../link/link-channel.ts';
import { LinkJoin, LinkOffer } from '../link/link-session.ts';
import type { IceServer } from '../net/ice-servers.ts';
import type { PersonNode } from '../node.ts';
import { relayHandover, type RelayHandover } from '../relay-handover.ts';
import { decodePairBundle, encodePairBundle, pairingText } from './pair-codec.ts';

/** How long a pairing link can be answered: minutes, enough to reach the home computer. */
export const PAIR_LIFETIME_MS = 10 * 60 * 1000;

/** A relay this person paired, as their device keeps it (`relay-desk.ts`). */
export interface PairedRelay {
  readonly device: DeviceId;
  /** The relay channel's secret (`relay-channel.ts`). */
  readonly channel: Uint8Array;
  /** When it was paired, ms since epoch. */
  readonly pairedAt: number;
}

/** The person's device's side of one pairing (module doc). */
export class PairOffer implements OfferSide {
  private constructor(
    private readonly link: LinkOffer,
    private readonly node: PersonNode,
    private readonly options: PairOfferOptions,
    /** The pairing link to give the home peer. */
    readonly text: string,
  ) {}

  /** Makes a pairing link for `node`'s person on `origin`. */
  static async create(node: PersonNode, options: PairOfferOptions): Promise<PairOffer> {
    const link = await LinkOffer.create(
      node,
      options.clock,
      options.lifetimeMs ?? PAIR_LIFETIME_MS,
    );
    return new PairOffer(link, node, options, pairingText(options.origin, link.bytes));
  }

  /** The link's payload (what the channel's topic comes from). */
  get bytes(): Uint8Array {
    return this.link.bytes;
  }

  /** When the link stops being answerable, ms since epoch. */
  get expiresAt(): number {
    return this.link.expiresAt;
  }

  /** Takes the home peer's request; returns the short code to show. */
  answer(request: Uint8Array): Promise<string> {
    return this.link.answer(request);
  }

  /** The codes differ: nothing is sent, and the link is spent. */
  refuse(): void {
    this.link.refuse();
  }

  /**
   * The codes match: certifies the relay's key (role `relay`), keeps the relay (`onPaired`) and
   * returns the sealed bundle with its handover as the friend list stands now.
   */
  confirm(): Promise<Uint8Array> {
    return this.link.confirmWith(async (deviceKey) => {
      const certificate = await this.node.devices.certifyDevice(deviceKey, 'relay');
      const handover = relayHandover(this.node);
      const channel = randomBytes(32);
      await this.options.onPaired({
        device: certificate.device,
        channel,
        pairedAt: this.options.clock.now(),
      });
      return encodePairBundle({
        certificate: certificate.bytes,
        ownDevices: handover.ownDevices,
        channel,
        iceServers: this.options.iceServers(),
        friends: handover.friends,
      });
    });
  }
}

/** What a pairing link is made with. */
export interface PairOfferOptions {
  readonly clock: Clock;
  /** The app's origin, whose signaling server both sides meet on. */
  readonly origin: string;
  /** The STUN/TURN servers this device uses: the relay is handed the same. */
  readonly iceServers: () => readonly IceServer[];
  /** Keeps the relay before its bundle leaves (a failure sends nothing). */
  onPaired(relay: PairedRelay): Promise<void>;
  readonly lifetimeMs?: number;
}

/** What a home peer has once paired: all its saved state needs but the signaling URL. */
export interface PairedState {
  readonly device: DeviceSession;
  readonly handover: RelayHandover;
  readonly iceServers: readonly IceServer[];
  readonly channel: Uint8Array;
}

/** The home peer's side of one pairing (module doc). */
export class PairJoin implements JoinSide<PairedState> {
  private constructor(
    private readonly link: LinkJoin,
    private readonly ed25519: Ed25519Verifier,
  ) {}

  /**
   * Opens a pairing link's payload: refuses one expired or malformed, makes the relay's own key
   * (extractable: the home peer keeps its seed in FOLDER) and the request.
   */
  static async open(
    payload: Uint8Array,
    options: { clock: Clock; ed25519?: Ed25519Verifier },
  ): Promise<PairJoin> {
    const link = await LinkJoin.open(payload, { clock: options.clock, extractable: true });
    return new PairJoin(link, options.ed25519 ?? defaultVerifier);
  }

  /** The request to send to the person's device. */
  get request(): Uint8Array {
    return this.link.request;
  }

  /** The short code to show; the person compares it with their device's. */
  get code(): string {
    return this.link.code;
  }

  /** When the link stops being answerable, ms since epoch. */
  get expiresAt(): number {
    return this.link.expiresAt;
  }

  /** Opens the sealed bundle; refuses one not made for this exchange, this key or a relay. */
  async finish(sealed: Uint8Array): Promise<PairedState> {
    const bundle = decodePairBundle(await this.link.openSealed(sealed));
    const certificate = await verifyDeviceCertificate(bundle.certificate, this.ed25519).catch(
      (error: unknown) => {
        if (error instanceof RecordError) throw new LinkError('bad-certificate', error.message);
        throw error;
      },
    );
    const key = this.link.deviceKey;
    if (
      certificate.person !== this.link.person ||
      certificate.device !== key.deviceId ||
      certificate.role !== 'relay'
    ) {
      throw new LinkError('bad-certificate', 'not this relay’s or not this person’s');
    }
    return {
      device: { key, certificate, yjsClientId: newYjsClientId() },
      handover: {
        person: certificate.person,
        ownDevices: bundle.ownDevices,
        friends: bundle.friends,
      },
      iceServers: bundle.iceServers,
      channel: bundle.channel,
    };
  }
}
