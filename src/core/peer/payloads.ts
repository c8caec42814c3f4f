/**
 * Opening an entry's payload into the Yjs update it carries, with the keys of one device: which
 * key a doc needs is its kind's to say (`kinds/`). A payload this device cannot open yet names
 * the key it waits for, so it can be retried when that key arrives.
 */
import type { SymmetricKey } from '../crypto/aead.ts';
import type { Entry } from '../feed/entry-codec.ts';
import type { PersonId } from '../ids.ts';
import type { KeyPort, Opened, OpenPort } from '../kinds/kind.ts';
import { openEntry, type ParsedDocRef } from '../kinds/registry.ts';

/** Opens payloads of entries with the keys of one device. */
export class PayloadOpener {
  private readonly port: OpenPort;

  /** `selfKey` gives the current generation's self key (it moves when a device is removed). */
  constructor(keys: KeyPort, me: PersonId, selfKey: () => SymmetricKey) {
    this.port = {
      me,
      keys,
      get selfKey() {
        return selfKey();
      },
    };
  }

  /**
   * Opens the payload of a verified entry of doc `ref` (a tagged one once its tag is known);
   * `keys` in place of the device's own (a batch's, which keeps the keys it learns with its views).
   */
  open(entry: Entry, ref: ParsedDocRef, keys?: KeyPort): Promise<Opened> {
    if (!keys) return openEntry(entry, ref, this.port);
    const port = this.port;
    return openEntry(entry, ref, {
      me: port.me,
      keys,
      get selfKey() {
        return port.selfKey;
      },
    });
  }
}
