/**
 * The one owner of the friend list on a device. The peer fills it from the person's friend-list
 * doc (a relay, which cannot read that doc, from its handover); the sync engine (whom to
 * replicate in full) and the connection manager (whose pairwise topics to meet on) read it and
 * follow its changes. Nobody else keeps a copy.
 */
import { fromBase64Url } from '../bytes.ts';
import type { PersonId } from '../ids.ts';
import type { FriendLink } from '../net/connection-manager.ts';

/** What the book needs of a friend's record: the pairwise rendezvous secret (base64url). */
export interface FriendEntry {
  readonly rendezvous: string;
}

/** The friends, and news of a change. `R` is what the owner keeps per friend. */
export class FriendBook<R extends FriendEntry = FriendEntry> {
  private records: ReadonlyMap<string, R>;
  private readonly listeners = new Set<() => void>();

  /** A book holding `records` (person id → record). */
  constructor(records: ReadonlyMap<string, R> = new Map()) {
    this.records = records;
  }

  /** The friends (person id → record). */
  list(): ReadonlyMap<string, R> {
    return this.records;
  }

  /** The friends' person ids. */
  persons(): PersonId[] {
    return [...this.records.keys()] as PersonId[];
  }

  /** Each friend with the secret their devices and this one meet by. */
  links(): FriendLink[] {
    return [...this.records].map(([person, record]) => ({
      person: person as PersonId,
      pairwiseSecret: fromBase64Url(record.rendezvous),
    }));
  }

  /**
   * Replaces the list. Listeners hear of it only when it changed: a friend came or went, or a
   * record differs (a new rendezvous secret after a re-invite is a change).
   */
  replace(records: ReadonlyMap<string, R>): void {
    const same =
      records.size === this.records.size &&
      [...records].every(([person, record]) => sameRecord(this.records.get(person), record));
    this.records = records;
    if (same) return;
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` after each change of the list; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function sameRecord(a: object | undefined, b: object): boolean {
  if (!a) return false;
  const fields = Object.keys(b) as (keyof typeof b)[];
  return Object.keys(a).length === fields.length && fields.every((k) => a[k] === b[k]);
}
