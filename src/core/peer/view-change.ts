/**
 * What a change to the views concerns, so a screen re-reads only the queries it touches (the
 * timeline, one person's posts, the notifications) instead of every list on every change.
 * Told by `Peer.onChange`; derived from the entries just applied, whose doc ids name their kind.
 */
import type { PersonId } from '../ids.ts';
import { isKindName, type KindName } from '../kinds/registry.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';

/** One doc an applied entry wrote: whose log, and which kind of doc. */
export interface WrittenDoc {
  readonly author: PersonId;
  readonly kind: KindName;
}

/**
 * A change to the views:
 * - `entries`: entries were applied; `docs` lists each (author, kind) once;
 * - `blob`: a blob arrived (a photo or picture shown as "on its way" may show now);
 * - `fork`: a log was found forked and the author's views rebuilt without what lies past it.
 */
export type ViewChange =
  | { readonly cause: 'entries'; readonly docs: readonly WrittenDoc[] }
  | { readonly cause: 'blob' }
  | { readonly cause: 'fork'; readonly author: PersonId };

/**
 * The change applying `entries` makes. An entry whose doc id names no known kind (a newer
 * version's) is counted as a `post`, the kind most lists show.
 */
export function viewChangeOf(entries: readonly StoredEntry[]): ViewChange {
  const seen = new Map<string, WrittenDoc>();
  for (const entry of entries) {
    const kind = kindNameOf(entry.docId);
    seen.set(`${entry.author}/${kind}`, { author: entry.author, kind });
  }
  return { cause: 'entries', docs: [...seen.values()] };
}

function kindNameOf(docId: string): KindName {
  const name = docId.split('/', 1)[0] ?? '';
  return isKindName(name) ? name : 'post';
}
