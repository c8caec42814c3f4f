/**
 * A `StorageAdapter` in plain maps: for tests and the in-memory network (a peer "restart"
 * keeps the adapter object and loses everything else). Each write validates the whole batch
 * before changing anything and never awaits in between, which makes it as all-or-nothing as
 * an IndexedDB transaction. Bytes and view records are copied in and out, as IndexedDB's
 * structured clone would; settings are kept as given, so a `CryptoKey` stays that key (or, made
 * with `keyForm: 'bytes'`, refused, as a store on disk in Node refuses it).
 */
import type { SeqRange } from '../feed/seq-ranges.ts';
import type { DeviceId, DocId, EntryHash, PersonId } from '../ids.ts';
import {
  changesByLog,
  holdsPayload,
  isPlaceholder,
  isRefill,
  linkOf,
  logKeyOf,
  entriesStored,
  planCovers,
  positionKey,
  positionLookup,
  recordBytes,
  type CoveredRecord,
  type HeldRecord,
  type Refill,
} from './covers.ts';
import { EntryConflictError, StoreClosedError } from './errors.ts';
import { lowestForkSeq } from './forks.ts';
import { groupByLog, summaryFrom, summaryWith } from './log-summary.ts';
import { pageOf } from './page.ts';
import type {
  StoredFork,
  LogSummary,
  NotificationView,
  Page,
  PageRequest,
  PostItemView,
  PostView,
  KeyForm,
  LogPosition,
  StorageAdapter,
  StorageUsage,
  StoredEntry,
  EntryLink,
  ViewWrite,
} from './storage-adapter.ts';
import { onTimeline } from './storage-adapter.ts';
import {
  compareLogs,
  owedAdding,
  owedRemoving,
  readOwed,
  seqsByLog,
  type OwedRecord,
} from './owed.ts';
import { TimeIndex } from './time-index.ts';
import {
  checkEntries,
  checkFork,
  checkId,
  checkKeepFrom,
  checkLimit,
  checkPositions,
  checkNotification,
  checkPage,
  checkPostItems,
  checkPostViews,
  checkSeq,
  checkSettingValue,
  checkViewWrites,
  copyEntry,
  handedBack,
  copyRecord,
} from './validate.ts';

interface MemoryLog {
  summary: LogSummary;
  readonly entries: Map<number, HeldRecord>;
}

function postKey(p: PostView) {
  return { createdAt: p.createdAt, id: p.postId };
}

/** The in-memory storage adapter. */
export class MemoryStorageAdapter implements StorageAdapter {
  readonly keyForm: KeyForm;
  private closed = false;
  private readonly logs = new Map<string, MemoryLog>();
  private readonly forks = new Map<string, StoredFork>();
  private readonly covered = new Map<string, CoveredRecord>();
  /** The seqs of each log whose views are owed (`owedEntries`), by `logKeyOf`. */
  private readonly owed = new Map<string, OwedRecord>();
  private readonly blobs = new Map<string, Uint8Array>();
  private blobBytes = 0;
  private readonly posts = new Map<string, PostView>();
  private readonly timeline = new TimeIndex();
  private readonly byAuthor = new Map<PersonId, TimeIndex>();
  private readonly items = new Map<string, PostItemView>();
  private readonly notifications = new Map<string, NotificationView>();
  private readonly notificationTimes = new TimeIndex();
  private readonly settings = new Map<string, unknown>();

  /** An empty store; `keyForm` defaults to `cryptokey` (as in the browser). */
  constructor(options: { keyForm?: KeyForm } = {}) {
    this.keyForm = options.keyForm ?? 'cryptokey';
  }

  async putEntries(entries: readonly StoredEntry[]): Promise<StoredEntry[]> {
    this.ensureOpen();
    checkEntries(entries);
    const batches = groupByLog(entries);
    const refills: Refill[] = [];
    const added = batches.flatMap((batch) => {
      const log = this.logs.get(logKeyOf(batch.author, batch.device));
      return batch.entries.filter((e) => {
        const held = log?.entries.get(e.seq);
        if (held && held.hash !== e.hash) throw new EntryConflictError(e);
        if (held && isRefill(held, e)) refills.push({ entry: e, held });
        return !held;
      });
    });
    const plan = planCovers(
      added,
      refills,
      (author, device, seq) => this.logs.get(logKeyOf(author, device))?.entries.get(seq),
      positionLookup(this.covered),
    );
    // Everything is checked: from here on nothing throws, so the batch lands whole.
    for (const [key, change] of changesByLog(plan)) {
      const { author, device } = change;
      const log = this.logs.get(key);
      const summary = summaryWith(log?.summary, author, device, change.added, change.shrunk);
      const target = log ?? { summary, entries: new Map<number, HeldRecord>() };
      target.summary = summary;
      for (const r of change.added) target.entries.set(r.seq, copyRecord(r));
      this.logs.set(key, target);
    }
    for (const { record } of plan.replaced) {
      this.logs
        .get(logKeyOf(record.author, record.device))!
        .entries.set(record.seq, copyRecord(record));
    }
    for (const c of plan.covered) this.covered.set(positionKey(c.author, c.device, c.seq), c);
    const stored = entriesStored(plan);
    for (const { author, device, seqs } of seqsByLog(stored)) {
      const key = logKeyOf(author, device);
      this.owed.set(key, owedAdding(this.owed.get(key), author, device, seqs));
    }
    await this.deleteBlobs(plan.released);
    // What the store keeps are copies (above).
    return stored.map(handedBack);
  }

