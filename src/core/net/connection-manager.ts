/**
 * One RTCPeerConnection per remote device, through simple-peer, under a cap (design section 5).
 *
 * Each friend has a pairwise topic (from the pairwise secret made at the invite), rotating daily
 * (`topic-rotation.ts`: spoken on for the current window, listened on for the next one too near
 * a boundary, resubscribed as the clock passes it); everything the manager publishes there is
 * sealed with the pairwise `SignalingCipher` (bound to the topic it goes on), with the two person
 * keys as direction tags, so the server sees only boxes on a meaningless topic. Inside each box
 * is a body signed by the sending device's certified key (`signal-auth.ts`), so a friend's device
 * id is proven, not claimed. Every body has `d` (sending device), `b` (its boot id: one per page
 * life) and `n` (its stamp: strictly increasing across the device's messages and lives,
 * microseconds of its clock); the kinds:
 *
 *   {k:'hello',  i: interval, h?: head, want?: device}
 *                                   presence, every `i` ms (`announceMs`, stretched so that all
 *                                   friends together cost at most 10 publishes a second), in
 *                                   reply to a device newly seen, and soon after this device
 *                                   wrote (`headChanged`); `h` is how far the device's own log
 *                                   goes, so that a friend at its cap knows it is behind
 *   {k:'signal', to: device, tb: its boot, s: session, sig: simple-peer signal}
 *   {k:'busy',   to: device, tb: its boot, s: session}    "at my cap, try later"
 *   {k:'bye'}                       this life is over (the page unloads): offline at once
 *
 * Replays (the server may publish any box again while it is fresh, 10 minutes): per friend's
 * device the receiver keeps the boot it lives in and the highest stamp seen in each lane
 * (presence, signal, bye). A message of an older life (a lower stamp than the current life's
 * highest) or of a life that said bye is dropped; within a life a lane's stamps only grow; and
 * a signal names the boot it is for (`tb`), so nothing sent to a previous life of this page
 * lands in this one. So a replayed offer neither closes a working connection nor creates one.
 *
 * Glare: of two devices, the one with the smaller device id always makes the offer; the other
 * asks for a connection with `want` and answers offers. Each attempt has a random session id;
 * a fresh offer from a device replaces an older connection with it, and a newer boot id (the
 * remote reloaded) retires connections to its previous life at once.
 *
 * Budgets: every new RTCPeerConnection for a friend takes a token from that friend's bucket and
 * from its device's (a few a minute), whoever asked for it; hellos have buckets too. A friend
 * cannot make this page create connections faster than that, whatever it sends.
 *
 * Whom to connect to is `connection-policy.ts`'s decision; this module carries it out, counts
 * connections created (for `connectionsCreatedPerHour`), and publishes each friend's state for
 * the UI. Connected channels become `DataChannelTransport`s handed to `onConnection`.
 */
import { bytesEqual, randomBytes, toBase64Url } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import {
  logKey,
  parseDeviceId,
  personIdToKey,
  type DeviceId,
  type LogKey,
  type PersonId,
} from '../ids.ts';
import { createLogger } from '../log.ts';
import type { Transport } from '../sync/transport.ts';
import { planConnections, type Candidate, type Held } from './connection-policy.ts';
import {
  DataChannelTransport,
  type DataChannelLike,
  type DataChannelTransportOptions,
} from './data-channel-transport.ts';
import type { IceServer } from './ice-servers.ts';
import type { PublishLane, Signaling } from './signaling-client.ts';
import {
  SignalingCipher,
  SignalingCryptoError,
  type SignalDirection,
  type SignalEnvelope,
} from './signaling-crypto.ts';
import { PeerDataTap } from './peer-data-tap.ts';
import { FriendMemoryBudgets } from '../sync/memory-budget.ts';
import { SignalAuthenticator, signSignal, type DeviceSigner } from './signal-auth.ts';
import { TokenBucket, type BucketSpec } from './token-bucket.ts';
import { TaskTurns } from '../task-turns.ts';
import { DEFAULT_TOPIC_ROTATION, RotatingTopic, type TopicRotation } from './topic-rotation.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';
import type { RevocationLookup } from '../identity/revocation.ts';

const log = createLogger('net:connections');

/** A simple-peer signal as relayed between the two sides (validated as an object, size-bounded). */
export interface SignalLike {
  readonly type?: string;
  readonly sdp?: unknown;
  readonly candidate?: unknown;
}

