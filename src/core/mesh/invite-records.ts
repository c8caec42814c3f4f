/**
 * What this person's devices remember of invites, in the store's settings so that any tab can
 * issue or accept one and a reload loses nothing: the invites issued (the inviter's book), and
 * the acceptances still waiting for an answer (design section 5: "nothing the invitee did is
 * lost meanwhile").
 */
import type { PersonId } from '../ids.ts';
import type { IssuedInvite } from '../invite/invite-book.ts';
import type { InviteOutcome } from '../invite/invite-exchange.ts';
import type { SettingsStore } from '../store/storage-adapter.ts';

/** An invite this person accepted, and where it stands. */
export interface AcceptanceRecord {
  /** The invite's payload text (what follows `#invite=`). */
  readonly payload: string;
  readonly inviter: PersonId;
  /** The signed accept and the pairwise secret, kept until answered (see `invite-exchange.ts`). */
  readonly accept: Uint8Array;
  readonly pairwiseSecret: Uint8Array;
  readonly startedAt: number;
  /** The inviter's answer, once it came. */
  readonly outcome?: InviteOutcome;
}

const ISSUED = 'mesh/invites-issued';
const ACCEPTED = 'mesh/invites-accepted';

/** Reads and writes the invite records of one store. */
export class InviteRecords {
  constructor(private readonly store: SettingsStore) {}

  /** The invites issued here (the inviter's book). */
  async issued(): Promise<IssuedInvite[]> {
    const saved = await this.store.getSetting(ISSUED);
    return Array.isArray(saved) ? (saved as IssuedInvite[]) : [];
  }

  /** Replaces the issued invites. */
  saveIssued(invites: readonly IssuedInvite[]): Promise<void> {
    return this.store.setSetting(
      ISSUED,
      invites.map((i) => ({ ...i })),
    );
  }

  /** The invites accepted here, answered or not. */
  async accepted(): Promise<AcceptanceRecord[]> {
    const saved = await this.store.getSetting(ACCEPTED);
    return Array.isArray(saved) ? (saved as AcceptanceRecord[]) : [];
  }

  /** Adds or replaces (same inviter and payload) an acceptance. */
  async saveAcceptance(record: AcceptanceRecord): Promise<void> {
    const others = (await this.accepted()).filter((a) => a.payload !== record.payload);
    await this.store.setSetting(ACCEPTED, [...others, { ...record }]);
  }
}
