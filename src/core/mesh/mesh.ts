/**
 * The network of one device, run by the tab that holds the network role: the connection
 * manager (one WebRTC connection per friend's device, under a cap), replication over every
 * connection, the inviter's desk answering accepts of this person's invites, and the invitee's
 * sessions carrying this person's acceptances to their inviters. Friendships made here go into
 * the friend list (`ports.ts`), which decides whom to connect to and replicate. On a device
 * without the identity key (a relay) there are no invites: it meets the friends it was handed.
 */
import type { Clock } from '../clock.ts';
import type { DeviceCertificate } from '../identity/device-certificate.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import type { RevocationLookup } from '../identity/revocation.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';
import { authorOfLogKey, logKey, type DocId, type LogKey, type PersonId } from '../ids.ts';
import { InviteBook } from '../invite/invite-book.ts';
import { decodeInvite } from '../invite/invite-codec.ts';
import { InviteeSession, InviterDesk } from '../invite/invite-session.ts';
import { createLogger } from '../log.ts';
import {
  ConnectionManager,
  type FriendNetState,
  type SimplePeerConstructor,
} from '../net/connection-manager.ts';
import type { IceServer } from '../net/ice-servers.ts';
import type { Signaling } from '../net/signaling-client.ts';
import { deviceSigner } from '../net/signal-auth.ts';
import type { LogStore } from '../store/storage-adapter.ts';
import type { SyncEngine } from '../sync/sync-engine.ts';
import type { SyncSession } from '../sync/sync-session.ts';
import { InviteRecords, type AcceptanceRecord } from './invite-records.ts';
import type { BlobPort, MeshFriends, MeshInvites } from './ports.ts';
import { EphemeralLanes } from './ephemeral-lane.ts';
import {
  firstUndelivered,
  OwnEntries,
  parseDeliveredTo,
  pendingDelivery,
  type Delivery,
} from './delivery.ts';

const log = createLogger('kith:mesh');

/** Setting: the own log's seq that some friend's device is known to hold. */
const DELIVERED = 'mesh/delivered-seq';
/** Setting: per friend, the own log's seq one of their devices is known to hold. */
const DELIVERED_TO = 'mesh/delivered-to';
const DELIVERY_CHECK_MS = 2_000;
/** Own changes read to tell which docs are pending and with whom (the newest ones). */
const MAX_PENDING_READ = 1_000;

/** What a mesh is made of; only the app's wiring (or a test) chooses these. */
export interface MeshOptions {
  /** The person this device belongs to. */
  readonly person: PersonId;
  readonly device: DeviceSession;
  readonly store: LogStore;
  readonly friends: MeshFriends;
  /**
   * People met and replicated like friends though they are not (fellow members of a
   * conversation, `peer/conversation-peers.ts`); none on a relay.
   */
  readonly members?: MeshFriends;
  readonly blobs: Pick<BlobPort, 'wanted' | 'onWant'>;
  /** Invites both ways; only on a device holding the identity key (none on a relay). */
  readonly invites?: MeshInvites;
  /** The secret this person's own devices meet by (`identity/own-devices.ts`); none: not met. */
  readonly ownDevices?: Uint8Array;
  readonly engine: SyncEngine;
  readonly signaling: Signaling;
  readonly SimplePeer: SimplePeerConstructor;
  readonly iceServers: () => IceServer[];
  readonly clock: Clock;
  readonly verifier: Ed25519Verifier;
  /** Devices their persons revoked: they cannot connect (default: none known). */
  readonly revocations?: RevocationLookup;
  /** This device's newest certificate, which a renewal replaces (default: the session's). */
  readonly certificate?: () => DeviceCertificate;
  /** Simultaneous connections (default 16). */
  readonly maxConnections?: number;
  /** Presence announcement interval (default: the connection manager's). */
  readonly announceMs?: number;
  /** Republishing interval of waiting acceptances (default 10 s). */
  readonly acceptRetryMs?: number;
  /** How often delivery and the friends' syncing marks are checked (default 2 s). */
  readonly checkMs?: number;
}

