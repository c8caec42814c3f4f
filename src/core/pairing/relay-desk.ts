/**
 * A person's device's desk for its home peers: pairing a new one (`pair-session.ts` over the
 * link's signaling channel, on the device that holds the identity key), the ones paired, each
 * followed over its relay channel (`relay-channel.ts`): the handover sent again whenever the
 * friend list changes, the relay's reports kept (online, last seen, entries and bytes held,
 * whether it holds all this device wrote), and unpairing (the relay's certificate revoked:
 * friends' devices refuse it once the revocation reaches them; the relay is told on its
 * channel, now or when it next reports, and stops).
 *
 * The home peers are the person's, not one device's: each is recorded in the `home-peers` doc
 * (`kinds/home-peers.ts`, sealed to the self key, replicated to all their devices), so every
 * device of theirs, linked ones too, lists them, follows them and tells an unpaired one. The
 * reports each device heard stay in its own settings.
 *
 * It runs beside the mesh, in the tab that holds the network role.
 */
import { fromBase64Url } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import { decodeDeviceRevocation } from '../identity/revocation.ts';
import type { Identity } from '../identity/keys.ts';
import { parseDeviceId, type DeviceId } from '../ids.ts';
import { docIdOf } from '../kinds/registry.ts';
import { listenForLink, type LinkListener } from '../link/link-channel.ts';
import { createLogger } from '../log.ts';
import type { IceServer } from '../net/ice-servers.ts';
import { deviceSigner } from '../net/signal-auth.ts';
import type { Signaling } from '../net/signaling-client.ts';
import type { LinkedNode, PersonNode } from '../node.ts';
import { NoIdentityKeyError } from '../peer/device-authority.ts';
import type { HomePeer } from '../docs/home-peers.ts';
import { relayHandover } from '../relay-handover.ts';
import { PairOffer, type PairedRelay } from './pair-session.ts';
import {
  openPersonEnd,
  openUnpairedEnd,
  REPORT_EVERY_MS,
  type PersonEnd,
  type RelayReport,
} from './relay-channel.ts';

const log = createLogger('kith:relay-desk');

/** Setting: what this device heard from each home peer (its last report, and when). */
const REPORTS = 'home-peer/reports';
/**
 * Settings of before the `home-peers` doc: the home peers paired and unpaired from this device
 * alone. Read once at start, moved into the doc, then emptied.
 */
const LEGACY_RELAYS = 'home-peer/relays';
const LEGACY_UNPAIRED = 'home-peer/unpaired';
/** Most unpaired home peers told (the latest). */
const MAX_UNPAIRED = 16;
/** A relay silent for this long is shown offline (two missed reports). */
export const ONLINE_FOR_MS = 2 * REPORT_EVERY_MS + 5_000;

/** What this device heard from one home peer. */
interface Heard {
  /** When its last report came, ms since epoch. */
  readonly lastSeen: number;
  readonly report: RelayReport;
}

/** How this device follows one home peer: its channel's end, open or telling it is unpaired. */
type Follow =
  | { readonly state: 'paired'; readonly end: PersonEnd }
  | { readonly state: 'unpaired'; readonly stop: () => void };

/** A paired home peer, as Settings shows it. */
export interface RelayView {
  readonly device: DeviceId;
  readonly pairedAt: number;
  readonly lastSeen: number | null;
  /** Whether a report came within {@link ONLINE_FOR_MS} of `now`. */
  readonly online: boolean;
  readonly entries: number | null;
  readonly diskBytes: number | null;
  /**
   * Whether it holds everything this device wrote, photos included, as of its last report
   * (null: no report yet).
   */
  readonly holdsAll: boolean | null;
}

/** A pairing in progress: the link to give the home peer, and the person's decision. */
export interface Pairing {
  readonly text: string;
  readonly expiresAt: number;
  /** The codes match: the relay is certified and handed its bundle. */
  confirm(): Promise<void>;
  /** The codes differ: nothing is sent. */
  refuse(): void;
  stop(): void;
}

/** The desk (module doc). */
export class RelayDesk {
  /** The person's home peers, as the `home-peers` doc holds them. */
  private peers: HomePeer[] = [];
  private heard = new Map<DeviceId, Heard>();
  private readonly follows = new Map<DeviceId, Follow>();
  private readonly listeners = new Set<() => void>();
  private readonly stops: (() => void)[] = [];
  /** How far this device's own log goes. */
  private ownHead = 0;
  private saving: Promise<void> = Promise.resolve();
  /** Reading the doc and following what it holds, one pass at a time. */
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(private readonly options: RelayDeskOptions) {}

