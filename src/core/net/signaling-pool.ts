/**
 * Signaling through several servers at once (the app's origin plus any set in Settings): every
 * topic is subscribed on each, every publish goes to each open one, and a message that arrives
 * through more than one server is delivered once (a bounded memory of recent messages per
 * topic), since a duplicated WebRTC offer would confuse the connection it belongs to.
 */
import type { PublishLane, Signaling, TopicListener } from './signaling-client.ts';

/** How many recent messages per topic are remembered to drop duplicates. */
const RECENT_PER_TOPIC = 64;

/** Many {@link Signaling}s behaving as one. */
export class SignalingPool implements Signaling {
  private readonly recent = new Map<string, string[]>();

  /** A pool over `members` (each already started by its owner). */
  constructor(private readonly members: readonly Signaling[]) {}

  /** Whether any member is open. */
  get isOpen(): boolean {
    return this.members.some((m) => m.isOpen);
  }

  /** See {@link Signaling.onOpenChange}; fires when the pool's openness changes. */
  onOpenChange(listener: (open: boolean) => void): () => void {
    let last = this.isOpen;
    const stops = this.members.map((m) =>
      m.onOpenChange(() => {
        if (this.isOpen === last) return;
        last = this.isOpen;
        listener(last);
      }),
    );
    return () => stops.forEach((stop) => stop());
  }

  /** See {@link Signaling.subscribe}. */
  subscribe(topic: string, listener: TopicListener): () => void {
    const once: TopicListener = (data, clients) => {
      if (this.members.length > 1 && this.seen(topic, data)) return;
      listener(data, clients);
    };
    const stops = this.members.map((m) => m.subscribe(topic, once));
    return () => stops.forEach((stop) => stop());
  }

  /** See {@link Signaling.publish}: true when at least one server took it. */
  publish(topic: string, data: unknown, lane: PublishLane = 'signal'): boolean {
    let sent = false;
    for (const member of this.members) sent = member.publish(topic, data, lane) || sent;
    return sent;
  }

  private seen(topic: string, data: unknown): boolean {
    const key = JSON.stringify(data);
    let recent = this.recent.get(topic);
    if (!recent) {
      recent = [];
      this.recent.set(topic, recent);
    }
    if (recent.includes(key)) return true;
    recent.push(key);
    if (recent.length > RECENT_PER_TOPIC) recent.shift();
    return false;
  }
}