/** The part of a simple-peer instance the manager uses (its internals `_channel` and `_pc` too). */
export interface SimplePeerLike {
  signal(data: string | SignalLike): void;
  destroy(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  readonly _channel?: DataChannelLike | null;
  readonly _pc?: { readonly sctp?: { readonly maxMessageSize: number } | null } | null;
}

/** simple-peer's constructor (in browsers: `simple-peer/simplepeer.min.js`). */
export type SimplePeerConstructor = new (options: {
  initiator: boolean;
  config: { iceServers: IceServer[] };
  trickle: boolean;
}) => SimplePeerLike;

/** A friend as the network sees one: who, and the secret the two share since the invite. */
export interface FriendLink {
  readonly person: PersonId;
  readonly pairwiseSecret: Uint8Array;
}

/** Friends that change (the device's friend book, plus its own devices' link): followed. */
export interface FriendLinkSource {
  links(): readonly FriendLink[];
  onChange(listener: () => void): () => void;
}

/** What the UI shows per friend. */
export type FriendNetState = 'offline' | 'online' | 'connecting' | 'connected' | 'syncing';

/** A connection ready for replication. */
export interface PeerConnection {
  readonly person: PersonId;
  readonly device: DeviceId;
  readonly transport: Transport;
}

/** What a friend may make this device spend (see the module doc). */
export interface ConnectionBudget {
  /** New connections with one friend, all its devices together (default 6, then 1 per 10 s). */
  readonly connectionsPerFriend: BucketSpec;
  /** New connections with one device of a friend (default 3, then 1 per 20 s). */
  readonly connectionsPerDevice: BucketSpec;
  /** Hellos heard from one friend (default 10, then 1 a second); more are dropped. */
  readonly hellosPerFriend: BucketSpec;
  /** Hellos heard from one device (default 5, then 1 per 2 s); more are dropped. */
  readonly hellosPerDevice: BucketSpec;
}

/** The defaults of {@link ConnectionBudget}. */
export const DEFAULT_BUDGET: ConnectionBudget = {
  connectionsPerFriend: { capacity: 6, refillMs: 10_000 },
  connectionsPerDevice: { capacity: 3, refillMs: 20_000 },
  hellosPerFriend: { capacity: 10, refillMs: 1_000 },
  hellosPerDevice: { capacity: 5, refillMs: 2_000 },
};

/** Options of {@link ConnectionManager}. */
export interface ConnectionManagerOptions {
  /** This device: its certificate says who it is, its key signs what it says to friends. */
  readonly self: DeviceSigner;
  /** Checks friends' device certificates and signatures. */
  readonly verifier: Ed25519Verifier;
  /** Devices their persons revoked: nothing they say is heeded. */
  readonly revocations?: RevocationLookup;
  readonly signaling: Signaling;
  /**
   * Whom to meet, followed from `start` to `stop` (default: only what `setFriends` is told).
   */
  readonly friends?: FriendLinkSource;
  readonly SimplePeer: SimplePeerConstructor;
  /** Current ICE servers (none by default; see `ice-servers.ts`). */
  readonly iceServers?: () => IceServer[];
  readonly clock: Clock;
  /** Simultaneous connections, whatever the number of friends (default 16). */
  readonly maxConnections?: number;
  /** Higher first: e.g. how far behind a friend's logs are here (default 0 for all). */
  readonly priority?: (person: PersonId) => number;
  /** How far this device's own log goes, said in presence (default: not said). */
  readonly ownHead?: () => number;
  /** Whether this replica lacks entries of `person`'s `device` log up to `head`. */
  readonly lacks?: (person: PersonId, device: DeviceId, head: number) => boolean;
  /**
   * Least time an idle connection is held before a device that is behind takes its place at
   * the cap (default 10 s).
   */
  readonly idleHoldMs?: number;
  /** How often a full cap lets one connection go so another friend gets a turn (default 5 min). */
  readonly rotationMs?: number;
  /** Least time a connection is held before rotation may close it (default 2 min). */
  readonly minHoldMs?: number;
  /** Presence announcement interval (default 30 s); a device unheard for 2.5× is offline. */
  readonly announceMs?: number;
  /** A connection not open after this long is abandoned (default 30 s). */
  readonly connectTimeoutMs?: number;
  /** Period of the housekeeping tick (default 1 s). */
  readonly tickMs?: number;
  /** What a friend may make this device spend (default {@link DEFAULT_BUDGET}). */
  readonly budget?: ConnectionBudget;
  readonly transport?: DataChannelTransportOptions;
  /** What each friend's connections may hold together (default 32 MiB per friend). */
  readonly memory?: FriendMemoryBudgets;
  /** How pairwise topics rotate (default {@link DEFAULT_TOPIC_ROTATION}: daily). */
  readonly topicRotation?: TopicRotation;
}

/** Where a message's stamp is compared: each lane's stamps only grow within a life. */
type StampLane = 'presence' | 'signal' | 'bye';

interface RemoteDevice {
  readonly device: DeviceId;
  /** The life it is in now (its boot id). */
  boot: string;
  /** The highest stamp seen from that life. */
  lifeStamp: number;
  /** The highest stamp seen per lane. */
  readonly stamps: Record<StampLane, number>;
  /** A life that said bye: nothing more of it is believed. */
  endedBoot: string | undefined;
  readonly connectionBudget: TokenBucket;
  readonly helloBudget: TokenBucket;
  lastSeen: number;
  lastConnectedAt: number | undefined;
  /** Attempts that failed in a row, and the time before which none is made after them. */
  failures: number;
  backoffUntil: number;
  /** Not dialed before (the remote said it is at its cap, or was let go for rotation). */
  retryAt: number;
  lastRequestAt: number;
  /** The device's own announcement interval, as it said. */
  interval: number;
  /** How far its own log goes, as it last said (0: not said). */
  head: number;
}

interface Friend {
  readonly link: FriendLink;
  readonly topics: RotatingTopic;
  readonly cipher: SignalingCipher;
  readonly outgoing: SignalDirection;
  readonly incoming: SignalDirection;
  readonly devices: Map<DeviceId, RemoteDevice>;
  inbox: Promise<void>;
  outbox: Promise<void>;
  lastReplyAt: number;
  syncing: boolean;
  readonly connectionBudget: TokenBucket;
  readonly helloBudget: TokenBucket;
  /** A sealed bye, ready to publish synchronously when the page goes (see `sayGoodbye`). */
  bye: { readonly topic: string; readonly sealed: SignalEnvelope } | undefined;
}

interface Connection {
  readonly key: string;
  readonly friend: Friend;
  readonly device: DeviceId;
  /** The remote's life this connection is with (signals name it). */
  readonly remoteBoot: string;
  readonly session: string;
  readonly peer: SimplePeerLike;
  /** Everything the remote sent, from before simple-peer's `connect` on. */
  readonly tap: PeerDataTap;
  readonly since: number;
  state: 'connecting' | 'connected';
  transport: DataChannelTransport | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Bounds on what a friend's signal may carry (it goes to simple-peer, then the browser). */
const MAX_SIGNAL_JSON = 32 * 1024;
const SESSION_PATTERN = /^[A-Za-z0-9_-]{8,32}$/;
/** Bytes a remote may send before this side's `connect` (its first sync messages fit easily). */
const MAX_EARLY_BYTES = 16 * 1024 * 1024;
/** simple-peer's `data` event, which `SimplePeerLike.on` types loosely. */
type TappablePeer = { on(event: 'data' | 'close', listener: (data: Uint8Array) => void): unknown };
/** How long a request for an offer holds its slot. */
const REQUEST_TTL_MS = 10_000;
/** The longest wait after failed attempts (2 s doubling per failure up to this). */
const MAX_BACKOFF_MS = 300_000;
/** Devices remembered per friend (a friend can certify any number). */
const MAX_DEVICES_PER_FRIEND = 32;
const BOOT_PATTERN = /^[A-Za-z0-9_-]{8,32}$/;

/** Keeps the connections to friends' devices within a cap; see the module doc. */
export class ConnectionManager {
  private readonly friends = new Map<PersonId, Friend>();
  private readonly connections = new Map<string, Connection>();
  private readonly connectionListeners = new Set<(connection: PeerConnection) => void>();
  private readonly stateListeners = new Set<(person: PersonId, state: FriendNetState) => void>();
  private readonly lastStates = new Map<PersonId, FriendNetState>();
  private readonly created: number[] = [];
  private readonly auth: SignalAuthenticator;
  private readonly budget: ConnectionBudget;
  private readonly memory: FriendMemoryBudgets;
  private readonly person: PersonId;
  private readonly device: DeviceId;
  private readonly personKey: Uint8Array;
  private boot = newBoot();
  private lastStamp = 0;
  private createdTotal = 0;
  private lastRotation: number;
  private lastAnnounce = -Infinity;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopOpenWatch: (() => void) | undefined;
  private stopFollowing: (() => void) | undefined;
  /** The friend source's changes, applied one after another. */
  private following: Promise<void> = Promise.resolve();
  // Meeting a friend and sealing a signal each take a turn: many friends never fill one task.
  private readonly turns = new TaskTurns();
  private headTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly cap: number;
  private readonly rotationMs: number;
  private readonly minHoldMs: number;
  private readonly announceMs: number;

