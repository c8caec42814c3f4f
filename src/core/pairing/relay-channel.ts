/**
 * The relay channel: after pairing, a person's device and its home peer keep in touch over
 * signaling, on a topic of the channel secret handed at pairing (purpose `relay`), every message
 * sealed with that secret's signaling cipher (the server sees neither). Three messages:
 *
 *   person → relay  signer {a, c, g}
 *     who sends the handover that follows: `{d: device, digest, at}` signed by the sending
 *     device's key for the relay's key, with its certificate (`net/signal-auth.ts`). The relay
 *     believes it only from a certified device of its person (not a relay) that is not revoked,
 *     and only within `SIGNAL_FRESHNESS_MS` of its own clock: every device of the person holds
 *     the channel's secret, so the secret alone does not say the sender is still one of them
 *   person → relay  handover {digest, index, count, part}
 *     the handover as the friend list stands now (`pair-codec.ts`, in parts, `net/parts.ts`,
 *     up to `MAX_PAIR_FRIENDS` friends): a friend made after pairing is met, one removed is no
 *     longer served. The relay uses it once it holds every part, the whole has that digest, and
 *     a signer it believes named that digest
 *   person → relay  unpaired {revocation}
 *     the person unpaired it: their identity key's signed revocation of the relay's device, so
 *     the relay believes it of its person alone, and stops
 *   relay → person  status {handover: digest, entries, diskBytes, own: [[device, seq]], blobsWaiting}
 *     what the relay holds: all entries, the disk it uses, how far it holds each of its person's
 *     own logs, photos listed by entries it has not fetched yet; and the digest of the handover
 *     it follows, so the person's device sends the current one again when they differ
 *
 * The relay reports when it starts, when what it holds changed (at most once a second) and every
 * `REPORT_EVERY_MS`; a report is also how the person's device knows it is online. Signaling
 * keeps nothing: a handover sent while the relay is away is sent again when its report shows an
 * older digest, and a relay unpaired while away is told when it next reports. Every device of the
 * person follows the channel (`relay-desk.ts`), so a relay hears from whichever is awake.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import {
  MAX_DEVICE_REVOCATION_BYTES,
  verifyDeviceRevocation,
  type DeviceRevocation,
} from '../identity/revocation.ts';
import type { RevocationLookup } from '../identity/revocation.ts';
import { defaultVerifier, type Ed25519Verifier } from '../identity/verifier.ts';
import { deviceIdToKey, parseDeviceId, type DeviceId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import {
  hasPartFields,
  PART_CHARS,
  PartCollector,
  PartError,
  toParts,
  type Part,
} from '../net/parts.ts';
import type { Signaling } from '../net/signaling-client.ts';
import {
  openSealed,
  openSealedChannel,
  publishSealed,
  type SealedChannel,
} from '../net/sealed-channel.ts';
import {
  SignalAuthenticator,
  signSignal,
  type DeviceSigner,
  type SignedSignal,
} from '../net/signal-auth.ts';
import { SIGNAL_FRESHNESS_MS, type SignalDirection } from '../net/signaling-crypto.ts';
import { LinkError } from '../link/link-codec.ts';
import type { RelayHandover } from '../relay-handover.ts';
import { decodeHandover, encodeHandover, MAX_PAIR_FRIENDS } from './pair-codec.ts';

const log = createLogger('kith:relay-channel');

/** The direction of the person's device's messages (the relay's is the reverse). */
export const PERSON_TO_RELAY: SignalDirection = {
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
/** Most parts of one handover: as many as one of `MAX_PAIR_FRIENDS` friends needs. */
const MAX_HANDOVER_PARTS = Math.ceil(((36 + 64 * MAX_PAIR_FRIENDS) * 4) / 3 / PART_CHARS);
/** Longest handover digest ({@link handoverDigest} makes 22 characters). */
const MAX_DIGEST_CHARS = 64;
/** Signed digests a relay keeps waiting for their parts (a newer handover may begin). */
const MAX_SIGNED = 4;

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
  | ({ readonly type: 'signer' } & SignedSignal)
  | ({ readonly type: 'handover'; readonly digest: string } & Part)
  | { readonly type: 'unpaired'; readonly revocation: string }
  | ({ readonly type: 'status' } & Omit<RelayReport, 'own'> & {
        readonly own: readonly (readonly [string, number])[];
      });

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPair = (v: unknown, second: (x: unknown) => boolean): boolean =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && second(v[1]);

function isWire(value: unknown): value is Wire {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.type === 'signer') {
    // Bounds and the rest are the authenticator's (`net/signal-auth.ts`).
    return typeof v.a === 'string' && typeof v.c === 'string' && typeof v.g === 'string';
  }
  if (v.type === 'handover') {
    return typeof v.digest === 'string' && v.digest.length <= MAX_DIGEST_CHARS && hasPartFields(v);
  }
  if (v.type === 'unpaired') {
    // Base64url of a revocation: 4 characters for each 3 bytes.
    return (
      typeof v.revocation === 'string' &&
      v.revocation.length <= Math.ceil((MAX_DEVICE_REVOCATION_BYTES * 4) / 3)
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

/**
 * Hands each message sealed for `direction` on `channel` to `handle`, one after another; returns
 * the stop, which settles once the message in hand (a handover being saved, say) is handled, and
 * hands on none after.
 */
function listen(
  signaling: Signaling,
  channel: SealedChannel,
  direction: SignalDirection,
  clock: Clock,
  handle: (message: Wire) => Promise<void> | void,
): () => Promise<void> {
  let inbox: Promise<void> = Promise.resolve();
  let stopped = false;
  const unsubscribe = signaling.subscribe(channel.topic, (data) => {
    inbox = inbox
      .then(async () => {
        if (stopped) return;
        const message = await openSealed(channel, direction, data, clock);
        // `null`: our own echo, or something not sealed for this channel.
        if (message === null || stopped) return;
        if (isWire(message)) await handle(message);
        else log.info('a relay channel message dropped', { reason: 'malformed' });
      })
      .catch((error: unknown) =>
        log.warn('a relay channel message failed', { error: String(error) }),
      );
  });
  return () => {
    stopped = true;
    unsubscribe();
    return inbox;
  };
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

/**
 * Opens the person's end: sends `handover()` now, and again when a report shows another (at most
 * once each `REPORT_EVERY_MS`).
 */
export async function openPersonEnd(options: {
  readonly secret: Uint8Array;
  readonly signaling: Signaling;
  readonly clock: Clock;
  /** This device's certified key: it signs each handover it sends. */
  readonly signer: DeviceSigner;
  /** The relay's device: the signature is bound to its key. */
  readonly relay: DeviceId;
  readonly handover: () => RelayHandover;
  readonly onReport: (report: RelayReport) => void;
}): Promise<PersonEnd> {
  const { signaling, clock, signer } = options;
  const channel = await openSealedChannel(options.secret, 'relay');
  /** When a report last had the handover sent again. */
  let lastAnswer = -Infinity;
  const sendNow = async () => {
    const handover = options.handover();
    const parts = handoverParts(handover);
    if (parts.length === 0) return;
    const digest = handoverDigest(handover);
    const body = { d: signer.certificate.device, digest, at: clock.now() };
    const signed = await signSignal(signer, deviceIdToKey(options.relay), body);
    for (const message of [{ type: 'signer', ...signed } as const, ...parts]) {
      publish(signaling, channel, PERSON_TO_RELAY, message, clock);
    }
  };
  const send = () =>
    void sendNow().catch((error: unknown) =>
      log.error('could not send the relay its handover', { error: String(error) }),
    );
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
    if (handover === handoverDigest(options.handover())) return;
    // Another device of the person may follow the same relay with a friend list not yet synced
    // with this one: each answering the other's at once would never end. Once a report's while
    // is enough for the lists to meet (each change is still sent at once, `handoverChanged`).
    const now = clock.now();
    if (now - lastAnswer < REPORT_EVERY_MS) return;
    lastAnswer = now;
    send();
  });
  send();
  return { handoverChanged: send, stop: () => void stop() };
}

/** A handover as the messages that carry it (none, logged, past the bound of friends). */
function handoverParts(handover: RelayHandover): Wire[] {
  let bytes: Uint8Array;
  try {
    bytes = encodeHandover(handover);
  } catch (error) {
    log.error('could not send the relay its handover', { error: String(error) });
    return [];
  }
  const digest = handoverDigest(handover);
  return toParts(bytes, MAX_HANDOVER_PARTS).map((part) => ({ type: 'handover', digest, ...part }));
}

/**
 * Opens the person's end of a relay they unpaired: tells it now, with their identity key's
 * `revocation` of its device, and again in answer to every report it still sends (it was away).
 * Returns the stop.
 */
export async function openUnpairedEnd(options: {
  readonly secret: Uint8Array;
  readonly signaling: Signaling;
  readonly clock: Clock;
  readonly revocation: Uint8Array;
}): Promise<() => void> {
  const { signaling, clock } = options;
  const channel = await openSealedChannel(options.secret, 'relay');
  const message: Wire = { type: 'unpaired', revocation: toBase64Url(options.revocation) };
  const send = () => publish(signaling, channel, PERSON_TO_RELAY, message, clock);
  const stop = listen(signaling, channel, RELAY_TO_PERSON, clock, (m) => {
    if (m.type === 'status') send();
  });
  send();
  return () => void stop();
}

/** The relay's end of its channel. */
export interface RelayEnd {
  /** What it holds changed: a report goes out soon (once for a burst). */
  changed(): void;
  /** Settles once a handover being saved is saved and a report being made is made; none after. */
  stop(): Promise<void>;
}

/**
 * Opens the relay's end: reports now, every `everyMs` and soon after each change; hands every
 * whole handover that differs from `current()` to `onHandover` (which makes it current), and
 * its person's revocation of `device` to `onUnpaired`.
 */
export async function openRelayEnd(options: {
  readonly secret: Uint8Array;
  readonly signaling: Signaling;
  readonly clock: Clock;
  /** The relay's own device. */
  readonly device: DeviceId;
  /** Its person's revoked devices, as far as it knows: their handovers are refused. */
  readonly revocations: RevocationLookup;
  readonly ed25519?: Ed25519Verifier;
  readonly current: () => RelayHandover;
  readonly onHandover: (handover: RelayHandover) => Promise<void>;
  readonly onUnpaired: (revocation: DeviceRevocation) => void;
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
  /** The report being made (it reads the store): a stop waits for it. */
  let reporting: Promise<void> = Promise.resolve();
  const sendNow = () => {
    reporting = send().catch((error: unknown) =>
      log.warn('could not make a relay report', { error: String(error) }),
    );
  };
  // Two at once: a newer handover may begin while parts of the one before are still coming.
  const parts = new PartCollector({
    maxParts: MAX_HANDOVER_PARTS,
    maxWholes: 2,
    onIncomplete: (digest, missing) =>
      log.warn('a handover refused: parts never came', { digest, missing: missing.join(',') }),
  });
  const authenticator = new SignalAuthenticator(
    options.ed25519 ?? defaultVerifier,
    options.revocations,
  );
  /** Digests of handovers a device of its person signed, waiting for their parts. */
  const signed: string[] = [];
  const unsubscribe = listen(signaling, channel, PERSON_TO_RELAY, clock, async (message) => {
    if (message.type === 'signer') {
      const digest = await signedDigest(authenticator, message, options, clock.now());
      if (digest !== undefined) signed.splice(0, signed.length - MAX_SIGNED + 1, digest);
      return;
    }
    if (message.type === 'unpaired') {
      const revocation = await revocationOf(message.revocation, options.current().person);
      if (revocation?.device === options.device) options.onUnpaired(revocation);
      else log.warn('an unpaired message refused: not its person’s revocation of this relay');
      return;
    }
    if (message.type !== 'handover') return;
    const current = options.current();
    // Parts of the handover it follows (sent again): nothing to collect.
    if (message.digest === handoverDigest(current)) return;
    const handover = wholeHandover(parts, message, current.person);
    if (!handover) return;
    if (!signed.includes(message.digest)) {
      log.warn('a handover refused: no device of its person signed it');
      return;
    }
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
    stop: async () => {
      clearInterval(timer);
      clearTimeout(soon);
      await unsubscribe();
      await reporting;
    },
  };
}

/**
 * The digest a `signer` message vouches for: signed for this relay by a certified, unrevoked,
 * unexpired device of its person that is not a relay, within `SIGNAL_FRESHNESS_MS` of `now` (so a
 * handover a removed device kept cannot be replayed later); undefined (logged) otherwise.
 */
async function signedDigest(
  authenticator: SignalAuthenticator,
  message: Extract<Wire, { type: 'signer' }>,
  options: { readonly device: DeviceId; readonly current: () => RelayHandover },
  now: number,
): Promise<string | undefined> {
  const { a, c, g } = message;
  const person = options.current().person;
  const opened = await authenticator.open({ a, c, g }, person, deviceIdToKey(options.device), now);
  if (!opened.ok) {
    log.warn('a handover’s signer refused', { reason: opened.reason });
    return undefined;
  }
  const { digest, at } = opened.body;
  if (opened.certificate.role === 'relay') {
    log.warn('a handover’s signer refused', { reason: 'a relay' });
    return undefined;
  }
  if (typeof digest !== 'string' || digest.length > MAX_DIGEST_CHARS || typeof at !== 'number') {
    log.warn('a handover’s signer refused', { reason: 'malformed' });
    return undefined;
  }
  if (Math.abs(now - at) > SIGNAL_FRESHNESS_MS) {
    log.warn('a handover’s signer refused', { reason: 'stale' });
    return undefined;
  }
  return digest;
}

/**
 * The handover `message` completes, once every part came and the whole is `person`'s handover
 * with the digest its parts name; undefined (a refusal logged) or not yet.
 */
function wholeHandover(
  parts: PartCollector,
  message: Extract<Wire, { type: 'handover' }>,
  person: PersonId,
): RelayHandover | undefined {
  try {
    const bytes = parts.add(message.digest, message);
    if (!bytes) return undefined;
    const handover = decodeHandover(bytes, person);
    if (handoverDigest(handover) !== message.digest) {
      log.warn('a handover refused: the whole does not have its parts’ digest');
      return undefined;
    }
    return handover;
  } catch (error) {
    if (!(error instanceof PartError || error instanceof LinkError)) throw error;
    log.warn('a handover refused', { error: error.message });
    return undefined;
  }
}

/** The revocation in `text` if `person`'s identity key signed it, else undefined. */
async function revocationOf(text: string, person: PersonId): Promise<DeviceRevocation | undefined> {
  try {
    const revocation = await verifyDeviceRevocation(fromBase64Url(text), defaultVerifier);
    return revocation.person === person ? revocation : undefined;
  } catch {
    // Not base64url, not a revocation, or not signed by the key it names: not to be believed.
    return undefined;
  }
}
