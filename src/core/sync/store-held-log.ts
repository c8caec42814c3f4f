/**
 * The feed layer's `HeldLog` over a `LogStore`, for the chain checks of one ingest batch.
 *
 * A batch touches a narrow span of seqs, so `preload` reads the held entries of that span (plus
 * one seq on each side, the neighbours the chain rules look at) in one store read instead of
 * three reads per entry; questions outside the span go to the store. `stage` adds an entry the
 * batch has just accepted, so that the next entry of the same batch is checked against it before
 * anything is written. An instance lives for one batch, inside the ingestor's lock: it caches
 * nothing across writes it did not see.
 */
import type { HeldLog } from '../feed/log-chain.ts';
import type { DeviceId, EntryHash, PersonId } from '../ids.ts';
import { entryHasPayload } from '../feed/entry-codec.ts';
import type { EntryLink, LogStore, StoredEntry } from '../store/storage-adapter.ts';

type Link = Omit<EntryLink, 'seq'>;

/** What the store (plus the current batch) holds of one (author, device) log. */
export class StoreHeldLog implements HeldLog {
  private readonly known = new Map<number, Link>();
  private readonly staged = new Map<number, StoredEntry>();
  private spanFrom = 1;
  private spanTo = 0;

  /** A view of `author`'s `device` log in `store`. */
  constructor(
    private readonly store: LogStore,
    readonly author: PersonId,
    readonly device: DeviceId,
  ) {}

  /** Reads the held entries with seq in `fromSeq - 1 .. toSeq + 1` in one store call. */
  async preload(fromSeq: number, toSeq: number): Promise<void> {
    const from = Math.max(1, fromSeq - 1);
    const to = toSeq + 1;
    // Links, not entries: a v1 entry dropped to its placeholder still chains its neighbours.
    const held = await this.store.getLinks(this.author, this.device, from, to);
    for (const e of held) this.known.set(e.seq, e);
    this.spanFrom = from;
    this.spanTo = to;
  }

  /** Counts `entry` as held for the rest of this batch (it is written with the batch). */
  stage(entry: StoredEntry): void {
    this.staged.set(entry.seq, entry);
  }

  /** The held entry at `seq`, if any (for fork evidence); staged entries included. */
  async entryAt(seq: number): Promise<StoredEntry | undefined> {
    return this.staged.get(seq) ?? this.store.getEntry(this.author, this.device, seq);
  }

  /** See `HeldLog`. */
  async hashAt(seq: number): Promise<EntryHash | undefined> {
    return (await this.linkAt(seq))?.hash;
  }

  /** See `HeldLog`. */
  async prevAt(seq: number): Promise<EntryHash | undefined> {
    return (await this.linkAt(seq))?.prev;
  }

  /**
   * Whether the copy held at `seq` lacks its payload (a payload-less v2 entry): an incoming
   * duplicate carrying it may fill it in. False when nothing is held there.
   */
  async lacksPayloadAt(seq: number): Promise<boolean> {
    const link = await this.linkAt(seq);
    return link !== undefined && !link.payload;
  }

  private async linkAt(seq: number): Promise<Link | undefined> {
    const staged = this.staged.get(seq);
    if (staged)
      return { hash: staged.hash, prev: staged.prev, payload: entryHasPayload(staged.bytes) };
    if (seq >= this.spanFrom && seq <= this.spanTo) return this.known.get(seq);
    if (seq < 1) return undefined;
    return (await this.store.getLinks(this.author, this.device, seq, seq))[0];
  }
}