  /** A manager; call {@link start} (and {@link setFriends} unless it follows `friends`). */
  constructor(private readonly options: ConnectionManagerOptions) {
    this.cap = options.maxConnections ?? 16;
    if (!Number.isSafeInteger(this.cap) || this.cap < 1) throw new RangeError('bad connection cap');
    this.rotationMs = options.rotationMs ?? 5 * 60_000;
    this.minHoldMs = options.minHoldMs ?? 2 * 60_000;
    this.announceMs = options.announceMs ?? 30_000;
    this.lastRotation = options.clock.now();
    this.auth = new SignalAuthenticator(options.verifier, options.revocations);
    this.budget = options.budget ?? DEFAULT_BUDGET;
    this.memory = options.memory ?? new FriendMemoryBudgets();
    this.person = options.self.certificate.person;
    this.device = options.self.certificate.device;
    this.personKey = options.self.certificate.personKey;
  }

  /** Starts housekeeping and announces presence whenever signaling (re)opens. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
    this.stopOpenWatch = this.options.signaling.onOpenChange((open) => {
      // After a reconnect the server has forgotten us: say hello again at once. Attempts that
      // failed while this device could not signal (its network or the server was away) say
      // nothing of its friends: each is tried again as soon as it is heard, not after a backoff
      // of minutes grown while nothing could have worked.
      if (!open) return;
      for (const friend of this.friends.values()) {
        for (const device of friend.devices.values()) forgetFailures(device);
      }
      this.announce();
    });
    this.announce();
    const source = this.options.friends;
    if (source) {
      const follow = () => {
        this.following = this.following
          .then(() => (this.timer ? this.setFriends(source.links()) : undefined))
          .catch((error: unknown) =>
            log.error('could not follow friends', { error: String(error) }),
          );
      };
      this.stopFollowing = source.onChange(follow);
      follow();
    }
  }

  /** Resolves once the friends followed so far are met (their topics subscribed). */
  async friendsSettled(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.following;
      await tail;
    } while (tail !== this.following);
  }

