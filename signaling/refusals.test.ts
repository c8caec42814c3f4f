/**
 * Issue 20: the server refuses subscriptions and publishes it cannot carry one topic at a time,
 * with a `refused` frame, and never closes a socket for them. Each test names the limits it runs
 * with; the others are the defaults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './limits.ts';
import {
  eventually,
  isRefusal,
  isType,
  ManualClock,
  ServerPool,
  type TestClient,
} from './test-helpers.ts';

process.env.KITH_LOG_LEVEL ??= 'silent';

const pool = new ServerPool();
afterEach(() => pool.closeAll());

const topicNames = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

const refusals = (client: TestClient): unknown[] => client.received.filter(isType('refused'));

describe('subscriptions beyond a cap are refused per topic, the socket stays open', () => {
  it('keeps a socket with 70 topics open and relays on every one (default limits)', async () => {
    const server = await pool.start();
    const [person, friends] = await Promise.all([pool.connect(server), pool.connect(server)]);
    const topics = topicNames('friend-', 70);
    // One frame per topic, as a client adding friends one by one does.
    for (const topic of topics) person.send({ type: 'subscribe', topics: [topic] });
    await person.roundtrip();
    for (const topic of topics) friends.send({ type: 'publish', topic, data: topic });
    await person.waitFor(isType('publish', (data) => data === topics.at(-1)));
    expect(person.received.filter(isType('publish'))).toHaveLength(70);
    expect(refusals(person)).toEqual([]);
    expect(server.stats().subscriptions).toBe(70);
  });

  it('subscribes a 3,000-topic frame up to the cap of 2,048 and refuses the rest one by one', async () => {
    expect(DEFAULT_LIMITS.maxTopicsPerConnection).toBe(2_048);
    const server = await pool.start();
    const client = await pool.connect(server);
    const topics = topicNames('t', 3_000);
    client.send({ type: 'subscribe', topics });
    await client.roundtrip();
    expect(refusals(client)).toEqual(
      topics.slice(2_048).map((topic) => ({
        type: 'refused',
        op: 'subscribe',
        topic,
        reason: 'connection-topic-cap',
      })),
    );
    expect(server.stats()).toMatchObject({ connections: 1, subscriptions: 2_048 });
    // The last topic that fitted works; a refused one does not.
    client.send({ type: 'publish', topic: topics[2_047], data: 'in' });
    client.send({ type: 'publish', topic: topics[2_048], data: 'out' });
    await client.waitFor(isType('publish', (data) => data === 'in'));
    await client.roundtrip();
    expect(client.received.filter(isType('publish', (data) => data === 'out'))).toEqual([]);
  });

  it('subscribes a topic once unsubscribing made room (maxTopicsPerConnection 2)', async () => {
    const server = await pool.start({ limits: { maxTopicsPerConnection: 2 } });
    const client = await pool.connect(server);
    client.send({ type: 'subscribe', topics: ['a', 'b', 'c'] });
    await client.waitFor(isRefusal('c', 'subscribe'));
    client.send({ type: 'unsubscribe', topics: ['a'] });
    client.send({ type: 'subscribe', topics: ['c'] });
    client.send({ type: 'publish', topic: 'c', data: 'c works' });
    await client.waitFor(isType('publish', (data) => data === 'c works'));
  });
});

describe('one crowd harms nobody else', () => {
  it('refuses a full topic to the newcomer only; it keeps its other topics (maxSubscribersPerTopic 3)', async () => {
    const server = await pool.start({ limits: { maxSubscribersPerTopic: 3 } });
    const invite = 'topic-of-a-leaked-multi-use-invite';
    const crowd = await Promise.all([1, 2, 3].map(() => pool.connect(server)));
    for (const holder of crowd) holder.send({ type: 'subscribe', topics: [invite] });
    await Promise.all(crowd.map((holder) => holder.roundtrip()));

    const [inviter, friend] = await Promise.all([pool.connect(server), pool.connect(server)]);
    inviter.send({ type: 'subscribe', topics: ['pairwise-with-friend', invite] });
    expect(await inviter.waitFor(isRefusal(invite))).toEqual({
      type: 'refused',
      op: 'subscribe',
      topic: invite,
      reason: 'topic-full',
    });
    for (let i = 0; i < 20; i += 1) {
      friend.send({ type: 'publish', topic: 'pairwise-with-friend', data: i });
    }
    await inviter.waitFor(isType('publish', (data) => data === 19));
    expect(inviter.received.filter(isType('publish'))).toHaveLength(20);
    expect(server.stats().connections).toBe(5);
  });

  it('refuses subscriptions beyond the server-wide bound until some are freed (maxSubscriptions 4)', async () => {
    const server = await pool.start({ limits: { maxSubscriptions: 4 } });
    const [a, b] = await Promise.all([pool.connect(server), pool.connect(server)]);
    a.send({ type: 'subscribe', topics: ['a1', 'a2', 'a3'] });
    await a.roundtrip();
    b.send({ type: 'subscribe', topics: ['b1', 'b2'] });
    expect(await b.waitFor(isRefusal('b2'))).toEqual({
      type: 'refused',
      op: 'subscribe',
      topic: 'b2',
      reason: 'server-topic-cap',
    });
    expect(server.stats().subscriptions).toBe(4);
    a.send({ type: 'unsubscribe', topics: ['a1'] });
    await a.roundtrip();
    b.send({ type: 'subscribe', topics: ['b2'] });
    b.send({ type: 'publish', topic: 'b2', data: 'b2 works' });
    await b.waitFor(isType('publish', (data) => data === 'b2 works'));
    expect(server.stats()).toMatchObject({ connections: 2, subscriptions: 4 });
  });
});

describe('refusal frames', () => {
  it('sends at most one refusal per topic per second and never closes for them (maxTopicsPerConnection 1, clock frozen)', async () => {
    const clock = new ManualClock();
    const server = await pool.start({ limits: { maxTopicsPerConnection: 1 }, now: clock.now });
    const client = await pool.connect(server);
    client.send({ type: 'subscribe', topics: ['held'] });
    // 150 refused subscribes: within the message burst (200), so nothing but the rate limit applies.
    for (let i = 0; i < 150; i += 1) client.send({ type: 'subscribe', topics: ['wanted'] });
    await client.roundtrip();
    expect(client.received.filter(isRefusal('wanted'))).toHaveLength(1);
    clock.advance(1_000);
    client.send({ type: 'subscribe', topics: ['wanted'] });
    await client.roundtrip();
    expect(client.received.filter(isRefusal('wanted'))).toHaveLength(2);
  });
});

describe('relay budget', () => {
  it('drops a publish beyond the budget with a refusal and keeps the socket (relayBurst 4, relaysPerSecond 1, clock frozen)', async () => {
    const clock = new ManualClock();
    const server = await pool.start({
      limits: { relayBurst: 4, relaysPerSecond: 1, maxSubscribersPerTopic: 4 },
      now: clock.now,
    });
    const crowd = await Promise.all([1, 2, 3, 4].map(() => pool.connect(server)));
    for (const member of crowd) member.send({ type: 'subscribe', topics: ['crowd'] });
    await Promise.all(crowd.map((member) => member.roundtrip()));
    const sender = await pool.connect(server);

    // Four deliveries: the whole budget.
    sender.send({ type: 'publish', topic: 'crowd', data: 'first' });
    sender.send({ type: 'publish', topic: 'crowd', data: 'second' });
    expect(await sender.waitFor(isRefusal('crowd', 'publish'))).toEqual({
      type: 'refused',
      op: 'publish',
      topic: 'crowd',
      reason: 'relay-budget',
    });
    await sender.roundtrip();
    for (const member of crowd) {
      await member.roundtrip();
      expect(
        member.received.filter(isType('publish')).map((m) => (m as { data: unknown }).data),
      ).toEqual(['first']);
    }
    // Four seconds refill four deliveries.
    clock.advance(4_000);
    sender.send({ type: 'publish', topic: 'crowd', data: 'third' });
    await Promise.all(
      crowd.map((member) => member.waitFor(isType('publish', (d) => d === 'third'))),
    );
    expect(server.stats().connections).toBe(5);
  });

  it('charges a publish per delivery: a topic of two costs two (relayBurst 4, clock frozen)', async () => {
    const clock = new ManualClock();
    const server = await pool.start({
      limits: { relayBurst: 4, relaysPerSecond: 1, maxSubscribersPerTopic: 4 },
      now: clock.now,
    });
    const [sender, friend] = await Promise.all([pool.connect(server), pool.connect(server)]);
    sender.send({ type: 'subscribe', topics: ['pair'] });
    friend.send({ type: 'subscribe', topics: ['pair'] });
    await Promise.all([sender.roundtrip(), friend.roundtrip()]);
    for (const data of [1, 2, 3]) sender.send({ type: 'publish', topic: 'pair', data });
    await sender.waitFor(isRefusal('pair', 'publish'));
    await friend.roundtrip();
    expect(friend.received.filter(isType('publish'))).toHaveLength(2);
    await eventually(() => server.stats().connections === 2);
  });

  it('refuses a budget smaller than a full topic at start-up', async () => {
    await expect(
      pool.start({ limits: { relayBurst: 10, maxSubscribersPerTopic: 11 } }),
    ).rejects.toThrow('relayBurst');
  });
});