/** What the UI shows of the network. */
export interface MeshStatus {
  /** Changes written on this device that no friend's device has taken yet (as far as known). */
  readonly undelivered: number;
  /**
   * The docs this device wrote (posts, comments, reactions, messages ...) that no friend or
   * fellow conversation member has yet, or that some lack (named: a post's readers are the
   * friends among them), so the UI can say so; from the newest `MAX_PENDING_READ` own changes.
   * Empty for someone with no friends.
   */
  readonly pending: ReadonlyMap<DocId, Delivery>;
  /** Whether a signaling server is reachable. */
  readonly signaling: boolean;
  /** Each friend's state. */
  readonly friends: ReadonlyMap<PersonId, FriendNetState>;
  /** Open connections. */
  readonly connections: number;
  /** Whether replication has work in flight (something is being sent or received). */
  readonly syncing: boolean;
  /**
   * Friends with a device whose last sync session closed because it runs an older Kith
   * (`peer-outdated`): nothing syncs with that device until they update.
   */
  readonly outdated: ReadonlySet<PersonId>;
}

/** What a device holding the identity key runs of invites. */
interface Inviting {
  readonly port: MeshInvites;
  readonly records: InviteRecords;
  /** The inviter's book the desk decides with, loaded from the records (uses included). */
  readonly book: InviteBook;
  readonly desk: InviterDesk;
}

/** The running network of this device. */
export class Mesh {
  private readonly manager: ConnectionManager;
  /** The invite parts, on a device holding the identity key. */
  private readonly inviting: Inviting | undefined;
  private readonly sessions = new Map<string, InviteeSession>();
  private readonly listeners = new Set<() => void>();
  private readonly stops: (() => void)[] = [];
  /** The sessions attached, with whose device each is (closed ones leave on the next check). */
  private readonly attached = new Set<{ session: SyncSession; person: PersonId }>();
  private ownSeq = 0;
  private deliveredSeq = 0;
  private deliveredTo: ReadonlyMap<PersonId, number> = new Map();
  private pending: ReadonlyMap<DocId, Delivery> = new Map();
  /** Delivery's reads and marks, one after another (`inTurn`). */
  private deliveryWork: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly ownEntries = new OwnEntries((from, to) =>
    this.options.store.getEntries(this.options.person, this.options.device.key.deviceId, from, to),
  );
  private inviteWork: Promise<void> = Promise.resolve();
  /** The newest seq held of each log (`author/device`), for presence and the cap's choices. */
  private readonly heads = new Map<LogKey, number>();
  /** What is said only while connected and never stored (typing), over every connection. */
  readonly lanes: EphemeralLanes;

  private constructor(
    private readonly options: MeshOptions,
    /** The invite records and the inviter's book loaded from them (uses included). */
    invites: { records: InviteRecords; book: InviteBook } | undefined,
  ) {
    this.lanes = new EphemeralLanes(() => options.clock.now());
    const { friends, members, ownDevices, person } = options;
    // This person's other devices (a relay among them) are met like a friend, on their own link.
    const own = ownDevices && { person, pairwiseSecret: ownDevices };
    // Members first: a friend's own link wins should someone be both for a moment.
    const links = () => [...(members?.links() ?? []), ...friends.links(), ...(own ? [own] : [])];
    this.manager = new ConnectionManager({
      self: deviceSigner(options.device, options.certificate),
      verifier: options.verifier,
      revocations: options.revocations,
      signaling: options.signaling,
      friends: {
        links,
        onChange: (listener) => {
          const stops = [friends.onChange(listener), members?.onChange(listener)];
          return () => stops.forEach((stop) => stop?.());
        },
      },
      SimplePeer: options.SimplePeer,
      iceServers: options.iceServers,
      clock: options.clock,
      maxConnections: options.maxConnections,
      announceMs: options.announceMs,
      ownHead: () => this.heads.get(logKey(person, options.device.key.deviceId)) ?? 0,
      lacks: (person, device, head) => (this.heads.get(logKey(person, device)) ?? 0) < head,
    });
    const port = options.invites;
    this.inviting = port &&
      invites && {
        port,
        ...invites,
        desk: new InviterDesk({
          identity: port.identity,
          keys: port.keys,
          book: invites.book,
          signaling: options.signaling,
          clock: options.clock,
          verifier: options.verifier,
          onFriend: async (friend) => {
            await port.addFriend({
              personId: friend.person,
              encryptionKey: friend.keyRecord.encryptionKey,
              generation: friend.keyRecord.generation,
              rendezvous: friend.pairwiseSecret,
            });
          },
          onBookChange: () => void this.saveBook(),
        }),
      };
  }

