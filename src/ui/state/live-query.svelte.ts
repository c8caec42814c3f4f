/**
 * One query a screen shows (the timeline, a person's posts, the notifications) as state a
 * component reads: `current` (the last answer, kept while a newer one loads), `loading` and
 * `error`. It reads again only when a change concerns it, and a burst of changes while a read
 * runs makes one more read, not one per change: a sync that stores thousands of posts never
 * queues thousands of reads, and a change elsewhere never makes this list read or render again.
 */
import { untrack } from 'svelte';
import type { ViewChange } from '../../core/peer/view-change.ts';
import { createLogger } from '../../core/log.ts';
import { describeError } from './errors.ts';

const log = createLogger('kith:ui');

/** Where changes come from (`Peer.onChange`). */
export interface ChangeSource {
  onChange(listener: (change: ViewChange) => void): () => void;
}

/** What a {@link LiveQuery} reads, and when. */
export interface LiveQueryOptions<T> {
  /** Reads the answer; `previous` is the one shown, if any (to keep as many rows as shown). */
  read: (previous: T | undefined) => Promise<T>;
  /** Whether a change may alter the answer. */
  concerns: (change: ViewChange) => boolean;
  /**
   * The value to show given the one shown and a fresh answer: returning `previous` itself (or
   * parts of it) when nothing changed keeps the screen from rendering those rows again.
   */
  keep?: (previous: T, fresh: T) => T;
}

/** A query's answer as state: start it from an `$effect`, which owns its teardown. */
export class LiveQuery<T> {
  /** The last answer; `undefined` until the first read succeeds. */
  current = $state.raw<T | undefined>(undefined);
  /** Whether a read runs now (the first one, or a re-read while `current` stays shown). */
  loading = $state(false);
  /** Why the last read failed, in words for a person; `null` after a read succeeds. */
  error = $state<string | null>(null);

  // Reads and amendments run one after another, so an older answer never lands after a newer.
  private tail: Promise<void> = Promise.resolve();
  // A re-read queued and not started yet: further changes join it.
  private queued: Promise<void> | null = null;
  private generation = 0;

  constructor(
    private readonly source: ChangeSource,
    private readonly options: LiveQueryOptions<T>,
  ) {}

  /** Reads now and again on every change that concerns this query; returns the stop. */
  start(): () => void {
    const generation = ++this.generation;
    const stop = this.source.onChange((change) => {
      if (this.options.concerns(change)) void this.refresh();
    });
    void this.refresh();
    return () => {
      stop();
      // A read still running or queued when the screen closes lands nowhere.
      if (this.generation === generation) this.generation++;
      this.queued = null;
    };
  }

  /**
   * Reads again whenever reactive values outside the views change (the muted people, a
   * notification marked read): `deps` reads them. Call while a component initializes.
   */
  refreshOn(deps: () => unknown): void {
    let first = true;
    $effect(() => {
      deps();
      // The first run is the start's own read.
      if (!first) untrack(() => void this.refresh());
      first = false;
    });
  }

  /** Reads again (after something outside the views changed: a mute, a "mark read"). */
  refresh(): Promise<void> {
    return (this.queued ??= this.enqueue((previous) => {
      this.queued = null;
      return this.options.read(previous);
    }));
  }

  /** Changes the answer in turn with the reads (the next page appended, say). */
  amend(task: (previous: T | undefined) => Promise<T>): Promise<void> {
    return this.enqueue(task);
  }

  private enqueue(produce: (previous: T | undefined) => Promise<T>): Promise<void> {
    const generation = this.generation;
    this.loading = true;
    const run = this.tail.then(async () => {
      if (generation !== this.generation) return;
      this.loading = true;
      try {
        const fresh = await produce(this.current);
        if (generation !== this.generation) return;
        const previous = this.current;
        const next =
          previous !== undefined && this.options.keep ? this.options.keep(previous, fresh) : fresh;
        if (next !== previous) this.current = next;
        this.error = null;
      } catch (error) {
        log.error('reading a query failed', { error: String(error) });
        if (generation === this.generation) this.error = describeError(error);
      } finally {
        this.loading = false;
      }
    });
    this.tail = run;
    return run;
  }
}
