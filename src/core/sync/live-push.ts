/**
 * Live push: entries the ingestor stores (written here or received from another peer) go at once
 * to a connected peer that wants their author, except to the peer that delivered them and except
 * what the remote is known to hold.
 */
import { logKey } from '../ids.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import { EntryBatcher } from './entry-batcher.ts';
import type { SessionContext } from './session-context.ts';

/** Pushes newly stored entries the remote wants and lacks. */
export function pushLive(
  ctx: SessionContext,
  remoteWants: (author: StoredEntry['author']) => boolean,
  entries: readonly StoredEntry[],
): void {
  const fresh = entries.filter(
    (e) => remoteWants(e.author) && !ctx.holds.has(logKey(e.author, e.device), e.seq),
  );
  if (fresh.length === 0) return;
  // Marked before sending, so that two pushes racing cannot both send an entry.
  for (const e of fresh) ctx.holds.add(logKey(e.author, e.device), [{ start: e.seq, end: e.seq }]);
  ctx.spawn(
    ctx.outbox.entries(async () => {
      const batch = new EntryBatcher(ctx, 0);
      for (const e of fresh) await batch.add(e);
      await batch.flush(false);
    }),
  );
}
