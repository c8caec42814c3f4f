/**
 * A person's device's desk for its home peers: pairing a new one (`pair-session.ts` over the
 * link's signaling channel), the ones paired (kept in the store's settings), each followed over
 * its relay channel (`relay-channel.ts`): the handover sent again whenever the friend list
 * changes, the relay's reports kept (online, last seen, entries and bytes held, whether it holds
 * all this device wrote), and unpairing (the relay's certificate revoked: friends' devices
 * refuse it once the revocation reaches them; the relay is told on its channel, now or when it
 * next reports, and stops).
 *
 * It runs beside the mesh, in the tab that holds the network role.
 */
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import { parseDeviceId, type DeviceId } from '../ids.ts';
import { listenForLink, type LinkListener } from '../link/link-channel.ts';
import { createLogger } from '../log.ts';
import type { IceServer } from '../net/ice-servers.ts';
import type { Signaling } from '../net/signaling-client.ts';
import type { PersonNode } from '../node.ts';
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

/** Setting: the home peers paired from this device, with their last reports. */
const RELAYS = 'home-peer/relays';
/** Setting: the home peers unpaired from this device, still told so when they report. */
const UNPAIRED = 'home-peer/unpaired';
/** Most unpaired home peers kept to tell (the latest). */
const MAX_UNPAIRED = 16;
/** A relay silent for this long is shown offline (two missed reports). */
export const ONLINE_FOR_MS = 2 * REPORT_EVERY_MS + 5_000;

/** A paired relay as the desk keeps it. */
interface RelayRecord extends PairedRelay {
  /** When its last report came, ms since epoch (null: none yet). */
  readonly lastSeen: number | null;
  readonly report: RelayReport | null;
}

