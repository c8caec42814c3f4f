/**
 * A pair's signaling topic, rotating (`topics.ts` derives one per time window): so the server,
 * and a `ws:` observer, cannot link a pair's meetings from one window to the next by the topic.
 *
 * Windows last a day ({@link DEFAULT_TOPIC_ROTATION}): a day bounds what one topic links to the
 * meetings of one day, while the cost (each friend's topic subscribed anew once a day) stays a
 * rounding error beside presence, which says hello every 30 s or more.
 *
 * A device speaks on the topic of the window its clock is in, and listens on the windows of
 * `now - lead` and `now + lead` (one window, or two near a boundary), where `lead` is the clock
 * difference tolerated (`skewMs`) plus this pair's share of `spreadMs`. So two devices whose
 * clocks differ by up to `skewMs` always hear each other, across a boundary too; and since each
 * pair's `lead` is its own (random, drawn per page life), a person with hundreds of friends does
 * not subscribe and unsubscribe them all at one instant: each friend costs one subscription
 * before the boundary and one unsubscription after it, spread over `spreadMs`, and holds at most
 * two topics at a time (the signaling server's per-connection cap of 2,048 allows two for each of
 * about 1,000 friends; past that, some new topics are refused until old ones leave, and the
 * signaling client asks for them again as places free).
 *
 * Connections do not depend on the topic (the manager keys them by device): one open across a
 * boundary stays open, and set-up signals in flight are heard on either topic.
 */
import { randomBytes } from '../bytes.ts';
import type { Signaling } from './signaling-client.ts';
import { SIGNAL_FRESHNESS_MS } from './signaling-crypto.ts';
import { deriveTopic, topicWindow, type TopicPurpose } from './topics.ts';

/** How a pair's topic rotates. */
export interface TopicRotation {
  /** How long one topic lasts. */
  readonly windowMs: number;
  /** Clock difference two devices may have and still meet across a boundary. */
  readonly skewMs: number;
  /** Extra listening time near a boundary, over which many pairs' changes are spread. */
  readonly spreadMs: number;
}

/**
 * A day's windows; the clock difference tolerated is the one the signaling boxes tolerate anyway
 * (a box stamped further off is refused as stale); changes spread over 30 minutes.
 */
export const DEFAULT_TOPIC_ROTATION: TopicRotation = {
  windowMs: 24 * 3_600_000,
  skewMs: SIGNAL_FRESHNESS_MS,
  spreadMs: 30 * 60_000,
};

/** The windows to listen on at `now` for a pair whose lead is `lead` ms (see the module doc). */
export function listeningWindows(now: number, windowMs: number, lead: number): number[] {
  const before = topicWindow(now - lead, windowMs);
  const after = topicWindow(now + lead, windowMs);
  return before === after ? [before] : [before, after];
}

/** Receives what was published on one of a pair's topics, with the topic it came on. */
export type RotatingTopicListener = (topic: string, data: unknown) => void;

/** One pair's rotating topic: which to speak on, and the subscriptions to listen on. */
export class RotatingTopic {
  /** Topics derived, by window (derivation is async: a promise each, made once). */
  private readonly derived = new Map<number, Promise<string>>();
  /** The windows subscribed now, with their unsubscribes. */
  private readonly held = new Map<number, { topic: string; unsubscribe: () => void }>();
  private readonly lead: number;
  /** The {@link follow} under way: one at a time, so an older one never undoes a newer one. */
  private following: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly secret: Uint8Array,
    private readonly purpose: TopicPurpose,
    private readonly rotation: TopicRotation,
    private readonly signaling: Signaling,
    private readonly listener: RotatingTopicListener,
    /** This pair's share of `spreadMs`, in [0, 1) (random by default). */
    share: number = new DataView(randomBytes(4).buffer).getUint32(0) / 2 ** 32,
  ) {
    const { windowMs, skewMs, spreadMs } = rotation;
    if (!(skewMs >= 0 && spreadMs >= 0 && 2 * (skewMs + spreadMs) < windowMs)) {
      throw new RangeError('a topic window must outlast twice its skew and spread');
    }
    this.lead = skewMs + share * spreadMs;
  }

  /** The topic to speak on at `now`. */
  speaking(now: number): Promise<string> {
    return this.topicOf(topicWindow(now, this.rotation.windowMs));
  }

  /** Topics subscribed now. */
  get subscribed(): string[] {
    return [...this.held.values()].map((h) => h.topic);
  }

  /** Whether {@link follow} at `now` would change the subscriptions. */
  due(now: number): boolean {
    const wanted = listeningWindows(now, this.rotation.windowMs, this.lead);
    return wanted.length !== this.held.size || wanted.some((w) => !this.held.has(w));
  }

  /**
   * Subscribes to the windows to listen on at `now` and leaves the others (after deriving what
   * is new; nothing after {@link close}). While one is under way, a call returns it: the next
   * call after it catches up.
   */
  follow(now: number): Promise<void> {
    this.following ??= this.apply(now).finally(() => (this.following = undefined));
    return this.following;
  }

  private async apply(now: number): Promise<void> {
    const wanted = listeningWindows(now, this.rotation.windowMs, this.lead);
    const topics = await Promise.all(wanted.map((w) => this.topicOf(w)));
    if (this.closed) return;
    wanted.forEach((window, i) => {
      if (this.held.has(window)) return;
      const topic = topics[i]!;
      const unsubscribe = this.signaling.subscribe(topic, (data) => this.listener(topic, data));
      this.held.set(window, { topic, unsubscribe });
    });
    for (const [window, held] of this.held) {
      if (wanted.includes(window)) continue;
      held.unsubscribe();
      this.held.delete(window);
    }
    // Derivations of windows gone by are not needed again.
    for (const window of this.derived.keys()) if (window < wanted[0]!) this.derived.delete(window);
  }

  /** Leaves every topic, for good. */
  close(): void {
    this.closed = true;
    for (const held of this.held.values()) held.unsubscribe();
    this.held.clear();
  }

  private topicOf(window: number): Promise<string> {
    let topic = this.derived.get(window);
    if (!topic) {
      topic = deriveTopic(this.secret, this.purpose, window);
      this.derived.set(window, topic);
    }
    return topic;
  }
}
