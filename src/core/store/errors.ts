/**
 * Typed errors of the storage layer. The UI tells the person about `StorageQuotaError` and
 * `StoreVersionError`; the others point at a bug in a caller or at a damaged database.
 */

/** Base class of every error the store throws on purpose. */
export class StoreError extends Error {
  override readonly name: string = 'StoreError';
}

/** The browser refused a write because the origin's storage quota is full; nothing was written. */
export class StorageQuotaError extends StoreError {
  override readonly name = 'StorageQuotaError';

  constructor(options?: { cause?: unknown }) {
    super('storage is full: the write was refused and nothing of it was kept', options);
  }
}

/** The database on disk was written by a newer Kith than this one; it was left untouched. */
export class StoreVersionError extends StoreError {
  override readonly name = 'StoreVersionError';
  /** The schema version this code knows. */
  readonly knownVersion: number;

  constructor(knownVersion: number, options?: { cause?: unknown }) {
    super(
      `the stored data needs a newer version of Kith (this one knows schema ${knownVersion})`,
      options,
    );
    this.knownVersion = knownVersion;
  }
}

/** The store was closed (by `close()` or because another tab upgrades the database). */
export class StoreClosedError extends StoreError {
  override readonly name = 'StoreClosedError';

  constructor() {
    super('the store is closed');
  }
}

/** A caller passed a value the store cannot hold (a bug in our own code, not a peer's fault). */
export class StoreInputError extends StoreError {
  override readonly name = 'StoreInputError';
}

/**
 * `putEntries` met an entry whose (author, device, seq) is already held with another hash.
 * The feed layer must turn that into fork evidence before storing; the batch was not written.
 */
export class EntryConflictError extends StoreError {
  override readonly name = 'EntryConflictError';
  /** Where the two entries collide. */
  readonly at: { readonly author: string; readonly device: string; readonly seq: number };

  constructor(at: { author: string; device: string; seq: number }) {
    super(`entry ${at.author}/${at.device}#${at.seq} is already held with another hash`);
    this.at = at;
  }
}

/** A record read back from the database does not have the shape the store wrote. */
export class StoreCorruptError extends StoreError {
  override readonly name = 'StoreCorruptError';
}
