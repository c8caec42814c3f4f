import type { SubscribeRefusalReason } from './protocol.ts';

/** The caps the registry enforces. */
export interface TopicCaps {
  /** Topics one subscriber may hold. */
  readonly maxTopicsPerConnection: number;
  /** Subscribers one topic may have. */
  readonly maxSubscribersPerTopic: number;
  /** (subscriber, topic) pairs in the whole registry. */
  readonly maxSubscriptions: number;
}

/** What `subscribe` did: subscribed (or already was), or refused with the reason sent on the wire. */
export type SubscribeOutcome =
  | { readonly kind: 'subscribed' }
  | { readonly kind: 'refused'; readonly reason: SubscribeRefusalReason };

const SUBSCRIBED: SubscribeOutcome = Object.freeze({ kind: 'subscribed' });

/** Counts reported by `stats()`. */
export interface TopicStats {
  /** Topics with at least one subscriber. */
  topics: number;
  /** (subscriber, topic) pairs. */
  subscriptions: number;
}

/** Told when a topic gains its first subscriber and when it loses its last one. */
export interface TopicEvents {
  opened(topic: string): void;
  closed(topic: string): void;
}

/**
 * Who is subscribed to what, within caps. Topics live in a `Map`, so `"__proto__"` is a topic like
 * any other; a topic whose last subscriber leaves is forgotten.
 */
export class TopicRegistry<S> {
  private readonly subscribersByTopic = new Map<string, Set<S>>();
  private readonly topicsBySubscriber = new Map<S, Set<string>>();
  private subscriptionCount = 0;

  constructor(
    private readonly caps: TopicCaps,
    private readonly events?: TopicEvents,
  ) {}

  /** Subscribes `subscriber` to `topic`, or says which cap refuses it. */
  subscribe(subscriber: S, topic: string): SubscribeOutcome {
    let held = this.topicsBySubscriber.get(subscriber);
    if (held?.has(topic)) return SUBSCRIBED;
    if ((held?.size ?? 0) >= this.caps.maxTopicsPerConnection) {
      return { kind: 'refused', reason: 'connection-topic-cap' };
    }
    const subscribers = this.subscribersByTopic.get(topic);
    if ((subscribers?.size ?? 0) >= this.caps.maxSubscribersPerTopic) {
      return { kind: 'refused', reason: 'topic-full' };
    }
    if (this.subscriptionCount >= this.caps.maxSubscriptions) {
      return { kind: 'refused', reason: 'server-topic-cap' };
    }
    if (!held) {
      held = new Set();
      this.topicsBySubscriber.set(subscriber, held);
    }
    held.add(topic);
    this.subscriptionCount += 1;
    if (subscribers) subscribers.add(subscriber);
    else {
      this.subscribersByTopic.set(topic, new Set([subscriber]));
      this.events?.opened(topic);
    }
    return SUBSCRIBED;
  }

  /** Removes `subscriber` from `topic` (nothing happens when it was not subscribed). */
  unsubscribe(subscriber: S, topic: string): void {
    const held = this.topicsBySubscriber.get(subscriber);
    if (!held?.delete(topic)) return;
    if (held.size === 0) this.topicsBySubscriber.delete(subscriber);
    this.subscriptionCount -= 1;
    const subscribers = this.subscribersByTopic.get(topic);
    subscribers?.delete(subscriber);
    if (subscribers?.size === 0) {
      this.subscribersByTopic.delete(topic);
      this.events?.closed(topic);
    }
  }

  /** Removes `subscriber` from every topic. */
  unsubscribeAll(subscriber: S): void {
    for (const topic of [...(this.topicsBySubscriber.get(subscriber) ?? [])]) {
      this.unsubscribe(subscriber, topic);
    }
  }

  /** The current subscribers of `topic` (live: copy before sending if a send may unsubscribe). */
  subscribers(topic: string): ReadonlySet<S> | undefined {
    return this.subscribersByTopic.get(topic);
  }

  stats(): TopicStats {
    return { topics: this.subscribersByTopic.size, subscriptions: this.subscriptionCount };
  }

  /** Forgets everything (without telling `events`: the owner is shutting down). */
  clear(): void {
    this.subscribersByTopic.clear();
    this.topicsBySubscriber.clear();
    this.subscriptionCount = 0;
  }
}
