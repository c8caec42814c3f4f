/**
 * The invite flow run over signaling, for the app to wire (the messages themselves are pure, in
 * `invite-exchange.ts`):
 *
 * - {@link InviteeSession}: publishes the accept on the invite's topic, again after `retryMs`,
 *   doubling up to `maxRetryMs`, and whenever signaling reopens, until a valid answer comes;
 *   `outcome` settles with it. Its `pending` acceptance is what the app stores so that a reload resumes the wait ("waiting for
 *   Alice") without making a new pairwise secret.
 * - {@link InviterDesk}: the inviter's device listens on the topics of its issued invites (until
 *   well after they expire, so late accepts still get their refusal), answers each accept from
 *   its `InviteBook`, and reports each new friend before answering, so the friendship is stored
 *   before the invitee hears "welcome".
 */
import { toBase64Url } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import type { PersonId } from '../ids.ts';
import type { EncryptionKeyRecord } from '../identity/encryption-key-record.ts';
import type { Identity } from '../identity/keys.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';
import { createLogger } from '../log.ts';
import type { Signaling } from '../net/signaling-client.ts';
import { SignalingCryptoError } from '../net/signaling-crypto.ts';
import type { InviteBook } from './invite-book.ts';
import type { InviteKeys } from './invite-keys.ts';
import type { Invite } from './invite-codec.ts';
import {
  INVITEE_TO_INVITER,
  INVITER_TO_INVITEE,
  InviteExchangeError,
  createAccept,
  createAnswer,
  inviteChannel,
  isInviteWireMessage,
  openAccept,
  openAnswer,
  wireBytes,
  type InviteChannel,
  type InviteOutcome,
  type PendingAcceptance,
} from './invite-exchange.ts';

const log = createLogger('invite');

/**
 * How long after its expiry an invite's topic is still listened on: beyond the book's grace for
 * accepts made in time, so that late accepts still get their refusal.
 */
export const LISTEN_AFTER_EXPIRY_MS = 30 * 24 * 3_600_000;

function dropped(what: string, error: unknown): void {
  if (error instanceof SignalingCryptoError || error instanceof InviteExchangeError) {
    log.debug(`dropped ${what}`, { reason: error.reason });
    return;
  }
  log.error(`handling ${what} failed`, { error: String(error) });
}

/** Options of {@link InviteeSession.start}. */
export interface InviteeOptions {
  readonly invite: Invite;
  readonly identity: Identity;
  readonly keyRecord: EncryptionKeyRecord;
  readonly signaling: Signaling;
  readonly clock: Clock;
  readonly verifier: Ed25519Verifier;
  /** The acceptance stored before a reload; a new one is made when absent. */
  readonly pending?: PendingAcceptance;
  /** First republishing interval while waiting (default 10 s); it doubles after each. */
  readonly retryMs?: number;
  /** Longest republishing interval (default 2 min): what a long wait costs the server. */
  readonly maxRetryMs?: number;
}

/** The invitee's side of one invite; see the module doc. */
export class InviteeSession {
  /** Settles with the inviter's answer. */
  readonly outcome: Promise<InviteOutcome>;
  private settle: (outcome: InviteOutcome) => void = () => undefined;
  private answered: InviteOutcome | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retryMs: number;
  private stopped = false;
  private lastPublished = -Infinity;
  private stops: (() => void)[] = [];
  private inbox: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: InviteeOptions,
    private readonly channel: InviteChannel,
    /** What to store until answered. */
    readonly pending: PendingAcceptance,
  ) {
    this.outcome = new Promise((resolve) => (this.settle = resolve));
    this.retryMs = options.retryMs ?? 10_000;
  }

  /** Makes (or restores) the acceptance and starts publishing it. */
  static async start(options: InviteeOptions): Promise<InviteeSession> {
    const channel = await inviteChannel(options.invite.secret);
    const pending =
      options.pending ??
      (await createAccept({
        invite: options.invite,
        channel,
        identity: options.identity,
        keyRecord: options.keyRecord,
        now: options.clock.now(),
      }));
    const session = new InviteeSession(options, channel, pending);
    session.stops.push(
      options.signaling.subscribe(channel.topic, (data) => {
        session.inbox = session.inbox
          .then(() => session.receive(data))
          .catch((error: unknown) => dropped('an answer', error));
      }),
      options.signaling.onOpenChange((open) => {
        // A server that just came back may carry it to an inviter who is there now: say it at
        // once, and soon again.
        if (!open) return;
        session.retryMs = options.retryMs ?? 10_000;
        session.republish();
      }),
    );
    session.republish();
    return session;
  }

  /** The answer, once it came. */
  get answer(): InviteOutcome | undefined {
    return this.answered;
  }

  /** Stops publishing and listening (the outcome stays pending if none came). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const stop of this.stops.splice(0)) stop();
  }

  /** Publishes now, and again later, each wait twice the last up to `maxRetryMs`. */
  private republish(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.answered) return;
    this.publish();
    const wait = this.retryMs;
    this.retryMs = Math.min(wait * 2, this.options.maxRetryMs ?? 120_000);
    this.timer = setTimeout(() => this.republish(), wait);
  }

  private publish(): void {
    if (this.answered) return;
    this.lastPublished = this.options.clock.now();
    const { cipher, topic } = this.channel;
    const message = { type: 'accept', accept: toBase64Url(this.pending.accept) };
    cipher
      .seal(topic, INVITEE_TO_INVITER, message, this.options.clock.now())
      // A session stopped (or answered) while the box was sealed publishes nothing more.
      .then(
        (sealed) => this.stopped || this.answered || this.options.signaling.publish(topic, sealed),
      )
      .catch((error: unknown) => log.warn('could not publish an accept', { error: String(error) }));
  }

  private async receive(data: unknown): Promise<void> {
    if (this.answered) return;
    const { cipher, topic } = this.channel;
    const message = await cipher.open(topic, INVITER_TO_INVITEE, data, this.options.clock.now());
    if (!isInviteWireMessage(message)) return;
    if (message.type === 'here') {
      // The inviter is listening now: no reason to wait for the next retry. (Anyone holding a
      // multi-use invite's secret could say `here` too: at most one publish a second.)
      this.retryMs = this.options.retryMs ?? 10_000;
      const soonest = this.lastPublished + 1000 - this.options.clock.now();
      clearTimeout(this.timer);
      if (soonest <= 0) this.republish();
      else this.timer = setTimeout(() => this.republish(), soonest);
      return;
    }
    if (message.type !== 'answer') return;
    const outcome = await openAnswer({
      answer: wireBytes(message.answer),
      invite: this.options.invite,
      channel: this.channel,
      identity: this.options.identity,
      pending: this.pending,
      verifier: this.options.verifier,
    });
    this.answered = outcome;
    this.stop();
    this.settle(outcome);
  }
}

