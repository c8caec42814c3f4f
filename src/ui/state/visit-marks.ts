/**
 * What is new since the last visit. Each browser keeps the time of the newest post its person
 * was shown; at the next start, posts by others written after it carry a "New" mark for as long
 * as that session lasts. A first visit marks nothing (everything would be new).
 */
import { parseStoredJson } from './stored-json.ts';

/** The key under which the newest shown post's time is kept, per person. */
export function visitKey(me: string): string {
  return `kith:newest-seen/${me}`;
}

/** The "New" marks of one session. */
export class VisitMarks {
  /** The newest post time shown before this session began; `null` on a first visit. */
  readonly since: number | null;

  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'>,
    private readonly me: string,
  ) {
    const saved = parseStoredJson(storage.getItem(visitKey(me)));
    this.since = typeof saved === 'number' && Number.isFinite(saved) ? saved : null;
  }

  /** Whether a post (its writing time and author) is new since the last visit. */
  isNew(post: { readonly createdAt: number; readonly author: string }): boolean {
    return this.since !== null && post.createdAt > this.since && post.author !== this.me;
  }

  /** Records that posts up to `newest` (a writing time) were shown. */
  shown(newest: number): void {
    const saved = parseStoredJson(this.storage.getItem(visitKey(this.me)));
    if (typeof saved === 'number' && saved >= newest) return;
    this.storage.setItem(visitKey(this.me), JSON.stringify(newest));
  }
}

const opened = new Map<string, VisitMarks>();

/** The marks of this page's visit for `me`: read once, when Home first shows in this page. */
export function visitMarks(storage: Pick<Storage, 'getItem' | 'setItem'>, me: string): VisitMarks {
  let marks = opened.get(me);
  if (!marks) opened.set(me, (marks = new VisitMarks(storage, me)));
  return marks;
}
