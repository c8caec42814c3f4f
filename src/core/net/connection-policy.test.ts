import { describe, expect, it } from 'vitest';
import { planConnections, type Candidate, type Held } from './connection-policy.ts';

const c = (key: string, priority = 0, lastConnectedAt?: number): Candidate => ({
  key,
  priority,
  lastConnectedAt,
});
const h = (key: string, priority = 0, since = 0): Held => ({ key, priority, since });
const base = { cap: 2, now: 100_000, rotationDue: false, minHoldMs: 10_000 };

describe('connection policy', () => {
  it('dials the best candidates up to the cap: behind first, then least recently reached', () => {
    const plan = planConnections({
      ...base,
      cap: 3,
      held: [h('held')],
      candidates: [c('recent', 0, 90_000), c('never', 0), c('behind', 5, 99_000), c('old', 0, 1)],
    });
    expect(plan).toEqual({ dial: ['behind', 'never'], evict: [] });
  });

  it('holds still at the cap until a rotation is due', () => {
    const input = { ...base, held: [h('a'), h('b')], candidates: [c('x')] };
    expect(planConnections(input)).toEqual({ dial: [], evict: [] });
    expect(planConnections({ ...input, rotationDue: true })).toEqual({ dial: [], evict: ['a'] });
  });

  it('rotates out the least important, oldest connection held long enough, one at a time', () => {
    const plan = planConnections({
      ...base,
      rotationDue: true,
      held: [h('young', 0, 95_000), h('important', 9, 0), h('old', 0, 10), h('older', 0, 5)],
      candidates: [c('x', 1)],
    });
    expect(plan).toEqual({ dial: [], evict: ['older'] });
  });

  it('never rotates out a connection that matters more than every candidate', () => {
    const plan = planConnections({
      ...base,
      rotationDue: true,
      held: [h('a', 5), h('b', 5)],
      candidates: [c('x', 1)],
    });
    expect(plan.evict).toEqual([]);
  });

  it('reaches every friend over time under rotation with a cap of 2 and 6 friends', () => {
    const friends = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];
    const reached = new Set<string>();
    const last = new Map<string, number>();
    let held: Held[] = [];
    for (let t = 0; t < 20; t++) {
      const now = t * 60_000;
      const candidates = friends
        .filter((f) => !held.some((x) => x.key === f))
        .map((f) => c(f, 0, last.get(f)));
      const plan = planConnections({ ...base, now, held, candidates, rotationDue: true });
      held = held.filter((x) => !plan.evict.includes(x.key));
      for (const key of plan.dial) {
        held.push(h(key, 0, now));
        last.set(key, now);
        reached.add(key);
      }
      expect(held.length).toBeLessThanOrEqual(2);
    }
    expect([...reached].sort()).toEqual(friends);
  });

  it('lets an idle connection held long enough make way for a device that is behind', () => {
    const behind: Candidate = { ...c('news'), behind: true };
    const held = [
      { ...h('busy', 0, 0), idle: false },
      { ...h('fresh', 0, 95_000), idle: true },
      { ...h('quiet', 0, 50_000), idle: true },
    ];
    const input = { ...base, cap: 3, idleHoldMs: 10_000, held, candidates: [c('x'), behind] };
    expect(planConnections(input)).toEqual({ dial: [], evict: ['quiet'] });
    // Nobody waiting is behind: idle connections stay until a rotation is due.
    expect(planConnections({ ...input, candidates: [c('x')] })).toEqual({ dial: [], evict: [] });
    // Only busy or freshly made connections: nothing is closed before its time.
    const noIdle = held.filter((x) => x.key !== 'quiet');
    expect(planConnections({ ...input, cap: 2, held: noIdle })).toEqual({ dial: [], evict: [] });
    // A free slot goes to the device that is behind first.
    expect(planConnections({ ...input, held: [] }).dial[0]).toBe('news');
  });
});
