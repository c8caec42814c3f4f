import { describe, expect, it } from 'vitest';
import { TopicRegistry } from './topic-registry.ts';

const caps = { maxTopicsPerConnection: 2, maxSubscribersPerTopic: 2, maxSubscriptions: 4 };

describe('TopicRegistry', () => {
  it('refuses by the connection cap, then the topic cap, then the server-wide one', () => {
    const registry = new TopicRegistry<string>(caps);
    expect(registry.subscribe('a', 't1').kind).toBe('subscribed');
    expect(registry.subscribe('a', 't1').kind).toBe('subscribed'); // again: no new subscription
    expect(registry.subscribe('a', 't2').kind).toBe('subscribed');
    expect(registry.subscribe('a', 't3')).toEqual({
      kind: 'refused',
      reason: 'connection-topic-cap',
    });
    expect(registry.subscribe('b', 't1').kind).toBe('subscribed');
    expect(registry.subscribe('c', 't1')).toEqual({ kind: 'refused', reason: 'topic-full' });
    expect(registry.subscribe('c', 't4').kind).toBe('subscribed');
    expect(registry.subscribe('d', 't5')).toEqual({ kind: 'refused', reason: 'server-topic-cap' });
    expect(registry.stats()).toEqual({ topics: 3, subscriptions: 4 });
  });

  it('frees every count when subscribers leave and forgets empty topics', () => {
    const registry = new TopicRegistry<string>(caps);
    registry.subscribe('a', 't1');
    registry.subscribe('a', 't2');
    registry.subscribe('b', 't1');
    registry.unsubscribe('b', 'never-held');
    registry.unsubscribeAll('a');
    expect(registry.stats()).toEqual({ topics: 1, subscriptions: 1 });
    expect([...(registry.subscribers('t1') ?? [])]).toEqual(['b']);
    expect(registry.subscribers('t2')).toBeUndefined();
    expect(registry.subscribe('a', 't3').kind).toBe('subscribed');
  });

  it('tells its events when a topic gains its first subscriber and loses its last', () => {
    const events: string[] = [];
    const registry = new TopicRegistry<string>(caps, {
      opened: (topic) => events.push(`+${topic}`),
      closed: (topic) => events.push(`-${topic}`),
    });
    registry.subscribe('a', 't1');
    registry.subscribe('b', 't1');
    registry.subscribe('a', 't1');
    registry.subscribe('a', 't2');
    registry.subscribe('c', 't1'); // refused (topic full): nothing opened
    registry.unsubscribe('a', 't1');
    registry.unsubscribe('c', 't1');
    expect(events).toEqual(['+t1', '+t2']);
    registry.unsubscribeAll('a');
    registry.unsubscribe('b', 't1');
    expect(events).toEqual(['+t1', '+t2', '-t2', '-t1']);
  });
});
