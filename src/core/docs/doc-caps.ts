/**
 * Bounds on what one doc may hold on a reader's device, enforced as each signed update is
 * applied: a friend (or a friend's buggy client) cannot grow one post doc to 10 MB while its
 * view shows "hi". An update that would break a bound is refused whole and the doc keeps its
 * last valid state; the refusal carries a typed reason.
 *
 *   bytes    the doc's encoded state (pending structs included) after the update
 *   entries  updates that brought something new (a repeat of a held update is free)
 *   shape    only the schema's root map, and (but for the friend list) only its known keys:
 *            a field a reader does not know is never shown, so it is refused rather than kept
 *
 * A later version that adds a field to a doc must say so in the protocol (readers of this
 * version refuse the update that adds it). Each kind declares its caps (`kinds/<kind>.ts`).
 */
import * as Y from 'yjs';
import { applyOwnerUpdate, UpdateApplyError } from './yjs-change.ts';

/** Why an update was not applied to a doc. */
export type DocRefusal =
  | 'update-too-large'
  | 'state-too-large'
  | 'too-many-entries'
  | 'unknown-field'
  | 'malformed-update';

/** The bounds of one kind of doc. */
export interface DocCaps {
  /** Most bytes of the doc's encoded state. */
  readonly maxBytes: number;
  /** Most updates that bring something new. */
  readonly maxEntries: number;
  /** The one root type the doc may hold (a Y.Map). */
  readonly root: string;
  /** The keys that map may hold, or `'any'` (the friend list, keyed by person id). */
  readonly fields: ReadonlySet<string> | 'any';
}

/** What applying one update did. */
export type CappedApply =
  | { readonly kind: 'applied'; readonly grew: boolean }
  | { readonly kind: 'refused'; readonly reason: DocRefusal };

/**
 * A doc that takes owner-signed updates only within its caps. Each update is checked from its
 * own bytes before it touches the doc (Yjs cannot take an update back): its new structs' place
 * (root and map key), whether it brings anything new, and the bytes it adds (`diffUpdate`, an
 * upper bound) against a running bound of the doc's size, measured again near the cap. Honest
 * docs stay far below their caps (a post's text is at most 10,000 characters), so the bound's
 * slack never refuses one.
 */
export class CappedDoc {
  private grown = 0;
  /** An upper bound of the doc's encoded size (deleted content is collected, so it drifts up). */
  private bytes = 0;
  /** Whether {@link bytes} is the size measured since the doc last changed. */
  private measured = true;

  constructor(
    readonly doc: Y.Doc,
    private readonly caps: DocCaps,
  ) {}

  /** Applies `update` if the doc stays within its caps; a refused one leaves the doc as it was. */
  apply(update: Uint8Array): CappedApply {
    const { caps, doc } = this;
    if (update.length > caps.maxBytes) return refused('update-too-large');
    let structs: ReturnType<typeof Y.decodeUpdate>['structs'];
    let added: Uint8Array;
    try {
      structs = Y.decodeUpdate(update).structs;
      // Into an empty doc (a new post's, rebuilt) all of it is new: its own length bounds it.
      added =
        doc.store.clients.size === 0 ? update : Y.diffUpdate(update, Y.encodeStateVector(doc));
    } catch {
      // Yjs throws plain errors on bytes it cannot decode: the update is malformed.
      return refused('malformed-update');
    }
    if (!structs.every((s) => placeAllowed(s, caps))) return refused('unknown-field');
    const grew = structs.some(
      (s) => !(s instanceof Y.Skip) && s.id.clock + s.length > Y.getState(doc.store, s.id.client),
    );
    if (grew && this.grown >= caps.maxEntries) return refused('too-many-entries');
    if (grew && this.bytes + added.length > caps.maxBytes) {
      // The running bound may have drifted up (deleted content is collected): measure, once.
      if (!this.measured) this.bytes = Y.encodeStateAsUpdate(doc).length;
      this.measured = true;
      if (this.bytes + added.length > caps.maxBytes) return refused('state-too-large');
    }
    try {
      applyOwnerUpdate(doc, update);
    } catch (error) {
      if (error instanceof UpdateApplyError) return refused('malformed-update');
      throw error;
    }
    if (grew) {
      this.grown++;
      this.bytes += added.length;
      this.measured = false;
    }
    return { kind: 'applied', grew };
  }
}

/**
 * Whether a struct of an update lands where the schema allows: an item placed by name (no
 * origin) sits in the doc's root map under a known key. An item with an origin inherits its
 * place from that origin, which was checked when it arrived.
 */
function placeAllowed(struct: Y.Item | Y.GC | Y.Skip, caps: DocCaps): boolean {
  if (!(struct instanceof Y.Item) || typeof struct.parent !== 'string') return true;
  if (struct.parent !== caps.root) return false;
  if (caps.fields === 'any') return true;
  return struct.parentSub !== null && caps.fields.has(struct.parentSub);
}

function refused(reason: DocRefusal): CappedApply {
  return { kind: 'refused', reason };
}
