/**
 * Tabs of one browser profile share one IndexedDB. Each tab stores what it writes or receives
 * there, then tells the other tabs over a BroadcastChannel, so their views refresh and the tab
 * holding the network pushes the entries to peers. Same-origin tabs are one trust domain: a
 * message names entries already stored and verified by a tab of this profile. The device's block
 * list, which every tab keeps in memory, is followed the same way (`linkBlockLists`).
 */
import { decodeAnyEntry } from '../feed/entry-codec.ts';
import { createLogger } from '../log.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import type { Ingestor } from '../sync/ingest.ts';

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
