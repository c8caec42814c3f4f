/**
 * A doc only the person's own devices read (the friend list, device names, lists of friends):
 * one per person, named by its kind alone, any key in its one map, sealed under the self key in
 * their own logs, so only entries signed by one of their certified, unrevoked devices are taken.
 * A plain one is refused rather than shown, and another person's is never opened.
 */
import { parseDocId } from '../ids.ts';
import { expectFields, type DocKind } from './kind.ts';
import { openedWith, openEncrypted, sealedUnder, unreadable } from './payload.ts';

/** What sets one such kind apart from the others. */
export interface OwnDevicesDocSpec<K extends string> {
  readonly kind: K;
  /** The doc's name in the refusals ("plain friend list"). */
  readonly what: string;
  /** The map's name, the doc's one root. */
  readonly root: string;
  readonly maxBytes: number;
  readonly maxEntries: number;
  /** As `DocKind.writes`. */
  readonly writes?: 'change';
  /** Views from the doc; none when it is read where it is used. */
  readonly view?: DocKind<{ readonly kind: K }>['view'];
}

/** The kind `spec` describes (module doc). */
export function ownDevicesDoc<K extends string>(
  spec: OwnDevicesDocSpec<K>,
): DocKind<{ readonly kind: K }> {
  const { kind, what } = spec;
  const docId = parseDocId(kind);
  return {
    kind,
    shape: 'doc',
    rank: 1,
    caps: { maxBytes: spec.maxBytes, maxEntries: spec.maxEntries, root: spec.root, fields: 'any' },
    ...(spec.writes ? { writes: spec.writes } : {}),
    format: () => docId,
    parse(fields) {
      expectFields(kind, fields, 0);
      return { kind };
    },
    seal: (_ref, _doc, update, port) => sealedUnder(port.selfKey, port.me, docId, update),
    async open(entry, _ref, port) {
      if (entry.payloadKind !== 'encrypted') return unreadable(`plain ${what}`);
      return openEncrypted(entry, async (payload) => {
        if (entry.author !== port.me) return unreadable(`another person’s ${what}`);
        return openedWith(payload, port.selfKey, entry);
      });
    },
    view: spec.view ?? (async () => undefined),
  };
}
