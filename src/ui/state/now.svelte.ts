/**
 * The present, for relative times ("3 min"): one clock for every time shown, ticking every
 * 30 s while at least one is on screen (Svelte's `createSubscriber`: no timer when none is).
 */
import { createSubscriber } from 'svelte/reactivity';

const TICK = 30_000;

class Now {
  #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, TICK);
    return () => clearInterval(timer);
  });

  /** The current time, read again at each tick by whoever shows it. */
  get current(): number {
    this.#subscribe();
    return Date.now();
  }
}

/** The shared clock of relative times. */
export const now = new Now();