  /** Starts the network: connections to friends, replication, invites in both directions. */
  static async start(options: MeshOptions): Promise<Mesh> {
    let invites;
    if (options.invites) {
      const records = new InviteRecords(options.store);
      invites = { records, book: new InviteBook(await records.issued()) };
    }
    const mesh = new Mesh(options, invites);
    await mesh.begin();
    return mesh;
  }

  private async begin(): Promise<void> {
    const { engine, friends, blobs, signaling } = this.options;
    const options = this.options;
    const ownKey = logKey(options.person, options.device.key.deviceId);
    for (const summary of await options.store.listLogs()) {
      const end = summary.ranges.at(-1)?.end;
      if (end !== undefined) this.heads.set(logKey(summary.author, summary.device), end);
    }
    this.stops.push(
      engine.ingestor.onStored((entries) => {
        let own = false;
        for (const e of entries) {
          const key = logKey(e.author, e.device);
          this.heads.set(key, Math.max(this.heads.get(key) ?? 0, e.seq));
          own ||= key === ownKey;
        }
        if (!own) return;
        // Written here or in another tab: friends hear of the new head soon, and what is
        // pending is read again. What went to a connected friend at once (pushed live) is
        // marked delivered in the same step, rather than shown "not delivered" until the next
        // check.
        this.manager.headChanged();
        void this.inTurn(async () => {
          if (!(await this.writeDelivered())) await this.readAndTell();
        });
      }),
      this.manager.onConnection((connection) => {
        // A fellow member who is no friend: their friends are not learnt as window authors.
        const near =
          connection.person === options.person ||
          options.friends.persons().includes(connection.person);
        const session = engine.attach(
          this.lanes.attach(connection.person, connection.transport),
          logKey(connection.person, connection.device),
          { learnWants: near, remotePerson: connection.person },
        );
        // A stalled session closes itself (`sync/stall-watch.ts`), and with it the connection,
        // which the connection manager then makes again.
        this.attached.add({ session, person: connection.person });
        this.markSyncing(connection.person);
        session.onProgress(() => {
          this.markSyncing(connection.person);
          this.changed();
        });
        this.changed();
      }),
      this.manager.onStateChange(() => this.changed()),
      engine.onSessions(() => this.changed()),
      signaling.onOpenChange(() => this.changed()),
      friends.onChange(() => void this.refreshDelivery()),
      options.members?.onChange(() => void this.refreshDelivery()) ?? (() => undefined),
      blobs.onWant((id) => engine.wantBlobs([id])),
      engine.onBlobProgress(() => this.changed()),
    );
    engine.wantBlobs(blobs.wanted());
    await this.readDelivery();
    // How far each friend's sessions know their device holds the own log (said in its `have`, or
    // sent to it), whatever else the session is busy with; checked on a slow tick rather than on
    // every message.
    const tick = setInterval(() => {
      this.checkDelivered();
      // A session can fall idle with no progress event after its last one (an answer's tail, a
      // task ending): without this a friend stayed "syncing…" for good.
      for (const a of this.attached) if (a.session.closed) this.attached.delete(a);
      for (const person of new Set([...this.attached].map((a) => a.person))) {
        this.markSyncing(person);
      }
    }, options.checkMs ?? DELIVERY_CHECK_MS);
    this.stops.push(() => clearInterval(tick));
    this.manager.start();
    await this.manager.friendsSettled();
    await this.refreshInvites();
  }

  /** Stops everything this mesh started. */
  stop(): void {
    this.stopped = true;
    for (const stop of this.stops.splice(0)) stop();
    for (const session of this.sessions.values()) session.stop();
    this.sessions.clear();
    this.inviting?.desk.stop();
    this.manager.stop();
    this.options.engine.close();
  }

  /**
   * The page is going away (call it from `pagehide`): friends' devices hear a signed bye at
   * once and show this one offline now, not 75 s later. Synchronous; best effort.
   */
  goodbye(): void {
    this.manager.sayGoodbye();
  }

  /** Calls `listener` whenever the status may have changed. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The network as the UI shows it. */
  status(): MeshStatus {
    const known = new Set(this.options.friends.persons());
    const friends = new Map<PersonId, FriendNetState>();
    for (const person of known) friends.set(person, this.manager.stateOf(person));
    const outdated = new Set<PersonId>();
    // The sessions' labels are log keys (`onConnection` attaches them so).
    for (const label of this.options.engine.outdatedRemotes) {
      const person = authorOfLogKey(label as LogKey);
      if (known.has(person)) outdated.add(person);
    }
    return {
      signaling: this.options.signaling.isOpen,
      friends,
      connections: this.manager.openConnectionCount,
      syncing: !this.options.engine.idle,
      undelivered: Math.max(0, this.ownSeq - this.deliveredSeq),
      pending: this.pending,
      outdated,
    };
  }