  async getEntry(
    author: PersonId,
    device: DeviceId,
    seq: number,
  ): Promise<StoredEntry | undefined> {
    this.ensureOpen();
    checkSeq(seq);
    const e = this.logs.get(logKeyOf(author, device))?.entries.get(seq);
    return e && !isPlaceholder(e) ? copyEntry(e) : undefined;
  }

  async getEntries(
    author: PersonId,
    device: DeviceId,
    fromSeq: number,
    toSeq: number,
  ): Promise<StoredEntry[]> {
    this.ensureOpen();
    checkSeq(fromSeq);
    checkSeq(toSeq);
    const log = this.logs.get(logKeyOf(author, device));
    const out: StoredEntry[] = [];
    if (!log) return out;
    for (const { start, end } of log.summary.ranges) {
      for (let seq = Math.max(start, fromSeq); seq <= Math.min(end, toSeq); seq++) {
        const e = log.entries.get(seq)!;
        if (!isPlaceholder(e)) out.push(copyEntry(e));
      }
    }
    return out;
  }

  async getLinks(
    author: PersonId,
    device: DeviceId,
    fromSeq: number,
    toSeq: number,
  ): Promise<EntryLink[]> {
    this.ensureOpen();
    checkSeq(fromSeq);
    checkSeq(toSeq);
    const log = this.logs.get(logKeyOf(author, device));
    const out: EntryLink[] = [];
    for (const { start, end } of log?.summary.ranges ?? []) {
      for (let seq = Math.max(start, fromSeq); seq <= Math.min(end, toSeq); seq++) {
        out.push(linkOf(log!.entries.get(seq)!));
      }
    }
    return out;
  }

  async getManyDocsEntries(
    docs: readonly { author: PersonId; docId: DocId }[],
  ): Promise<StoredEntry[][]> {
    return Promise.all(docs.map((d) => this.getDocEntries(d.author, d.docId)));
  }

  async getDocEntries(author: PersonId, docId: DocId): Promise<StoredEntry[]> {
    this.ensureOpen();
    const out: StoredEntry[] = [];
    const logs = [...this.logs.values()]
      .filter((l) => l.summary.author === author)
      .sort((a, b) => (a.summary.device < b.summary.device ? -1 : 1));
    for (const log of logs) {
      const fork = this.lowestFork(author, log.summary.device) ?? Infinity;
      const seqs = [...log.entries.keys()].sort((a, b) => a - b);
      for (const seq of seqs) {
        const e = log.entries.get(seq)!;
        if (e.docId === docId && seq < fork && holdsPayload(e)) out.push(copyEntry(e));
      }
    }
    return out;
  }

  async getLatestEntries(
    author: PersonId,
    device: DeviceId,
    limit: number,
  ): Promise<StoredEntry[]> {
    this.ensureOpen();
    checkLimit(limit);
    const log = this.logs.get(logKeyOf(author, device));
    const out: StoredEntry[] = [];
    if (!log) return out;
    const ranges = log.summary.ranges;
    for (let r = ranges.length - 1; r >= 0 && out.length < limit; r--) {
      const { start, end } = ranges[r]!;
      for (let seq = end; seq >= start && out.length < limit; seq--) {
        const e = log.entries.get(seq)!;
        if (!isPlaceholder(e)) out.push(copyEntry(e));
      }
    }
    return out;
  }

  async hashAt(author: PersonId, device: DeviceId, seq: number): Promise<EntryHash | undefined> {
    this.ensureOpen();
    checkSeq(seq);
    return this.logs.get(logKeyOf(author, device))?.entries.get(seq)?.hash;
  }

  async heldRanges(author: PersonId, device: DeviceId): Promise<SeqRange[]> {
    this.ensureOpen();
    return (this.logs.get(logKeyOf(author, device))?.summary.ranges ?? []).map((r) => ({ ...r }));
  }

