import { describe, expect, it } from 'vitest';
import { FreshReads, NewestReads } from './fresh-reads.ts';

/**
 * A store of names read by hand: each read waits until the test ends it, and answers with what
 * the store holds when it began (as a read transaction that started before a write does).
 */
function namesByHand() {
  const stored = new Map<string, string>();
  const shown = new Map<string, string>();
  const running: { key: string; end: () => void }[] = [];
  const reads = new FreshReads<string>(
    (key) => {
      const answer = stored.get(key) ?? 'Someone';
      return new Promise<void>((resolve) =>
        running.push({
          key,
          end: () => {
            shown.set(key, answer);
            resolve();
          },
        }),
      );
    },
    (key) => shown.has(key),
  );
  /** Ends the oldest running read and lets its follow-up start. */
  const endOne = async () => {
    running.shift()!.end();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { stored, shown, running, reads, endOne };
}

describe('reads per key that stay fresh', () => {
  it('reads a key once however often it is asked for while its read runs', async () => {
    const t = namesByHand();
    t.reads.load('bob');
    t.reads.load('bob');
    t.reads.load('bob');
    expect(t.running.map((r) => r.key)).toEqual(['bob']);
    await t.endOne();
    expect(t.shown.get('bob')).toBe('Someone');
    expect(t.running).toEqual([]);
  });

  it('reads again after a running read when a change lands during it, so the stale answer does not stay', async () => {
    const t = namesByHand();
    t.reads.load('bob');
    // Bob's profile is stored, and its change announced, while the first read runs.
    t.stored.set('bob', 'Bob');
    t.reads.changed('bob');
    t.reads.changed('bob');
    expect(t.running).toHaveLength(1);
    await t.endOne();
    expect(t.shown.get('bob')).toBe('Someone');
    // One more read, not one per change.
    expect(t.running.map((r) => r.key)).toEqual(['bob']);
    await t.endOne();
    expect(t.shown.get('bob')).toBe('Bob');
    expect(t.running).toEqual([]);
  });

  it('reads again on a change to a key whose answer is kept, and not for a key never asked for', async () => {
    const t = namesByHand();
    t.reads.changed('carol');
    expect(t.running).toEqual([]);
    t.reads.load('bob');
    await t.endOne();
    t.stored.set('bob', 'Bob');
    t.reads.changed('bob');
    expect(t.running.map((r) => r.key)).toEqual(['bob']);
    await t.endOne();
    expect(t.shown.get('bob')).toBe('Bob');
  });
});

describe('reads per key of which the newest lands', () => {
  it('lets only the newest read of a key land, whatever order they end in', () => {
    const reads = new NewestReads<string>();
    const first = reads.begin('bob/avatar/thumb');
    const other = reads.begin('carol/avatar/thumb');
    const second = reads.begin('bob/avatar/thumb');
    expect(second()).toBe(true);
    expect(first()).toBe(false);
    expect(other()).toBe(true);
  });
});