  /**
   * Re-reads how far the own log goes and how far friends took it, and tells the screens. Runs
   * in turn with every other read and mark of delivery: one that read the store before another's
   * mark was written and finished after it would put the older state back.
   */
  private refreshDelivery(): Promise<void> {
    return this.inTurn(() => this.readAndTell());
  }

  private async readAndTell(): Promise<void> {
    await this.readDelivery();
    this.changed();
  }

  /**
   * Runs `task` after every delivery task queued before it, unless the mesh stopped meanwhile
   * (the next tab to hold the network writes delivery now). A failure is logged: the next
   * check reads again.
   */
  private inTurn(task: () => Promise<void>): Promise<void> {
    this.deliveryWork = this.deliveryWork
      .then(() => (this.stopped ? undefined : task()))
      .catch((error: unknown) => {
        log.error('could not update what was delivered', { error: String(error) });
      });
    return this.deliveryWork;
  }

  private async readDelivery(): Promise<void> {
    const { store, person, device } = this.options;
    this.ownSeq = (await store.heldRanges(person, device.key.deviceId)).at(-1)?.end ?? 0;
    const saved = await store.getSetting(DELIVERED);
    this.deliveredSeq = typeof saved === 'number' ? saved : 0;
    this.deliveredTo = parseDeliveredTo(await store.getSetting(DELIVERED_TO));
    await this.readPending();
  }

  /**
   * Whom the own log is delivered to: friends, and fellow conversation members who are not
   * friends (a message is delivered once every member's device holds it).
   */
  private recipients(): PersonId[] {
    const { friends, members } = this.options;
    return [...new Set([...friends.persons(), ...(members?.persons() ?? [])])];
  }

  private async readPending(): Promise<void> {
    const friends = this.recipients();
    const delivered = { any: this.deliveredSeq, byFriend: this.deliveredTo };
    const from = Math.max(firstUndelivered(delivered, friends), this.ownSeq - MAX_PENDING_READ + 1);
    if (from > this.ownSeq) {
      if (this.pending.size > 0) this.pending = new Map();
      return;
    }
    const entries = await this.ownEntries.range(from, this.ownSeq);
    this.pending = pendingDelivery(entries, delivered, friends);
  }

  /** What the screens show of delivery, as one comparable string. */
  private deliveryShown(): string {
    const docs = [...this.pending].map(
      ([doc, d]) => `${doc}:${d.reached === 'nobody' ? '' : d.lacking.join(',')}`,
    );
    return `${this.ownSeq - this.deliveredSeq}|${docs.join('|')}`;
  }

  /** Marks the own log delivered as far as friends' open sessions know their devices hold it. */
  private checkDelivered(): void {
    void this.inTurn(async () => void (await this.writeDelivered()));
  }

  /** Per friend with an open session, the own seq one of their devices holds up to (> 0). */
  private reachedFriends(): Map<PersonId, number> {
    const friends = new Set(this.recipients());
    const { person: me, device } = this.options;
    const reached = new Map<PersonId, number>();
    for (const { session, person } of this.attached) {
      if (session.closed || !friends.has(person)) continue;
      const seq = session.remoteHoldsThrough(me, device.key.deviceId);
      if (seq > (reached.get(person) ?? 0)) reached.set(person, seq);
    }
    return reached;
  }

  /**
   * In turn (`inTurn`): marks what friends' open sessions know their devices hold, read now
   * (after the stores' listeners, a live push included, have run). False when no friend's
   * session is open: nothing was read.
   */
  private async writeDelivered(): Promise<boolean> {
    const reached = this.reachedFriends();
    if (reached.size === 0) return false;
    const shown = this.deliveryShown();
    await this.readDelivery();
    const ahead = [...reached]
      .map(([friend, seq]) => [friend, Math.min(seq, this.ownSeq)] as const)
      .filter(([friend, seq]) => (this.deliveredTo.get(friend) ?? 0) < seq);
    if (ahead.length === 0) {
      // Read again, what is pending may differ from what the screens were last told.
      if (this.deliveryShown() !== shown) this.changed();
      return true;
    }
    if (this.stopped) return true;
    // Only current friends and members: someone removed has nothing more to get.
    const friends = new Set(this.recipients());
    const byFriend = new Map([...this.deliveredTo].filter(([f]) => friends.has(f)));
    for (const [friend, seq] of ahead) byFriend.set(friend, seq);
    this.deliveredTo = byFriend;
    this.deliveredSeq = Math.max(this.deliveredSeq, ...ahead.map(([, seq]) => seq));
    await this.options.store.setSetting(DELIVERED_TO, Object.fromEntries(byFriend));
    await this.options.store.setSetting(DELIVERED, this.deliveredSeq);
    await this.readPending();
    this.changed();
    return true;
  }

