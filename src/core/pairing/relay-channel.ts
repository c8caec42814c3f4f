/**
 * The relay channel: after pairing, a person's device and its home peer keep in touch over
 * signaling, on a topic of the channel secret handed at pairing (purpose `relay`), every message
 * sealed with that secret's signaling cipher (the server sees neither). Two messages:
 *
 *   person → relay  handover {ownDevices, friends: [[person, pairwise secret]]}
 *     the handover as the friend list stands now: a friend made after pairing is met, one
 *     removed is no longer served
 *   relay → person  status {handover: digest, entries, diskBytes, own: [[device, seq]], blobsWaiting}
 *     what the relay holds: all entries, the disk it uses, how far it holds each of its person's
 *     own logs, photos listed by entries it has not fetched yet; and the digest of the handover
 *     it follows, so the person's device sends the current one again when they differ
 *
 * The relay reports when it starts, when what it holds changed (at most once a second) and every
 * `REPORT_EVERY_MS`; a report is also how the person's device knows it is online. Signaling
 * keeps nothing: a handover sent while the relay is away is sent again when its report shows an
 * older digest.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import { parseDeviceId, parsePersonId, type DeviceId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { FriendLink } from '../net/connection-manager.ts';
import type { Signaling } from '../net/signaling-client.ts';
import {
  openSealed,
  openSealedChannel,
  publishSealed,
  type SealedChannel,
} from '../net/sealed-channel.ts';
import type { SignalDirection } from '../net/signaling-crypto.ts';
import type { RelayHandover } from '../relay-handover.ts';
import { MAX_PAIR_FRIENDS } from './pair-codec.ts';

const log = createLogger('kith:relay-channel');

const PERSON_TO_RELAY: SignalDirection = {
  from: utf8('kith/relay/person'),
  to: utf8('kith/relay/relay'),
};
const RELAY_TO_PERSON: SignalDirection = { from: PERSON_TO_RELAY.to, to: PERSON_TO_RELAY.from };
/** How often a relay reports while nothing changes: the person's device's "online" lasts twice. */
export const REPORT_EVERY_MS = 30_000;
/** A burst of changes is reported once, this long after the first. */
const REPORT_DEBOUNCE_MS = 1_000;
/** Most of a person's own logs a report lists. */
const MAX_OWN_LOGS = 64;

/** What a relay says of itself. */
export interface RelayReport {
  /** Digest of the handover it follows ({@link handoverDigest}). */
  readonly handover: string;
  /** Entries held, all logs. */
  readonly entries: number;
  /** Bytes its store uses on disk. */
  readonly diskBytes: number;
  /** How far it holds each of its person's own logs. */
  readonly own: readonly (readonly [DeviceId, number])[];
  /** Photos listed by entries held that it has not fetched yet. */
  readonly blobsWaiting: number;
}

type Wire =
  | {
      readonly type: 'handover';
      readonly ownDevices: string;
      readonly friends: readonly (readonly [string, string])[];
    }
  | ({ readonly type: 'status' } & Omit<RelayReport, 'own'> & {
        readonly own: readonly (readonly [string, number])[];
      });

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPair = (v: unknown, second: (x: unknown) => boolean): boolean =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && second(v[1]);

function isWire(value: unknown): value is Wire {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.type === 'handover') {
    return (
      typeof v.ownDevices === 'string' &&
      Array.isArray(v.friends) &&
      v.friends.length <= MAX_PAIR_FRIENDS &&
      v.friends.every((f) => isPair(f, (s) => typeof s === 'string'))
    );
  }
  return (
    v.type === 'status' &&
    typeof v.handover === 'string' &&
    v.handover.length <= 64 &&
    isCount(v.entries) &&
    isCount(v.diskBytes) &&
    isCount(v.blobsWaiting) &&
    Array.isArray(v.own) &&
    v.own.length <= MAX_OWN_LOGS &&
    v.own.every((o) => isPair(o, isCount))
  );
}

/** A short digest of a handover: equal exactly when both hold the same secrets and friends. */
export function handoverDigest(handover: RelayHandover): string {
  const friends = handover.friends
    .map((f) => `${f.person}:${toBase64Url(f.pairwiseSecret)}`)
    .sort();
  const text = [handover.person, toBase64Url(handover.ownDevices), ...friends].join('\n');
  return toBase64Url(sha256(utf8(text)).slice(0, 16));
}

/** Subscribes to the channel's messages in `direction`, each handled after the one before. */
function listen(
  signaling: Signaling,
  channel: SealedChannel,
  direction: SignalDirection,
  clock: Clock,
  handle: (message: Wire) => Promise<void> | void,
): () => void {
  let inbox: Promise<void> = Promise.resolve();
  return signaling.subscribe(channel.topic, (data) => {
    inbox = inbox
      .then(async () => {
        const message = await openSealed(channel, direction, data, clock);
        // `null`: our own echo, or something not sealed for this channel.
        if (message === null) return;
        if (isWire(message)) await handle(message);
        else log.info('a relay channel message dropped', { reason: 'malformed' });
      })
      .catch((error: unknown) =>
        log.warn('a relay channel message failed', { error: String(error) }),
      );
  });
}