/** A home peer unpaired from this device: its channel, and its revocation to tell it. */
interface UnpairedRecord {
  readonly channel: Uint8Array;
  readonly revocation: Uint8Array;
}

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
  private records: RelayRecord[];
  private readonly ends = new Map<DeviceId, PersonEnd>();
  private readonly listeners = new Set<() => void>();
  private readonly stops: (() => void)[] = [];
  /** How far this device's own log goes. */
  private ownHead = 0;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: RelayDeskOptions,
    records: RelayRecord[],
    private unpaired: UnpairedRecord[],
  ) {
    this.records = records;
  }

  /** Opens the desk: every paired relay followed on its channel, every unpaired one told. */
  static async open(options: RelayDeskOptions): Promise<RelayDesk> {
    const { store } = options.node;
    const desk = new RelayDesk(
      options,
      parseRecords(await store.getSetting(RELAYS)),
      parseUnpaired(await store.getSetting(UNPAIRED)),
    );
    await desk.begin();
    return desk;
  }

  private async begin(): Promise<void> {
    const { node } = this.options;
    const me = node.identity.personId;
    const device = node.device.key.deviceId;
    this.ownHead = (await node.store.heldRanges(me, device)).at(-1)?.end ?? 0;
    this.stops.push(
      node.ingestor.onStored((entries) => {
        const own = entries.filter((e) => e.author === me && e.device === device);
        if (own.length === 0) return;
        this.ownHead = Math.max(this.ownHead, ...own.map((e) => e.seq));
        this.changed();
      }),
      node.friends.onChange(() => {
        for (const end of this.ends.values()) end.handoverChanged();
      }),
    );
    for (const record of this.records) await this.follow(record);
    for (const record of this.unpaired) await this.tell(record);
  }

  /** The paired relays now. */
  relays(): RelayView[] {
    const now = this.options.clock.now();
    const device = this.options.node.device.key.deviceId;
    return this.records.map(({ device: relay, pairedAt, lastSeen, report }) => {
      const held = report?.own.find(([d]) => d === device)?.[1] ?? 0;
      return {
        device: relay,
        pairedAt,
        lastSeen,
        online: lastSeen !== null && now - lastSeen < ONLINE_FOR_MS,
        entries: report?.entries ?? null,
        diskBytes: report?.diskBytes ?? null,
        holdsAll: report ? held >= this.ownHead && report.blobsWaiting === 0 : null,
      };
    });
  }

  /** Calls `listener` when a relay is paired, reports or is unpaired. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Makes a pairing link; `onCode` shows the code once the home peer answered. */
  async pair(onCode: (code: string) => void): Promise<Pairing> {
    const { node, clock, signaling } = this.options;
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
   * Unpairs a relay: its certificate revoked, its handovers ended, forgotten here but for its
   * channel, on which it is told (now, and whenever it reports again).
   */
  async unpair(device: DeviceId): Promise<void> {
    const revocation = await this.options.node.devices.revokeDevice(device);
    this.ends.get(device)?.stop();
    this.ends.delete(device);
    const record = this.records.find((r) => r.device === device);
    this.records = this.records.filter((r) => r.device !== device);
    if (record) {
      const told = { channel: record.channel, revocation: revocation.bytes };
      this.unpaired = [...this.unpaired, told].slice(-MAX_UNPAIRED);
      await this.tell(told);
    }
    await this.save();
    this.changed();
  }

  /** Stops following every relay. */
  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    for (const end of this.ends.values()) end.stop();
    this.ends.clear();
  }

  private async add(relay: PairedRelay): Promise<void> {
    const record: RelayRecord = { ...relay, lastSeen: null, report: null };
    this.records = [...this.records.filter((r) => r.device !== relay.device), record];
    await this.save();
    this.changed();
    // Followed once its bundle has left: its first report then finds the handover current.
    void this.follow(record).catch((error: unknown) =>
      log.error('could not follow a new relay', { error: String(error) }),
    );
  }

  private async follow(record: RelayRecord): Promise<void> {
    const { node, signaling, clock } = this.options;
    const end = await openPersonEnd({
      secret: record.channel,
      signaling,
      clock,
      handover: () => relayHandover(node.identity, node.friends),
      onReport: (report) => {
        const now = clock.now();
        this.records = this.records.map((r) =>
          r.device === record.device ? { ...r, lastSeen: now, report } : r,
        );
        void this.save();
        this.changed();
      },
    });
    this.ends.set(record.device, end);
  }

  private async tell(record: UnpairedRecord): Promise<void> {
    const { signaling, clock } = this.options;
    const { channel: secret, revocation } = record;
    this.stops.push(await openUnpairedEnd({ secret, revocation, signaling, clock }));
  }

  private save(): Promise<void> {
    const { store } = this.options.node;
    const records = this.records.map((r) => ({ ...r, channel: toBase64Url(r.channel) }));
    const unpaired = this.unpaired.map((r) => ({
      channel: toBase64Url(r.channel),
      revocation: toBase64Url(r.revocation),
    }));
    this.saving = this.saving
      .then(async () => {
        await store.setSetting(RELAYS, records);
        await store.setSetting(UNPAIRED, unpaired);
      })
      .catch((error: unknown) => log.error('could not save the relays', { error: String(error) }));
    return this.saving;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/** What a desk runs with. */
export interface RelayDeskOptions {
  readonly node: PersonNode;
  readonly signaling: Signaling;
  readonly clock: Clock;
  /** The app's origin: pairing links name it. */
  readonly origin: string;
  /** The STUN/TURN servers this device uses, handed to a relay it pairs. */
  readonly iceServers: () => readonly IceServer[];
  readonly pairLifetimeMs?: number;
}

/** The records as saved; any malformed one is dropped (it was written by this code). */
function parseRecords(value: unknown): RelayRecord[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    try {
      const r = item as Record<string, unknown>;
      const channel = fromBase64Url(r.channel as string);
      if (channel.length !== 32 || typeof r.pairedAt !== 'number') return [];
      const lastSeen = typeof r.lastSeen === 'number' ? r.lastSeen : null;
      const report = (r.report ?? null) as RelayReport | null;
      return [
        {
          device: parseDeviceId(r.device as string),
          channel,
          pairedAt: r.pairedAt,
          lastSeen,
          report,
        },
      ];
    } catch {
      return [];
    }
  });
}

/** The unpaired relays as saved; any malformed one is dropped (it was written by this code). */
function parseUnpaired(value: unknown): UnpairedRecord[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    try {
      const r = item as Record<string, unknown>;
      const channel = fromBase64Url(r.channel as string);
      const revocation = fromBase64Url(r.revocation as string);
      return channel.length === 32 ? [{ channel, revocation }] : [];
    } catch {
      return [];
    }
  });
}