  /** Opens the desk: every paired relay followed on its channel, every unpaired one told. */
  static async open(options: RelayDeskOptions): Promise<RelayDesk> {
    const desk = new RelayDesk(options);
    await desk.begin();
    return desk;
  }

  private async begin(): Promise<void> {
    const { node } = this.options;
    const me = node.peer.me;
    const device = node.device.key.deviceId;
    this.heard = parseHeard(await node.store.getSetting(REPORTS));
    await this.moveLegacy();
    this.ownHead = (await node.store.heldRanges(me, device)).at(-1)?.end ?? 0;
    const homePeersDoc = docIdOf({ kind: 'home-peers' });
    this.stops.push(
      node.ingestor.onStored((entries) => {
        if (entries.some((e) => e.author === me && e.docId === homePeersDoc)) {
          // Another device of the person paired or unpaired one: read once the peer applied it.
          void this.sync();
        }
        const own = entries.filter((e) => e.author === me && e.device === device);
        if (own.length === 0) return;
        this.ownHead = Math.max(this.ownHead, ...own.map((e) => e.seq));
        this.changed();
      }),
      node.friends.onChange(() => {
        for (const follow of this.follows.values()) {
          if (follow.state === 'paired') follow.end.handoverChanged();
        }
      }),
    );
    await this.sync();
  }

  /** The paired relays now. */
  relays(): RelayView[] {
    const now = this.options.clock.now();
    const device = this.options.node.device.key.deviceId;
    return this.peers.flatMap(({ device: relay, pairedAt, revocation }) => {
      if (revocation) return [];
      const heard = this.heard.get(relay);
      const report = heard?.report ?? null;
      const lastSeen = heard?.lastSeen ?? null;
      const held = report?.own.find(([d]) => d === device)?.[1] ?? 0;
      return [
        {
          device: relay,
          pairedAt,
          lastSeen,
          online: lastSeen !== null && now - lastSeen < ONLINE_FOR_MS,
          entries: report?.entries ?? null,
          diskBytes: report?.diskBytes ?? null,
          holdsAll: report ? held >= this.ownHead && report.blobsWaiting === 0 : null,
        },
      ];
    });
  }

  /** Whether this device can pair a home peer: only the identity key certifies one. */
  get canPair(): boolean {
    return this.options.node.kind === 'person';
  }

  /** Calls `listener` when a relay is paired, reports or is unpaired. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Makes a pairing link; `onCode` shows the code once the home peer answered. Only on the
   * device that holds the identity key (`NoIdentityKeyError` elsewhere).
   */
  async pair(onCode: (code: string) => void): Promise<Pairing> {
    const { node, clock, signaling } = this.options;
    if (node.kind !== 'person') throw new NoIdentityKeyError('only the identity device pairs');
    const offer = await PairOffer.create(node, {
      clock,
      origin: this.options.origin,
      iceServers: this.options.iceServers,
      onPaired: (relay) => this.add(relay),
      lifetimeMs: this.options.pairLifetimeMs,
    });
    const listener: LinkListener = await listenForLink({ offer, signaling, clock, onCode });
    return {
      text: offer.text,
      expiresAt: offer.expiresAt,
      confirm: () => listener.confirm(),
      refuse: () => listener.refuse(),
      stop: () => listener.stop(),
    };
  }

  /**
   * Unpairs a relay: its certificate revoked (by `identity`, on a device that does not hold it:
   * from the recovery phrase), its handovers ended, and recorded unpaired with the revocation,
   * so every device of the person tells it on its channel (now, and whenever it reports again).
   */
  async unpair(device: DeviceId, identity?: Identity): Promise<void> {
    const peer = this.peers.find((p) => p.device === device && !p.revocation);
    const revocation = await this.options.node.devices.revokeDevice(device, identity);
    if (peer) await this.options.node.peer.writeHomePeer({ ...peer, revocation: revocation.bytes });
    await this.sync();
  }

  /** Stops following every relay. */
  stop(): void {
    this.stopped = true;
    for (const stop of this.stops.splice(0)) stop();
    for (const follow of this.follows.values()) stopFollow(follow);
    this.follows.clear();
  }

  private async add(relay: PairedRelay): Promise<void> {
    await this.options.node.peer.writeHomePeer(relay);
    // Followed once its bundle has left: its first report then finds the handover current.
    void this.sync();
  }

