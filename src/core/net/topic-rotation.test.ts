import { describe, expect, it } from 'vitest';
import { randomBytes } from '../bytes.ts';
import type { Signaling } from './signaling-client.ts';
import {
  DEFAULT_TOPIC_ROTATION,
  listeningWindows,
  RotatingTopic,
  type TopicRotation,
} from './topic-rotation.ts';
import { deriveTopic } from './topics.ts';

const DAY = DEFAULT_TOPIC_ROTATION.windowMs;
const MINUTE = 60_000;
/** A day boundary: window `W` starts here. */
const W = 20_500;
const BOUNDARY = W * DAY;

/** Signaling that only records subscriptions: the topics held, and each change with its time. */
function recording(clock: () => number) {
  const held = new Map<string, number>();
  const changes: { at: number; op: 'subscribe' | 'unsubscribe'; topic: string }[] = [];
  const signaling: Signaling = {
    isOpen: true,
    onOpenChange: () => () => undefined,
    subscribe: (topic) => {
      held.set(topic, (held.get(topic) ?? 0) + 1);
      changes.push({ at: clock(), op: 'subscribe', topic });
      return () => {
        held.set(topic, held.get(topic)! - 1);
        if (held.get(topic) === 0) held.delete(topic);
        changes.push({ at: clock(), op: 'unsubscribe', topic });
      };
    },
    publish: () => true,
  };
  return { signaling, held, changes };
}

describe('rotating pairwise topics', () => {
  it('listens on one window mid-day and on both sides of a boundary within its lead', () => {
    const lead = 15 * MINUTE;
    expect(listeningWindows(BOUNDARY - 12 * 3_600_000, DAY, lead)).toEqual([W - 1]);
    expect(listeningWindows(BOUNDARY - 14 * MINUTE, DAY, lead)).toEqual([W - 1, W]);
    expect(listeningWindows(BOUNDARY + 14 * MINUTE, DAY, lead)).toEqual([W - 1, W]);
    expect(listeningWindows(BOUNDARY + 16 * MINUTE, DAY, lead)).toEqual([W]);
  });

  it('lets two devices whose clocks differ by up to the skew hear each other at every minute around a boundary, whatever their shares', async () => {
    const secret = randomBytes(32);
    const { signaling } = recording(() => 0);
    for (const [shareA, shareB] of [
      [0, 0],
      [0, 0.999],
      [0.5, 0.25],
    ] as const) {
      const a = new RotatingTopic(
        secret,
        'pairwise',
        DEFAULT_TOPIC_ROTATION,
        signaling,
        () => 0,
        shareA,
      );
      const b = new RotatingTopic(
        secret,
        'pairwise',
        DEFAULT_TOPIC_ROTATION,
        signaling,
        () => 0,
        shareB,
      );
      for (let t = BOUNDARY - 45 * MINUTE; t <= BOUNDARY + 45 * MINUTE; t += MINUTE) {
        for (const skew of [-DEFAULT_TOPIC_ROTATION.skewMs, 0, DEFAULT_TOPIC_ROTATION.skewMs]) {
          // A speaks at its time; B, whose clock reads `skew` more, listens then.
          await b.follow(t + skew);
          expect(b.subscribed).toContain(await a.speaking(t));
          await a.follow(t);
          expect(a.subscribed).toContain(await b.speaking(t + skew));
        }
      }
      a.close();
      b.close();
    }
  });

  it('moves 300 friends to the new day’s topics, each once, spread over the half hour, never holding more than two topics a friend', async () => {
    let now = BOUNDARY - 2 * 3_600_000;
    const { signaling, held, changes } = recording(() => now);
    const secrets = Array.from({ length: 300 }, () => randomBytes(32));
    const pairs = secrets.map(
      (secret) =>
        new RotatingTopic(secret, 'pairwise', DEFAULT_TOPIC_ROTATION, signaling, () => undefined),
    );
    // As the connection manager's tick does: each second, whoever is due follows the clock.
    const tick = async () => {
      await Promise.all(pairs.filter((p) => p.due(now)).map((p) => p.follow(now)));
      expect(held.size).toBeLessThanOrEqual(2 * pairs.length);
    };
    await tick();
    const yesterday = await Promise.all(secrets.map((s) => deriveTopic(s, 'pairwise', W - 1)));
    expect(new Set(held.keys())).toEqual(new Set(yesterday));
    changes.length = 0;
    for (; now <= BOUNDARY + 2 * 3_600_000; now += 1000) await tick();
    const today = await Promise.all(secrets.map((s) => deriveTopic(s, 'pairwise', W)));
    expect(new Set(held.keys())).toEqual(new Set(today));
    // One subscription and one unsubscription per friend, no more.
    expect(
      changes
        .filter((c) => c.op === 'subscribe')
        .map((c) => c.topic)
        .sort(),
    ).toEqual([...today].sort());
    expect(
      changes
        .filter((c) => c.op === 'unsubscribe')
        .map((c) => c.topic)
        .sort(),
    ).toEqual([...yesterday].sort());
    // Each change lies within skew + spread of the boundary, and no minute carries a crowd:
    // 300 friends over 30 minutes are 10 a minute each way on average.
    const { skewMs, spreadMs } = DEFAULT_TOPIC_ROTATION;
    const perMinute = new Map<number, number>();
    for (const c of changes) {
      expect(Math.abs(c.at - BOUNDARY)).toBeGreaterThanOrEqual(skewMs - 1000);
      expect(Math.abs(c.at - BOUNDARY)).toBeLessThanOrEqual(skewMs + spreadMs);
      const minute = Math.floor(c.at / MINUTE);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(40);
    for (const p of pairs) p.close();
    expect(held.size).toBe(0);
  });

  it('refuses a window too short for its skew and spread (the two windows it listens on would be three)', () => {
    const rotation: TopicRotation = {
      windowMs: 60 * MINUTE,
      skewMs: 10 * MINUTE,
      spreadMs: 30 * MINUTE,
    };
    const { signaling } = recording(() => 0);
    expect(
      () => new RotatingTopic(randomBytes(32), 'pairwise', rotation, signaling, () => undefined),
    ).toThrow(RangeError);
  });

  it('subscribes nothing after it is closed, even when a derivation was under way', async () => {
    const { signaling, held } = recording(() => 0);
    const pair = new RotatingTopic(
      randomBytes(32),
      'pairwise',
      DEFAULT_TOPIC_ROTATION,
      signaling,
      () => undefined,
    );
    const following = pair.follow(BOUNDARY);
    pair.close();
    await following;
    expect(held.size).toBe(0);
  });
});
