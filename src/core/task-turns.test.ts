import { describe, expect, it } from 'vitest';
import { TaskTurns } from './task-turns.ts';

describe('TaskTurns', () => {
  it('gives each turn a task of its own, in the order taken', async () => {
    const turns = new TaskTurns();
    const seen: string[] = [];
    // A timer set during the first turn fires before the second turn: that one is a later task.
    const first = turns.take().then(() => {
      seen.push('first');
      setTimeout(() => seen.push('a task queued by the first'), 0);
    });
    const second = turns.take().then(() => seen.push('second'));
    const third = turns.take().then(() => seen.push('third'));
    await Promise.all([first, second, third]);
    expect(seen).toEqual(['first', 'a task queued by the first', 'second', 'third']);
  });

  it('lets work that settles only microtasks wait for a task', async () => {
    const turns = new TaskTurns();
    let turned = false;
    void turns.take().then(() => (turned = true));
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(turned).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(turned).toBe(true);
  });
});