  /** Reads the doc, follows every paired relay not yet followed, tells every unpaired one. */
  private sync(): Promise<void> {
    this.syncing = this.syncing
      .then(async () => {
        const { peer } = this.options.node;
        await peer.settled();
        if (this.stopped) return;
        this.peers = await peer.homePeers();
        const unpaired = this.peers.filter((p) => p.revocation).slice(-MAX_UNPAIRED);
        for (const relay of this.peers) {
          const follow = this.follows.get(relay.device);
          if (!relay.revocation) {
            if (!follow) await this.follow(relay);
          } else if (follow?.state !== 'unpaired' && unpaired.includes(relay)) {
            if (follow) stopFollow(follow);
            await this.tell(relay, relay.revocation);
          }
        }
        this.changed();
      })
      .catch((error: unknown) =>
        log.error('could not follow the home peers', { error: String(error) }),
      );
    return this.syncing;
  }

  private async follow(relay: HomePeer): Promise<void> {
    const { node, signaling, clock } = this.options;
    const end = await openPersonEnd({
      secret: relay.channel,
      signaling,
      clock,
      signer: deviceSigner(node.device, () => node.devices.current()),
      relay: relay.device,
      handover: () => relayHandover(node),
      onReport: (report) => {
        this.heard.set(relay.device, { lastSeen: clock.now(), report });
        void this.save();
        this.changed();
      },
    });
    this.follows.set(relay.device, { state: 'paired', end });
  }

  private async tell(relay: HomePeer, revocation: Uint8Array): Promise<void> {
    const { signaling, clock } = this.options;
    const stop = await openUnpairedEnd({ secret: relay.channel, revocation, signaling, clock });
    this.follows.set(relay.device, { state: 'unpaired', stop });
  }

  /** The home peers this device kept alone, before the doc, moved into it (once). */
  private async moveLegacy(): Promise<void> {
    const { store, peer } = this.options.node;
    const legacy = parseLegacy(
      await store.getSetting(LEGACY_RELAYS),
      await store.getSetting(LEGACY_UNPAIRED),
    );
    if (legacy.length === 0) return;
    for (const relay of legacy) await peer.writeHomePeer(relay);
    await store.setSetting(LEGACY_RELAYS, []);
    await store.setSetting(LEGACY_UNPAIRED, []);
  }

  private save(): Promise<void> {
    const { store } = this.options.node;
    const heard = [...this.heard].map(([device, h]) => ({ device, ...h }));
    this.saving = this.saving
      .then(() => store.setSetting(REPORTS, heard))
      .catch((error: unknown) => log.error('could not save the reports', { error: String(error) }));
    return this.saving;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function stopFollow(follow: Follow): void {
  if (follow.state === 'paired') follow.end.stop();
  else follow.stop();
}

/** What a desk runs with. */
export interface RelayDeskOptions {
  /** A reading device of the person: theirs, or linked (which pairs none). */
  readonly node: PersonNode | LinkedNode;
  readonly signaling: Signaling;
  readonly clock: Clock;
  /** The app's origin: pairing links name it. */
  readonly origin: string;
  /** The STUN/TURN servers this device uses, handed to a relay it pairs. */
  readonly iceServers: () => readonly IceServer[];
  readonly pairLifetimeMs?: number;
}

/** The reports as saved; any malformed one is dropped (it was written by this code). */
function parseHeard(value: unknown): Map<DeviceId, Heard> {
  const heard = new Map<DeviceId, Heard>();
  if (!Array.isArray(value)) return heard;
  for (const item of value as unknown[]) {
    try {
      const r = item as Record<string, unknown>;
      if (typeof r.lastSeen !== 'number' || typeof r.report !== 'object' || !r.report) continue;
      heard.set(parseDeviceId(r.device as string), {
        lastSeen: r.lastSeen,
        report: r.report as RelayReport,
      });
    } catch {
      // Not a device id: dropped.
    }
  }
  return heard;
}

/** The home peers kept in this device's settings before the doc; malformed ones dropped. */
function parseLegacy(relays: unknown, unpaired: unknown): HomePeer[] {
  const out: HomePeer[] = [];
  for (const item of Array.isArray(relays) ? (relays as unknown[]) : []) {
    try {
      const r = item as Record<string, unknown>;
      const channel = fromBase64Url(r.channel as string);
      if (channel.length !== 32 || typeof r.pairedAt !== 'number') continue;
      out.push({ device: parseDeviceId(r.device as string), channel, pairedAt: r.pairedAt });
    } catch {
      // Malformed: dropped.
    }
  }
  for (const item of Array.isArray(unpaired) ? (unpaired as unknown[]) : []) {
    try {
      const r = item as Record<string, unknown>;
      const channel = fromBase64Url(r.channel as string);
      const revocation = fromBase64Url(r.revocation as string);
      if (channel.length !== 32) continue;
      const { device } = decodeDeviceRevocation(revocation).revocation;
      out.push({ device, channel, pairedAt: 0, revocation });
    } catch {
      // Malformed: dropped.
    }
  }
  return out;
}