function publish(
  signaling: Signaling,
  channel: SealedChannel,
  direction: SignalDirection,
  message: Wire,
  clock: Clock,
): void {
  publishSealed(signaling, channel, direction, message, clock, 'on the relay channel');
}

/** The person's device's end of one relay's channel. */
export interface PersonEnd {
  /** The friend list changed: the relay is sent the new handover now. */
  handoverChanged(): void;
  stop(): void;
}

/** Opens the person's end: sends `handover()` now, and again whenever a report shows another. */
export async function openPersonEnd(options: {
  readonly secret: Uint8Array;
  readonly signaling: Signaling;
  readonly clock: Clock;
  readonly handover: () => RelayHandover;
  readonly onReport: (report: RelayReport) => void;
}): Promise<PersonEnd> {
  const { signaling, clock } = options;
  const channel = await openSealedChannel(options.secret, 'relay');
  const send = () => {
    const { ownDevices, friends } = options.handover();
    publish(
      signaling,
      channel,
      PERSON_TO_RELAY,
      {
        type: 'handover',
        ownDevices: toBase64Url(ownDevices),
        friends: friends.map((f) => [f.person, toBase64Url(f.pairwiseSecret)] as const),
      },
      clock,
    );
  };
  const stop = listen(signaling, channel, RELAY_TO_PERSON, clock, (message) => {
    if (message.type !== 'status') return;
    const own: [DeviceId, number][] = [];
    for (const [device, seq] of message.own) {
      try {
        own.push([parseDeviceId(device), seq]);
      } catch {
        return;
      }
    }
    const { handover, entries, diskBytes, blobsWaiting } = message;
    options.onReport({ handover, entries, diskBytes, blobsWaiting, own });
    if (handover !== handoverDigest(options.handover())) send();
  });
  send();
  return { handoverChanged: send, stop };
}

/** The relay's end of its channel. */
export interface RelayEnd {
  /** What it holds changed: a report goes out soon (once for a burst). */
  changed(): void;
  stop(): void;
}

/**
 * Opens the relay's end: reports now, every `everyMs` and soon after each change; hands every
 * handover that differs from `current()` to `onHandover` (which makes it current).
 */
export async function openRelayEnd(options: {
  readonly secret: Uint8Array;
  readonly signaling: Signaling;
  readonly clock: Clock;
  readonly current: () => RelayHandover;
  readonly onHandover: (handover: RelayHandover) => Promise<void>;
  readonly report: () => Promise<Omit<RelayReport, 'handover'>>;
  readonly everyMs?: number;
}): Promise<RelayEnd> {
  const { signaling, clock } = options;
  const channel = await openSealedChannel(options.secret, 'relay');
  const send = async () => {
    const report = await options.report();
    publish(
      signaling,
      channel,
      RELAY_TO_PERSON,
      { type: 'status', ...report, handover: handoverDigest(options.current()) },
      clock,
    );
  };
  const sendNow = () =>
    void send().catch((error: unknown) =>
      log.warn('could not make a relay report', { error: String(error) }),
    );
  const unsubscribe = listen(signaling, channel, PERSON_TO_RELAY, clock, async (message) => {
    if (message.type !== 'handover') return;
    const handover = handoverOf(options.current().person, message);
    if (!handover || handoverDigest(handover) === handoverDigest(options.current())) return;
    await options.onHandover(handover);
    await send();
  });
  let soon: ReturnType<typeof setTimeout> | undefined;
  const timer = setInterval(sendNow, options.everyMs ?? REPORT_EVERY_MS);
  sendNow();
  return {
    changed: () => {
      soon ??= setTimeout(() => {
        soon = undefined;
        sendNow();
      }, REPORT_DEBOUNCE_MS);
    },
    stop: () => {
      clearInterval(timer);
      clearTimeout(soon);
      unsubscribe();
    },
  };
}

/** The handover a message carries, or undefined when a secret or id is malformed. */
function handoverOf(
  person: PersonId,
  message: Extract<Wire, { type: 'handover' }>,
): RelayHandover | undefined {
  try {
    const friends: FriendLink[] = message.friends.map(([friend, secret]) => ({
      person: parsePersonId(friend),
      pairwiseSecret: fromBase64Url(secret),
    }));
    const ownDevices = fromBase64Url(message.ownDevices);
    if (ownDevices.length !== 32 || friends.some((f) => f.pairwiseSecret.length !== 32)) return;
    return { person, ownDevices, friends };
  } catch {
    return undefined;
  }
}