/** A friendship made through an invite, as the inviter learns it. */
export interface NewFriend {
  readonly inviteId: string;
  readonly person: PersonId;
  readonly keyRecord: EncryptionKeyRecord;
  readonly pairwiseSecret: Uint8Array;
}

/** Options of {@link InviterDesk}. */
export interface InviterOptions {
  readonly identity: Identity;
  /** The person's current keys, which accepts are sealed to. */
  readonly keys: InviteKeys;
  readonly book: InviteBook;
  readonly signaling: Signaling;
  readonly clock: Clock;
  readonly verifier: Ed25519Verifier;
  /** Stores the new friend; awaited before the welcome is sent. */
  readonly onFriend: (friend: NewFriend) => Promise<void> | void;
  /** Called after the book changed (a use recorded), so the app can store it. */
  readonly onBookChange?: () => void;
}

/** The inviter's side of all its invites; see the module doc. */
export class InviterDesk {
  private readonly listening = new Map<string, () => void>();
  private inbox: Promise<void> = Promise.resolve();

  /** A desk; call {@link refresh} to start listening. */
  constructor(private readonly options: InviterOptions) {}

  /** Listens on every invite the book holds that may still get accepts; call after any change. */
  async refresh(): Promise<void> {
    const now = this.options.clock.now();
    const live = this.options.book
      .entries()
      .filter((i) => now <= i.expiresAt + LISTEN_AFTER_EXPIRY_MS);
    const liveIds = new Set(live.map((i) => i.inviteId));
    for (const [id, stop] of this.listening) {
      if (liveIds.has(id)) continue;
      stop();
      this.listening.delete(id);
    }
    for (const invite of live) {
      if (this.listening.has(invite.inviteId)) continue;
      const channel = await inviteChannel(invite.secret);
      if (this.listening.has(invite.inviteId)) continue;
      this.listening.set(
        invite.inviteId,
        this.options.signaling.subscribe(channel.topic, (data) => {
          this.inbox = this.inbox
            .then(() => this.receive(channel, data))
            .catch((error: unknown) => dropped('an accept', error));
        }),
      );
      // Only an invite someone may still accept: an expired one is listened to for refusals.
      if (now <= invite.expiresAt && !invite.revoked) void this.sayHere(channel);
    }
  }

  private async sayHere(channel: InviteChannel): Promise<void> {
    const { cipher, topic } = channel;
    try {
      const sealed = await cipher.seal(
        topic,
        INVITER_TO_INVITEE,
        { type: 'here' },
        this.options.clock.now(),
      );
      this.options.signaling.publish(topic, sealed);
    } catch (error) {
      log.warn('could not say the inviter listens', { error: String(error) });
    }
  }

  /** Stops listening. */
  stop(): void {
    for (const stop of this.listening.values()) stop();
    this.listening.clear();
  }

  private async receive(channel: InviteChannel, data: unknown): Promise<void> {
    const { cipher, topic } = channel;
    const now = this.options.clock.now();
    const message = await cipher.open(topic, INVITEE_TO_INVITER, data, now);
    if (!isInviteWireMessage(message) || message.type !== 'accept') return;
    const acceptance = await openAccept({
      accept: wireBytes(message.accept),
      channel,
      opening: this.options.keys.opening(),
      verifier: this.options.verifier,
    });
    const book = this.options.book;
    const known = book.get(channel.inviteId)?.usedBy.includes(acceptance.invitee) ?? false;
    const outcome = book.peek(channel.inviteId, acceptance.invitee, now, acceptance.sentAt);
    if (outcome === 'welcome' && !known) {
      // Stored first: if storing fails, the use is not recorded and the retried accept tries again.
      await this.options.onFriend({
        inviteId: channel.inviteId,
        person: acceptance.invitee,
        keyRecord: acceptance.keyRecord,
        pairwiseSecret: acceptance.pairwiseSecret,
      });
      book.decide(channel.inviteId, acceptance.invitee, now, acceptance.sentAt);
      this.options.onBookChange?.();
    }
    const answer = await createAnswer({
      identity: this.options.identity,
      channel,
      acceptance,
      outcome,
      now,
    });
    const sealed = await cipher.seal(
      topic,
      INVITER_TO_INVITEE,
      { type: 'answer', answer: toBase64Url(answer) },
      now,
    );
    this.options.signaling.publish(topic, sealed);
  }
}