  /** How far a wanted photo has come: a fraction from 0 to 1, or `null` if not known yet. */
  blobFraction(id: string): number | null {
    const progress = this.options.engine.blobProgress(id);
    if (!progress?.total) return null;
    return progress.bytesReceived / progress.total;
  }

  /** Connections created since start (for the churn measurement). */
  get connectionsCreated(): number {
    return this.manager.connectionsCreated;
  }

  /** Closes the connection to a friend (tests force a reconnect through signaling with it). */
  disconnect(person: PersonId): void {
    this.manager.disconnect(person);
  }

  /**
   * Re-reads the invite records (another tab, or this one, issued, revoked or accepted one):
   * listens on every live issued invite and carries every unanswered acceptance.
   */
  refreshInvites(): Promise<void> {
    this.inviteWork = this.inviteWork
      .then(() => this.syncInvites())
      .catch((error: unknown) => {
        log.error('could not refresh invites', { error: String(error) });
      });
    return this.inviteWork;
  }

  private async syncInvites(): Promise<void> {
    const inviting = this.inviting;
    if (!inviting) return;
    const { records, book, desk } = inviting;
    // Other tabs add and revoke invites; uses are recorded here, by the desk.
    for (const invite of await records.issued()) {
      if (!book.get(invite.inviteId)) book.issue({ ...invite });
      if (invite.revoked) book.revoke(invite.inviteId);
    }
    await desk.refresh();
    for (const record of await records.accepted()) {
      if (record.outcome || this.sessions.has(record.payload)) continue;
      await this.carry(inviting, record);
    }
  }

  /** Stores the book's uses without losing an invite another tab issued meanwhile. */
  private async saveBook(): Promise<void> {
    if (!this.inviting) return;
    const { records, book } = this.inviting;
    const stored = await records.issued();
    const mine = new Map(book.entries().map((i) => [i.inviteId, i]));
    const merged = stored.map((i) => mine.get(i.inviteId) ?? i);
    for (const [id, invite] of mine)
      if (!stored.some((i) => i.inviteId === id)) merged.push(invite);
    await records.saveIssued(merged);
  }

  /** Publishes one waiting acceptance until the inviter answers, then records the answer. */
  private async carry(inviting: Inviting, record: AcceptanceRecord): Promise<void> {
    const { clock, verifier, signaling } = this.options;
    const { identity } = inviting.port;
    let invite;
    try {
      invite = await decodeInvite(record.payload, { now: () => record.startedAt }, verifier);
    } catch (error) {
      log.warn('dropped an unreadable acceptance', { error: String(error) });
      return;
    }
    const session = await InviteeSession.start({
      invite,
      identity,
      keyRecord: await inviting.port.keys.record(clock.now()),
      signaling,
      clock,
      verifier,
      pending: { accept: record.accept, pairwiseSecret: record.pairwiseSecret },
      retryMs: this.options.acceptRetryMs,
    });
    this.sessions.set(record.payload, session);
    void session.outcome.then(async (outcome) => {
      this.sessions.delete(record.payload);
      try {
        if (outcome === 'welcome') {
          await inviting.port.addFriend({
            personId: invite.inviter,
            encryptionKey: invite.keyRecord.encryptionKey,
            generation: invite.keyRecord.generation,
            rendezvous: record.pairwiseSecret,
          });
        }
        await inviting.records.saveAcceptance({ ...record, outcome });
      } catch (error) {
        log.error('could not complete an accepted invite', { error: String(error) });
      }
      this.changed();
    });
  }

  /** Marks `person` syncing while one of their devices' sessions is busy. */
  private markSyncing(person: PersonId): void {
    let busy = false;
    for (const a of this.attached) if (a.person === person && !a.session.idle) busy = true;
    this.manager.markSyncing(person, busy);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