  /** Closes every connection and leaves every topic. */
  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.headTimer);
    this.timer = undefined;
    this.stopOpenWatch?.();
    this.stopFollowing?.();
    for (const connection of [...this.connections.values()])
      this.drop(connection, 'stopped', false);
    for (const friend of this.friends.values()) friend.topics.close();
    this.friends.clear();
  }

  /**
   * The page is going away (`pagehide`): tells every friend at once, synchronously, with the
   * bye sealed in advance at the last announcement, so their devices show this one offline now
   * rather than 2.5 announcement intervals later. This life ends here: if the page lives on
   * (restored from the back/forward cache), it speaks as a new life, which friends believe.
   */
  sayGoodbye(): void {
    for (const friend of this.friends.values()) {
      if (friend.bye)
        this.options.signaling.publish(friend.bye.topic, friend.bye.sealed, 'presence');
      friend.bye = undefined;
    }
    this.boot = newBoot();
  }

  /**
   * Sets who the friends are: new ones are subscribed to, removed ones disconnected. A friend
   * whose rendezvous secret changed (a new invite, after they restored their account) is met on
   * the new topic only: the old one is left as for a removed friend.
   */
  async setFriends(links: readonly FriendLink[]): Promise<void> {
    const wanted = new Map(links.map((l) => [l.person, l]));
    for (const [person, friend] of this.friends) {
      const link = wanted.get(person);
      if (link && bytesEqual(link.pairwiseSecret, friend.link.pairwiseSecret)) continue;
      friend.topics.close();
      this.friends.delete(person);
      for (const c of [...this.connections.values()]) {
        if (c.friend === friend)
          this.drop(c, link ? 'new rendezvous' : 'no longer a friend', false);
      }
      this.lastStates.delete(person);
    }
    for (const link of links) {
      if (this.friends.has(link.person)) continue;
      await this.turns.take();
      const friend = await this.makeFriend(link);
      if (this.friends.has(link.person)) continue;
      this.friends.set(link.person, friend);
      await friend.topics.follow(this.options.clock.now());
      this.say(friend, this.hello());
      this.prepareBye(friend);
    }
    this.emitStates();
  }

  /**
   * This device wrote to its own log: friends hear the new head soon (at most one announcement a
   * second), so that one at its cap can make room for this device.
   */
  headChanged(): void {
    if (!this.timer || this.headTimer) return;
    const wait = Math.max(0, this.lastAnnounce + 1000 - this.options.clock.now());
    this.headTimer = setTimeout(() => {
      this.headTimer = undefined;
      if (this.timer) this.announce();
    }, wait);
  }

  /** Calls `listener` with each connection that opens; returns the unsubscribe. */
  onConnection(listener: (connection: PeerConnection) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Calls `listener` whenever a friend's state changes; returns the unsubscribe. */
  onStateChange(listener: (person: PersonId, state: FriendNetState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** A friend's state now. */
  stateOf(person: PersonId): FriendNetState {
    const friend = this.friends.get(person);
    if (!friend) return 'offline';
    const held = [...this.connections.values()].filter((c) => c.friend === friend);
    if (held.some((c) => c.state === 'connected')) return friend.syncing ? 'syncing' : 'connected';
    if (held.length > 0) return 'connecting';
    const now = this.options.clock.now();
    return [...friend.devices.values()].some((d) => this.isOnline(d, now)) ? 'online' : 'offline';
  }

  /** Lets the sync layer say whether it is exchanging data with a friend (shown as `syncing`). */
  markSyncing(person: PersonId, syncing: boolean): void {
    const friend = this.friends.get(person);
    if (!friend || friend.syncing === syncing) return;
    friend.syncing = syncing;
    this.emitStates();
  }

  /** Connections held now (connecting or open). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Open connections now. */
  get openConnectionCount(): number {
    return [...this.connections.values()].filter((c) => c.state === 'connected').length;
  }

  /** RTCPeerConnections created since start. */
  get connectionsCreated(): number {
    return this.createdTotal;
  }

  /** RTCPeerConnections created in the hour before now. */
  connectionsCreatedLastHour(): number {
    const since = this.options.clock.now() - 3_600_000;
    while (this.created.length > 0 && this.created[0]! < since) this.created.shift();
    return this.created.length;
  }

  /** Closes the connections to `person` (tests and "reconnect" buttons); they are redialed. */
  disconnect(person: PersonId): void {
    for (const c of [...this.connections.values()]) {
      if (c.friend.link.person === person) this.drop(c, 'closed on request', false);
    }
  }

  private async makeFriend(link: FriendLink): Promise<Friend> {
    const me = this.personKey;
    const them = personIdToKey(link.person);
    const now = this.options.clock.now();
    const friend: Friend = {
      link,
      topics: new RotatingTopic(
        link.pairwiseSecret,
        'pairwise',
        this.options.topicRotation ?? DEFAULT_TOPIC_ROTATION,
        this.options.signaling,
        (topic, data) => {
          friend.inbox = friend.inbox
            .then(() => this.receive(friend, topic, data))
            .catch((error: unknown) =>
              log.error('handling a signal failed', { error: String(error) }),
            );
        },
      ),
      cipher: await SignalingCipher.fromSecret(link.pairwiseSecret, 'pairwise'),
      outgoing: { from: me, to: them },
      incoming: { from: them, to: me },
      devices: new Map(),
      inbox: Promise.resolve(),
      outbox: Promise.resolve(),
      lastReplyAt: -Infinity,
      syncing: false,
      connectionBudget: new TokenBucket(this.budget.connectionsPerFriend, now),
      helloBudget: new TokenBucket(this.budget.hellosPerFriend, now),
      bye: undefined,
    };
    return friend;
  }

  private hello(want?: DeviceId): Record<string, unknown> {
    const message: Record<string, unknown> = { k: 'hello', i: this.announceInterval() };
    const head = this.options.ownHead?.();
    if (head !== undefined && head > 0) message.h = head;
    if (want !== undefined) message.want = want;
    return message;
  }

  /** How often to announce: every friend is told, so many friends stretch the interval. */
  private announceInterval(): number {
    return Math.max(this.announceMs, this.friends.size * 100);
  }

  /**
   * Signs, seals and publishes `payload` to `friend`, in order with earlier ones: presence in
   * the signaling client's presence lane, connection set-up ahead of it.
   */
  private say(friend: Friend, payload: Record<string, unknown>): void {
    const lane: PublishLane = payload.k === 'hello' ? 'presence' : 'signal';
    this.seal(friend, payload, (topic, sealed) =>
      this.options.signaling.publish(topic, sealed, lane),
    );
  }

  /** Seals a bye for `friend` now, to publish when the page goes (boxes go stale in 10 min). */
  private prepareBye(friend: Friend): void {
    this.seal(friend, { k: 'bye' }, (topic, sealed) => {
      if (this.friends.get(friend.link.person) === friend) friend.bye = { topic, sealed };
    });
  }

  /**
   * Stamps `payload` now (so stamps follow the order of calls), then signs and seals it for the
   * topic of the current window.
   */
  private seal(
    friend: Friend,
    payload: Record<string, unknown>,
    then: (topic: string, sealed: SignalEnvelope) => void,
  ): void {
    const body = { ...payload, d: this.device, b: this.boot, n: this.stamp() };
    friend.outbox = friend.outbox
      .then(async () => {
        await this.turns.take();
        const signed = await signSignal(this.options.self, personIdToKey(friend.link.person), body);
        const now = this.options.clock.now();
        const topic = await friend.topics.speaking(now);
        then(topic, await friend.cipher.seal(topic, friend.outgoing, signed, now));
      })
      .catch((error: unknown) => log.warn('could not publish a signal', { error: String(error) }));
  }

  /** The next stamp: microseconds of the clock, strictly increasing (see the module doc). */
  private stamp(): number {
    this.lastStamp = Math.max(this.lastStamp + 1, Math.floor(this.options.clock.now()) * 1000);
    return this.lastStamp;
  }

  private announce(): void {
    this.lastAnnounce = this.options.clock.now();
    for (const friend of this.friends.values()) {
      this.say(friend, this.hello());
      this.prepareBye(friend);
    }
  }

  private async receive(friend: Friend, topic: string, data: unknown): Promise<void> {
    if (!this.friends.has(friend.link.person)) return;
    const now = this.options.clock.now();
    let payload: unknown;
    try {
      payload = await friend.cipher.open(topic, friend.incoming, data, now);
    } catch (error) {
      // Our own publishes come back to us (the server echoes) and fail the direction check:
      // expected, hence debug. Anything else from the topic is noise or an attack, dropped.
      if (error instanceof SignalingCryptoError) {
        log.debug('dropped a signal that does not open', { reason: error.reason });
        return;
      }
      throw error;
    }
    const opened = await this.auth.open(payload, friend.link.person, this.personKey, now);
    if (!opened.ok) {
      log.warn('dropped an unauthenticated signal from a friend', {
        person: friend.link.person,
        reason: opened.reason,
      });
      return;
    }
    const message = parseMessage(opened.body);
    if (!message) {
      log.warn('dropped a malformed signal from a friend', { person: friend.link.person });
      return;
    }
    if (!this.friends.has(friend.link.person) || message.d === this.device) return;
    if ((message.k === 'signal' || message.k === 'busy') && !this.addressedHere(message)) return;
    const device = this.deviceOf(friend, message.d, now);
    if (!device) return;
    const verdict = this.admit(device, message);
    if (verdict !== 'ok') {
      log.debug('dropped a signal not fresh in its life', { person: friend.link.person, verdict });
      return;
    }
    if (
      message.k === 'hello' &&
      !(device.helloBudget.allows(now) && friend.helloBudget.allows(now))
    ) {
      log.debug('dropped a hello over budget', { person: friend.link.person });
      return;
    }
    const fresh = this.accept(friend, device, message, now);
    if (message.k === 'hello') {
      device.helloBudget.take(now);
      friend.helloBudget.take(now);
      device.interval = message.i;
      if (message.h !== undefined) device.head = message.h;
      // Asked for an offer: the remote has reserved a slot for us, whatever it said before.
      if (message.want === this.device) {
        device.retryAt = 0;
        device.backoffUntil = 0;
      }
      // A device newly seen hears from us at once rather than at our next announcement.
      if (fresh && now - friend.lastReplyAt > 1000) {
        friend.lastReplyAt = now;
        this.say(friend, this.hello());
      }
    } else if (message.k === 'bye') {
      device.endedBoot = message.b;
      device.lastSeen = -Infinity;
      const c = this.connections.get(keyOf(friend, device.device));
      if (c) this.drop(c, 'remote said goodbye', false);
    } else if (message.k === 'signal') {
      this.onSignal(friend, device, message.s, message.sig);
    } else {
      const c = this.connections.get(keyOf(friend, device.device));
      if (c?.session === message.s) {
        device.retryAt = now + this.rotationMs;
        this.drop(c, 'remote at its cap', false);
      }
    }
    this.plan();
  }

  /** Whether a signal is for this device in this life (not one sent to a previous page). */
  private addressedHere(message: { to: DeviceId; tb: string }): boolean {
    return message.to === this.device && message.tb === this.boot;
  }

  /** The record of a friend's device, made on first sight (a bounded number per friend). */
  private deviceOf(friend: Friend, id: DeviceId, now: number): RemoteDevice | undefined {
    const known = friend.devices.get(id);
    if (known) return known;
    if (friend.devices.size >= MAX_DEVICES_PER_FRIEND) {
      log.warn('dropped a signal from one device too many', { person: friend.link.person });
      return undefined;
    }
    const device: RemoteDevice = {
      device: id,
      boot: '',
      lifeStamp: 0,
      stamps: { presence: 0, signal: 0, bye: 0 },
      endedBoot: undefined,
      connectionBudget: new TokenBucket(this.budget.connectionsPerDevice, now),
      helloBudget: new TokenBucket(this.budget.hellosPerDevice, now),
      lastSeen: -Infinity,
      lastConnectedAt: undefined,
      failures: 0,
      backoffUntil: 0,
      retryAt: 0,
      lastRequestAt: -Infinity,
      interval: this.announceMs,
      head: 0,
    };
    friend.devices.set(id, device);
    return device;
  }

  /**
   * Whether `message` is new in the life of `device` it belongs to (see the module doc):
   * not of a life older than the current one or one that said bye, not a lane's old stamp.
   */
  private admit(device: RemoteDevice, message: Message): 'ok' | 'old-life' | 'ended' | 'replay' {
    if (message.b === device.endedBoot) return 'ended';
    if (message.b !== device.boot) return message.n > device.lifeStamp ? 'ok' : 'old-life';
    return message.n > device.stamps[laneOf(message.k)] ? 'ok' : 'replay';
  }

  /**
   * Takes an admitted message's stamp and liveness; a newer life retires connections to the
   * previous one. Returns whether the device is newly seen (new, offline, or restarted).
   */
  private accept(friend: Friend, device: RemoteDevice, message: Message, now: number): boolean {
    const fresh = !this.isOnline(device, now) || message.b !== device.boot;
    if (message.b !== device.boot) {
      const stale = this.connections.get(keyOf(friend, device.device));
      if (stale && device.boot !== '') this.drop(stale, 'remote restarted', false);
      device.boot = message.b;
      device.retryAt = 0;
    }
    // Attempts that failed while it was away or in its previous life say nothing of now.
    if (fresh) forgetFailures(device);
    device.lifeStamp = Math.max(device.lifeStamp, message.n);
    device.stamps[laneOf(message.k)] = message.n;
    device.lastSeen = now;
    return fresh;
  }

  private onSignal(
    friend: Friend,
    device: RemoteDevice,
    session: string,
    signal: SignalLike,
  ): void {
    const key = keyOf(friend, device.device);
    const current = this.connections.get(key);
    if (current?.session === session) {
      signal_(current.peer, signal);
      return;
    }
    const isOffer = (signal as { type?: unknown }).type === 'offer';
    if (!isOffer || this.initiates(device.device)) return;
    // The offer is proven fresh (signed, stamped later than anything of this life before it);
    // still, each new session costs an RTCPeerConnection: within the budget only.
    const now = this.options.clock.now();
    if (!this.affords(friend, device, now)) {
      log.warn('ignored an offer over the connection budget', { person: friend.link.person });
      return;
    }
    // Paid whether it is answered or refused with busy: neither is free to flood.
    this.spend(friend, device, now);
    if (current) this.drop(current, 'replaced by a new offer', false);
    // A slot reserved by our own request to this device is its to take.
    const reserved = this.pendingRequests(now).filter((r) => r.device !== device);
    if (this.connections.size + reserved.length >= this.cap) {
      this.say(friend, { k: 'busy', to: device.device, tb: device.boot, s: session });
      return;
    }
    // Our request for an offer, if any, is answered: its slot is this connection's now, and
    // must not outlive it (a stale request would keep a slot after the connection closes).
    device.lastRequestAt = -Infinity;
    const c = this.createPeer(friend, device, false, session);
    signal_(c.peer, signal);
  }

  /** Whether a new connection with `device` of `friend` fits both budgets now. */
  private affords(friend: Friend, device: RemoteDevice, now: number): boolean {
    return friend.connectionBudget.allows(now) && device.connectionBudget.allows(now);
  }

  /** Pays for one new connection (or a refusal of one) with `device` of `friend`. */
  private spend(friend: Friend, device: RemoteDevice, now: number): void {
    friend.connectionBudget.take(now);
    device.connectionBudget.take(now);
  }

  /** Devices we asked for an offer that has not come yet (each holds a slot meanwhile). */
  private pendingRequests(now: number): { friend: Friend; device: RemoteDevice }[] {
    const out: { friend: Friend; device: RemoteDevice }[] = [];
    for (const friend of this.friends.values()) {
      for (const device of friend.devices.values()) {
        if (now - device.lastRequestAt >= REQUEST_TTL_MS) continue;
        if (this.connections.has(keyOf(friend, device.device))) continue;
        out.push({ friend, device });
      }
    }
    return out;
  }

  private initiates(remote: DeviceId): boolean {
    return this.device < remote;
  }

  private isOnline(device: RemoteDevice, now: number): boolean {
    return now - device.lastSeen <= Math.max(this.announceMs, device.interval) * 2.5;
  }

  private plan(): void {
    const now = this.options.clock.now();
    const priority = this.options.priority ?? (() => 0);
    const candidates: Candidate[] = [];
    const byKey = new Map<string, { friend: Friend; device: RemoteDevice }>();
    for (const friend of this.friends.values()) {
      for (const device of friend.devices.values()) {
        const key = keyOf(friend, device.device);
        if (
          this.connections.has(key) ||
          !this.isOnline(device, now) ||
          device.retryAt > now ||
          device.backoffUntil > now ||
          now - device.lastRequestAt < REQUEST_TTL_MS ||
          !this.affords(friend, device, now)
        ) {
          continue;
        }
        candidates.push({
          key,
          priority: priority(friend.link.person),
          lastConnectedAt: device.lastConnectedAt,
          behind:
            device.head > 0 &&
            (this.options.lacks?.(friend.link.person, device.device, device.head) ?? false),
        });
        byKey.set(key, { friend, device });
      }
    }
    const requests = this.pendingRequests(now);
    const held: Held[] = [
      ...[...this.connections.values()].map((c) => ({
        key: c.key,
        priority: priority(c.friend.link.person),
        since: c.since,
        idle: c.state === 'connected' && !c.friend.syncing,
      })),
      // Asking a device to make an offer reserves a slot for it until the request lapses.
      ...requests.map((r) => ({
        key: keyOf(r.friend, r.device.device),
        priority: priority(r.friend.link.person),
        since: r.device.lastRequestAt,
      })),
    ];
    const result = planConnections({
      candidates,
      held,
      cap: this.cap,
      now,
      rotationDue: now - this.lastRotation >= this.rotationMs,
      minHoldMs: this.minHoldMs,
      idleHoldMs: this.options.idleHoldMs ?? 10_000,
    });
    for (const key of result.evict) {
      const c = this.connections.get(key);
      if (!c) {
        const request = requests.find((r) => keyOf(r.friend, r.device.device) === key);
        if (request) request.device.lastRequestAt = -Infinity;
        continue;
      }
      this.lastRotation = now;
      c.friend.devices.get(c.device)!.retryAt = now + this.minHoldMs;
      this.drop(c, 'rotation', false);
    }
    for (const key of result.dial) {
      const target = byKey.get(key)!;
      if (this.initiates(target.device.device)) {
        this.spend(target.friend, target.device, now);
        this.createPeer(target.friend, target.device, true, toBase64Url(randomBytes(12)));
      } else {
        // The other side makes offers; ask it to (its offer is paid for when it comes).
        target.device.lastRequestAt = now;
        this.say(target.friend, this.hello(target.device.device));
      }
    }
    this.emitStates();
  }

  /** A new RTCPeerConnection with `remote` (paid for by the caller). */
  private createPeer(
    friend: Friend,
    remote: RemoteDevice,
    initiator: boolean,
    session: string,
  ): Connection {
    const now = this.options.clock.now();
    const device = remote.device;
    const iceServers = this.options.iceServers?.() ?? [];
    const peer = new this.options.SimplePeer({ initiator, config: { iceServers }, trickle: true });
    this.createdTotal++;
    this.created.push(now);
    const c: Connection = {
      key: keyOf(friend, device),
      friend,
      device,
      remoteBoot: remote.boot,
      session,
      peer,
      // simple-peer is also a stream: the tap reads it, so nothing is buffered there, and keeps
      // what arrives before `connect` for the transport. (It fires on data, after `c` exists.)
      tap: new PeerDataTap(
        peer as TappablePeer,
        MAX_EARLY_BYTES,
        (error) => this.drop(c, error.message, true),
        this.memory.of(friend.link.person),
      ),
      since: now,
      state: 'connecting',
      transport: undefined,
      timer: undefined,
    };
    this.connections.set(c.key, c);
    c.timer = setTimeout(
      () => this.drop(c, 'connect timeout', true),
      this.options.connectTimeoutMs ?? 30_000,
    );
    peer.on('signal', (signal: SignalLike) => {
      if (this.connections.get(c.key) !== c) return;
      this.say(friend, { k: 'signal', to: device, tb: c.remoteBoot, s: session, sig: signal });
    });
    peer.on('connect', () => this.opened(c));
    peer.on('error', (error: Error) => this.drop(c, `peer error: ${error.message}`, true));
    peer.on('close', () => this.drop(c, 'peer closed', c.state === 'connecting'));
    return c;
  }

  private opened(c: Connection): void {
    if (this.connections.get(c.key) !== c) return;
    const channel = c.peer._channel;
    if (!channel) {
      this.drop(c, 'no data channel', true);
      return;
    }
    clearTimeout(c.timer);
    const transport = new DataChannelTransport(c.tap.channel(channel), {
      ...this.options.transport,
      remoteMaxMessageSize: c.peer._pc?.sctp?.maxMessageSize,
      memory: this.memory.of(c.friend.link.person),
    });
    c.transport = transport;
    c.state = 'connected';
    const device = c.friend.devices.get(c.device);
    if (device) {
      device.lastConnectedAt = this.options.clock.now();
      forgetFailures(device);
    }
    transport.onClose((info) =>
      this.drop(c, `transport closed: ${info.reason}`, info.by === 'error'),
    );
    this.emitStates();
    const connection: PeerConnection = {
      person: c.friend.link.person,
      device: c.device,
      transport,
    };
    for (const listener of [...this.connectionListeners]) listener(connection);
  }

  private drop(c: Connection, reason: string, failed: boolean): void {
    if (this.connections.get(c.key) !== c) return;
    this.connections.delete(c.key);
    clearTimeout(c.timer);
    log.info('connection closed', { person: c.friend.link.person, reason });
    c.transport?.close(reason);
    c.peer.destroy();
    const device = c.friend.devices.get(c.device);
    if (device) {
      const now = this.options.clock.now();
      if (failed) {
        device.failures++;
        device.backoffUntil = now + Math.min(MAX_BACKOFF_MS, 2000 * 2 ** device.failures);
      } else {
        device.retryAt = Math.max(device.retryAt, now + 1000);
      }
    }
    this.emitStates();
  }

  private tick(): void {
    const now = this.options.clock.now();
    this.rotateTopics(now);
    if (now - this.lastAnnounce >= this.announceInterval()) this.announce();
    this.plan();
  }

  /**
   * Moves each friend whose listening windows changed to its new topics (each friend's changes
   * come at a time of its own near a boundary: see `topic-rotation.ts`). Connections stay.
   */
  private rotateTopics(now: number): void {
    for (const friend of this.friends.values()) {
      if (!friend.topics.due(now)) continue;
      friend.topics
        .follow(now)
        .catch((error: unknown) => log.error('could not rotate a topic', { error: String(error) }));
    }
  }

  private emitStates(): void {
    for (const person of this.friends.keys()) {
      const state = this.stateOf(person);
      if (this.lastStates.get(person) === state) continue;
      this.lastStates.set(person, state);
      for (const listener of [...this.stateListeners]) listener(person, state);
    }
  }
}

/** Starts a device's failure backoff anew (a rotation or "busy" hold stays). */
function forgetFailures(device: RemoteDevice): void {
  device.failures = 0;
  device.backoffUntil = 0;
}

function keyOf(friend: Friend, device: DeviceId): LogKey {
  return logKey(friend.link.person, device);
}

function signal_(peer: SimplePeerLike, signal: SignalLike): void {
  try {
    peer.signal(signal);
  } catch (error) {
    // simple-peer throws on a destroyed peer or a signal it cannot use.
    log.warn('simple-peer refused a signal', { error: String(error) });
  }
}

/** Fields every signed body has: sending device, its life, and its stamp. */
interface Sender {
  d: DeviceId;
  b: string;
  n: number;
}

type Message = Sender &
  (
    | { k: 'hello'; i: number; h: number | undefined; want: DeviceId | undefined }
    | { k: 'signal'; to: DeviceId; tb: string; s: string; sig: SignalLike }
    | { k: 'busy'; to: DeviceId; tb: string; s: string }
    | { k: 'bye' }
  );

function laneOf(kind: Message['k']): StampLane {
  if (kind === 'hello') return 'presence';
  return kind === 'bye' ? 'bye' : 'signal';
}

function newBoot(): string {
  return toBase64Url(randomBytes(12));
}

function device(value: unknown): DeviceId | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return parseDeviceId(value);
  } catch {
    return undefined;
  }
}

