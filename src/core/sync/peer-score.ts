/**
 * What a sync session holds against its peer: entries and blobs refused by reason, and the two
 * counts that disconnect it. Only what no honest relay forwards counts as invalid (every relay
 * verified what it stored); a validly signed entry that does not chain is its author's doing and
 * is refused without blaming the peer that carried it, and so is a revoked device's entry (a
 * relay keeps what it accepted before the revocation reached it).
 */
import type { SessionCloseReason, SyncConfig } from './sync-session.ts';

/** Refusals of one peer, and whether it has sent too much of what it should not. */
export class PeerScore {
  /** Refused entries and blobs by reason (`bad-signature`, `push-over-allowance` ...). */
  readonly rejections: Record<string, number> = {};
  /** Forged, tampered or malformed entries and blobs. */
  invalid = 0;
  /** Entries of authors not replicated here. */
  unwanted = 0;

  constructor(
    private readonly config: Pick<SyncConfig, 'maxInvalidEntries' | 'maxUnwantedEntries'>,
  ) {}

  /** Counts a refusal that does not count against the peer. */
  reject(reason: string): void {
    this.rejections[reason] = (this.rejections[reason] ?? 0) + 1;
  }

  /** Counts something no honest relay forwards. */
  rejectInvalid(reason: string): void {
    this.reject(reason);
    this.invalid++;
  }

  /** Counts an entry of an author not replicated here. */
  rejectUnwanted(): void {
    this.reject('unwanted-author');
    this.unwanted++;
  }

  /** Why the peer must be disconnected now, if it must. */
  verdict(): { reason: SessionCloseReason; detail: string } | undefined {
    if (this.invalid > this.config.maxInvalidEntries) {
      return { reason: 'too-many-invalid-entries', detail: `${this.invalid} invalid entries` };
    }
    if (this.unwanted > this.config.maxUnwantedEntries) {
      return { reason: 'too-many-unwanted-entries', detail: `${this.unwanted} unwanted entries` };
    }
    return undefined;
  }
}
