/**
 * Tabs of one browser profile share one IndexedDB. Each tab stores what it writes or receives
 * there, then tells the other tabs over a BroadcastChannel, so their views refresh and the tab
 * holding the network pushes the entries to peers. Same-origin tabs are one trust domain: a
 * message names entries already stored and verified by a tab of this profile. The device's block
 * list, which every tab keeps in memory, is followed the same way (`linkBlockLists`), and so are
 * the photos each tab waits for (`linkWantedBlobs`): only the tab holding the network fetches.
 */
import { isBlobId } from '../crypto/blobs.ts';
import { decodeAnyEntry } from '../feed/entry-codec.ts';
import { createLogger } from '../log.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import type { Ingestor } from '../sync/ingest.ts';
import type { WantedBlobs } from '../peer/wanted-blobs.ts';

const log = createLogger('kith:tabs');

/** The part of a BroadcastChannel used here (Node has the same class, for tests). */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

/** Origin given to `onStored` for entries another tab stored: they are not broadcast back. */
export const FROM_ANOTHER_TAB = Symbol('from-another-tab');

interface StoredMessage {
  readonly kind: 'stored';
  readonly entries: readonly Uint8Array[];
}

function isStoredMessage(value: unknown): value is StoredMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    m.kind === 'stored' &&
    Array.isArray(m.entries) &&
    m.entries.every((e) => e instanceof Uint8Array)
  );
}

/** Links this tab's ingestor to the other tabs'; returns the function that unlinks it. */
export function linkTabs(ingestor: Ingestor, channel: ChannelLike): () => void {
  const unsubscribe = ingestor.onStored((entries, origin) => {
    if (origin === FROM_ANOTHER_TAB) return;
    channel.postMessage({
      kind: 'stored',
      entries: entries.map((e) => e.bytes),
    } satisfies StoredMessage);
  });
  channel.onmessage = (event) => {
    if (!isStoredMessage(event.data)) {
      log.warn('ignored a malformed tab message');
      return;
    }
    const entries: StoredEntry[] = [];
    for (const bytes of event.data.entries) {
      try {
        entries.push(decodeAnyEntry(bytes));
      } catch (error) {
        log.warn('ignored an undecodable entry from another tab', { error: String(error) });
      }
    }
    ingestor.announce(entries, FROM_ANOTHER_TAB);
  };
  return () => {
    unsubscribe();
    channel.onmessage = null;
    channel.close();
  };
}

/** A list kept in memory by each tab and in the store for all (`peer/blocking.ts`). */
export interface FollowedList {
  onChange(listener: () => void): () => void;
  /** Reads the list again from the store; tells its listeners if it changed. */
  reload(): Promise<unknown>;
}

/**
 * Keeps this tab's block list in step with the other tabs': a change here is announced, and an
 * announcement makes the list read the store again, so the tab holding the network refuses a
 * person blocked in another tab at once, not after a reload. Returns the function that unlinks.
 */
export function linkBlockLists(list: FollowedList, channel: ChannelLike): () => void {
  const unsubscribe = list.onChange(() => channel.postMessage({ kind: 'blocks' }));
  channel.onmessage = (event) => {
    if ((event.data as { kind?: unknown } | null)?.kind !== 'blocks') {
      log.warn('ignored a malformed tab message');
      return;
    }
    list.reload().catch((error: unknown) => {
      log.error('could not read the block list again', { error: String(error) });
    });
  };
  return () => {
    unsubscribe();
    channel.onmessage = null;
    channel.close();
  };
}

/** Blob ids in one tab message at most (more is not from a tab of ours). */
export const MAX_TAB_BLOB_IDS = 512;

/** A tab's wanted blobs, as its peer keeps them (`peer/wanted-blobs.ts`). */
export type TabBlobs = Pick<
  WantedBlobs,
  'wanted' | 'onWant' | 'want' | 'holds' | 'onReceived' | 'storedByAnotherTab'
>;

type BlobMessage =
  { readonly kind: 'want' | 'held'; readonly ids: readonly string[] } | { readonly kind: 'ask' };

function isBlobMessage(value: unknown): value is BlobMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  if (m.kind === 'ask') return true;
  return (
    (m.kind === 'want' || m.kind === 'held') &&
    Array.isArray(m.ids) &&
    m.ids.length <= MAX_TAB_BLOB_IDS &&
    m.ids.every((id) => typeof id === 'string')
  );
}

/**
 * Shares the photos each tab waits for with every tab: a tab that follows shows a photo it does
 * not hold, the tab holding the network fetches it (its peer wants it too), and once stored
 * there every tab shows it. Each tab keeps all tabs' wants, and a tab that opens asks the others
 * for theirs, so the next tab to hold the network fetches what the last one had not yet. A tab
 * asked for a blob already stored (it came between the asking tab's look and its want) says so
 * at once: a want is never left for a blob no fetch will ever announce. Returns the function
 * that unlinks.
 */
export function linkWantedBlobs(blobs: TabBlobs, channel: ChannelLike): () => void {
  /** Set while applying another tab's message: what it causes here is not sent back. */
  let applying = false;
  const post = (kind: 'want' | 'held', ids: readonly string[]) => {
    for (let i = 0; i < ids.length; i += MAX_TAB_BLOB_IDS) {
      channel.postMessage({ kind, ids: ids.slice(i, i + MAX_TAB_BLOB_IDS) } satisfies BlobMessage);
    }
  };
  const stops = [
    blobs.onWant((id) => {
      if (!applying) post('want', [id]);
    }),
    blobs.onReceived((id) => post('held', [id])),
  ];
  channel.onmessage = (event) => {
    const message: unknown = event.data;
    if (!isBlobMessage(message)) {
      log.warn('ignored a malformed tab message');
      return;
    }
    if (message.kind === 'ask') post('want', blobs.wanted());
    else if (message.kind === 'held') {
      for (const id of message.ids) blobs.storedByAnotherTab(id);
    } else {
      wantUnlessHeld(message.ids).catch((error: unknown) =>
        log.error('could not take another tab’s wanted photos', { error: String(error) }),
      );
    }
  };
  const wantUnlessHeld = async (ids: readonly string[]) => {
    const held: string[] = [];
    const wanted: string[] = [];
    for (const id of ids) (isBlobId(id) && (await blobs.holds(id)) ? held : wanted).push(id);
    if (held.length > 0) post('held', held);
    applying = true;
    try {
      for (const id of wanted) blobs.want(id);
    } finally {
      applying = false;
    }
  };
  channel.postMessage({ kind: 'ask' } satisfies BlobMessage);
  return () => {
    for (const stop of stops) stop();
    channel.onmessage = null;
    channel.close();
  };
}