function boot(value: unknown): string | undefined {
  return typeof value === 'string' && BOOT_PATTERN.test(value) ? value : undefined;
}

/** Validates a signed body from a friend (its device `d` is already the certified one). */
function parseMessage(m: Record<string, unknown>): Message | undefined {
  const d = device(m.d);
  const b = boot(m.b);
  const n = m.n;
  if (!d || !b || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) return undefined;
  const sender = { d, b, n };
  if (m.k === 'bye') return { ...sender, k: 'bye' };
  if (m.k === 'hello') {
    const i = m.i;
    if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 100 || i > 3_600_000) {
      return undefined;
    }
    const want = m.want === undefined ? undefined : device(m.want);
    if (m.want !== undefined && !want) return undefined;
    const h = m.h;
    if (h !== undefined && (typeof h !== 'number' || !Number.isSafeInteger(h) || h < 1)) {
      return undefined;
    }
    return { ...sender, k: 'hello', i, h, want };
  }
  const to = device(m.to);
  const tb = boot(m.tb);
  if (!to || !tb || typeof m.s !== 'string' || !SESSION_PATTERN.test(m.s)) return undefined;
  if (m.k === 'busy') return { ...sender, k: 'busy', to, tb, s: m.s };
  if (m.k !== 'signal' || typeof m.sig !== 'object' || m.sig === null || Array.isArray(m.sig)) {
    return undefined;
  }
  if (JSON.stringify(m.sig).length > MAX_SIGNAL_JSON) return undefined;
  return { ...sender, k: 'signal', to, tb, s: m.s, sig: m.sig as SignalLike };
}