  async listLogs(): Promise<LogSummary[]> {
    this.ensureOpen();
    return [...this.logs.values()].map((l) => ({
      ...l.summary,
      ranges: l.summary.ranges.map((r) => ({ ...r })),
    }));
  }

  async pruneLog(author: PersonId, device: DeviceId, keepFromSeq: number): Promise<void> {
    this.ensureOpen();
    checkKeepFrom(keepFromSeq);
    const key = logKeyOf(author, device);
    const log = this.logs.get(key);
    if (!log) return;
    const dropped = { entries: 0, bytes: 0 };
    for (const [seq, e] of log.entries) {
      if (seq >= keepFromSeq) continue;
      dropped.entries++;
      dropped.bytes += recordBytes(e);
      log.entries.delete(seq);
    }
    const summary = summaryFrom(log.summary, keepFromSeq, dropped);
    if (summary) log.summary = summary;
    else this.logs.delete(key);
  }

  async putForkEvidence(first: StoredEntry, second: StoredEntry): Promise<void> {
    this.ensureOpen();
    checkFork(first, second);
    const key = `${logKeyOf(first.author, first.device)}\u0000${first.seq}`;
    if (!this.forks.has(key)) {
      this.forks.set(key, { first: copyEntry(first), second: copyEntry(second) });
    }
  }

  async listForks(): Promise<StoredFork[]> {
    this.ensureOpen();
    return [...this.forks.values()].map((f) => ({
      first: copyEntry(f.first),
      second: copyEntry(f.second),
    }));
  }

  async forkSeq(author: PersonId, device: DeviceId): Promise<number | undefined> {
    this.ensureOpen();
    return this.lowestFork(author, device);
  }

  private lowestFork(author: PersonId, device: DeviceId): number | undefined {
    return lowestForkSeq(this.forks.values(), author, device);
  }

  async putBlob(hash: string, bytes: Uint8Array): Promise<void> {
    this.ensureOpen();
    checkId(hash, 'blob hash');
    if (this.blobs.has(hash)) return;
    this.blobs.set(hash, bytes.slice());
    this.blobBytes += bytes.length;
  }

  async deleteBlobs(hashes: readonly string[]): Promise<void> {
    this.ensureOpen();
    for (const hash of hashes) {
      const bytes = this.blobs.get(hash);
      if (!bytes) continue;
      this.blobs.delete(hash);
      this.blobBytes -= bytes.length;
    }
  }

  async getBlob(hash: string): Promise<Uint8Array | undefined> {
    this.ensureOpen();
    return this.blobs.get(hash)?.slice();
  }

  async hasBlob(hash: string): Promise<boolean> {
    this.ensureOpen();
    return this.blobs.has(hash);
  }

  async blobSize(hash: string): Promise<number | undefined> {
    this.ensureOpen();
    return this.blobs.get(hash)?.length;
  }

  async putPostViews(posts: readonly PostView[]): Promise<void> {
    this.ensureOpen();
    checkPostViews(posts);
    const copies = posts.map((p) => structuredClone(p));
    for (const post of copies) {
      this.unindexPost(post.postId);
      this.posts.set(post.postId, post);
      if (onTimeline(post)) this.timeline.insert(postKey(post));
      let index = this.byAuthor.get(post.author);
      if (!index) {
        index = new TimeIndex();
        this.byAuthor.set(post.author, index);
      }
      index.insert(postKey(post));
    }
  }

  async removePostView(postId: string): Promise<void> {
    this.ensureOpen();
    this.unindexPost(postId);
    this.posts.delete(postId);
    for (const [itemId, item] of this.items) if (item.postId === postId) this.items.delete(itemId);
  }

  async getPostView(postId: string): Promise<PostView | undefined> {
    this.ensureOpen();
    const post = this.posts.get(postId);
    return post ? structuredClone(post) : undefined;
  }

  async getPostViews(postIds: readonly string[]): Promise<(PostView | undefined)[]> {
    this.ensureOpen();
    return postIds.map((id) => {
      const post = this.posts.get(id);
      return post ? structuredClone(post) : undefined;
    });
  }

  async timelinePage(request: PageRequest): Promise<Page<PostView>> {
    this.ensureOpen();
    checkPage(request);
    return this.postsPage(this.timeline, request);
  }

  async authorPostsPage(author: PersonId, request: PageRequest): Promise<Page<PostView>> {
    this.ensureOpen();
    checkPage(request);
    return this.postsPage(this.byAuthor.get(author) ?? new TimeIndex(), request);
  }

  async putPostItems(items: readonly PostItemView[]): Promise<void> {
    this.ensureOpen();
    checkPostItems(items);
    for (const item of items) this.items.set(item.itemId, structuredClone(item));
  }

