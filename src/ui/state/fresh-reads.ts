/**
 * Values read per key on first use and again when a change names the key. A change that lands
 * while the key's read runs makes one more read once that read ends: it may have begun before
 * the change was stored, and its answer must not be the one that stays (a friend's name shown
 * as "Someone" for good because their profile arrived while the first read ran).
 */
export class FreshReads<K> {
  private readonly reading = new Set<K>();
  private readonly stale = new Set<K>();

  /**
   * @param read reads `key` and keeps its answer; handles its own errors.
   * @param held whether an answer for `key` is kept (only those are read again on a change).
   */
  constructor(
    private readonly read: (key: K) => Promise<void>,
    private readonly held: (key: K) => boolean,
  ) {}

  /** Reads `key`, unless a read of it runs now (twenty rows by one author make one read). */
  load(key: K): void {
    if (this.reading.has(key)) return;
    this.reading.add(key);
    void this.read(key).finally(() => {
      this.reading.delete(key);
      if (this.stale.delete(key)) this.load(key);
    });
  }

  /** A change named `key`: reads it again if an answer is kept, after the running read if any. */
  changed(key: K): void {
    if (this.reading.has(key)) this.stale.add(key);
    else if (this.held(key)) this.load(key);
  }
}

/**
 * Reads per key of which only the newest may land: a read begun before a change can end after
 * the one the change started (an old photo, read slowly, must not replace the new one).
 */
export class NewestReads<K> {
  private readonly newest = new Map<K, number>();

  /** Begins a read of `key`; the check it returns tells, once the read ends, if it may land. */
  begin(key: K): () => boolean {
    const read = (this.newest.get(key) ?? 0) + 1;
    this.newest.set(key, read);
    return () => this.newest.get(key) === read;
  }
}