  async removePostItem(itemId: string): Promise<void> {
    this.ensureOpen();
    this.items.delete(itemId);
  }

  async itemsByPost(postId: string): Promise<PostItemView[]> {
    this.ensureOpen();
    return [...this.items.values()]
      .filter((item) => item.postId === postId)
      .sort((a, b) =>
        a.createdAt !== b.createdAt
          ? a.createdAt - b.createdAt
          : a.itemId < b.itemId
            ? -1
            : a.itemId > b.itemId
              ? 1
              : 0,
      )
      .map((item) => structuredClone(item));
  }

  async putNotification(notification: NotificationView): Promise<void> {
    this.ensureOpen();
    checkNotification(notification);
    const old = this.notifications.get(notification.id);
    if (old) this.notificationTimes.remove({ createdAt: old.createdAt, id: old.id });
    this.notifications.set(notification.id, structuredClone(notification));
    this.notificationTimes.insert({ createdAt: notification.createdAt, id: notification.id });
  }

  async notificationsPage(request: PageRequest): Promise<Page<NotificationView>> {
    this.ensureOpen();
    checkPage(request);
    const keys = this.notificationTimes.newestFirst(request.before, request.limit + 1);
    const rows = keys.map((k) => structuredClone(this.notifications.get(k.id)!));
    return pageOf(rows, request.limit, (n) => ({ createdAt: n.createdAt, id: n.id }));
  }

  async unreadCount(): Promise<number> {
    this.ensureOpen();
    let n = 0;
    for (const notification of this.notifications.values()) if (!notification.read) n++;
    return n;
  }

  async markRead(ids: readonly string[]): Promise<void> {
    this.ensureOpen();
    for (const id of ids) {
      const n = this.notifications.get(id);
      if (n) this.notifications.set(id, { ...n, read: true });
    }
  }

  async writeViews(
    writes: readonly ViewWrite[],
    settled: readonly LogPosition[] = [],
  ): Promise<void> {
    this.ensureOpen();
    // Checked whole before the first change: nothing below can fail half-way.
    checkViewWrites(writes);
    checkPositions(settled);
    this.forgetOwed(settled);
    for (const write of writes) {
      switch (write.op) {
        case 'putPost':
          await this.putPostViews([write.post]);
          break;
        case 'removePost':
          await this.removePostView(write.postId);
          break;
        case 'putItem':
          await this.putPostItems([write.item]);
          break;
        case 'removeItem':
          await this.removePostItem(write.itemId);
          break;
        case 'putNotification':
          await this.putNotification(write.notification);
          break;
        case 'setSetting':
          await this.setSetting(write.key, write.value);
          break;
      }
    }
  }

  async owedEntries(limit: number, after?: LogPosition): Promise<StoredEntry[]> {
    this.ensureOpen();
    checkLimit(limit);
    if (after) checkPositions([after]);
    const records = [...this.owed.values()].sort(compareLogs);
    const { entries, gone } = await readOwed(records, limit, after, (author, device, from, to) =>
      this.getEntries(author, device, from, to),
    );
    this.forgetOwed(gone);
    return entries;
  }

  private forgetOwed(positions: readonly LogPosition[]): void {
    for (const { author, device, seqs } of seqsByLog(positions)) {
      const key = logKeyOf(author, device);
      const record = this.owed.get(key);
      if (!record) continue;
      const next = owedRemoving(record, seqs);
      if (next) this.owed.set(key, next);
      else this.owed.delete(key);
    }
  }

  async getSetting(key: string): Promise<unknown> {
    this.ensureOpen();
    return this.settings.get(key);
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    this.ensureOpen();
    checkId(key, 'setting key');
    checkSettingValue(value, this.keyForm);
    if (value === undefined) this.settings.delete(key);
    else this.settings.set(key, value);
  }

  async usage(): Promise<StorageUsage> {
    this.ensureOpen();
    const byAuthor = new Map<PersonId, number>();
    for (const { summary } of this.logs.values()) {
      byAuthor.set(summary.author, (byAuthor.get(summary.author) ?? 0) + summary.bytes);
    }
    return { byAuthor, blobBytes: this.blobBytes };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private ensureOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  private unindexPost(postId: string): void {
    const old = this.posts.get(postId);
    if (!old) return;
    this.timeline.remove(postKey(old));
    this.byAuthor.get(old.author)?.remove(postKey(old));
  }

  private postsPage(index: TimeIndex, request: PageRequest): Page<PostView> {
    const keys = index.newestFirst(request.before, request.limit + 1);
    const rows = keys.map((k) => structuredClone(this.posts.get(k.id)!));
    return pageOf(rows, request.limit, postKey);
  }
}
