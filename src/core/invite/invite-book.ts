/**
 * What an inviter's device has issued, who used it, and what was revoked: the state behind the
 * answer to an accept. Plain data in and out (`entries`), so the app stores it as it likes.
 *
 * Decision order: an invitee already welcomed through the invite is welcomed again (its first
 * answer was lost, or it retried after a reload: the inviter already counts it a friend, so
 * accepting is idempotent); otherwise an unknown or revoked invite is `revoked`, an expired one
 * `expired`, and a single-use invite already used by someone else `used`.
 *
 * Expiry: the inviter may be offline when the invitee accepts, and the two meet later (design
 * section 5). So an accept made before the expiry (its signed `sentAt`) is honoured for
 * {@link ACCEPT_GRACE_MS} after it; an accept made later, or met later, is `expired`. A backdated
 * `sentAt` can stretch a link's life by the grace period at most.
 */
import type { PersonId } from '../ids.ts';
import type { InviteOutcome } from './invite-exchange.ts';

/** How long after its expiry an invite still honours an accept made before the expiry. */
export const ACCEPT_GRACE_MS = 7 * 24 * 3_600_000;

/** One issued invite, as stored. */
export interface IssuedInvite {
  /** `InviteChannel.inviteId`. */
  readonly inviteId: string;
  /** The one-time secret (to resubscribe to its topic after a reload). */
  readonly secret: Uint8Array;
  readonly expiresAt: number;
  readonly multiUse: boolean;
  readonly revoked: boolean;
  /** Who was welcomed through it, in order. */
  readonly usedBy: readonly PersonId[];
}

/** The inviter's record of issued invites. */
export class InviteBook {
  private readonly invites = new Map<string, IssuedInvite>();

  /** A book holding `entries` (as returned by {@link entries}). */
  constructor(entries: readonly IssuedInvite[] = []) {
    for (const entry of entries) this.invites.set(entry.inviteId, entry);
  }

  /** Records a newly issued invite. */
  issue(invite: Omit<IssuedInvite, 'revoked' | 'usedBy'>): void {
    if (this.invites.has(invite.inviteId)) throw new Error('invite issued twice');
    this.invites.set(invite.inviteId, { ...invite, revoked: false, usedBy: [] });
  }

  /** Revokes an invite; false when the book does not know it. */
  revoke(inviteId: string): boolean {
    const invite = this.invites.get(inviteId);
    if (!invite) return false;
    this.invites.set(inviteId, { ...invite, revoked: true });
    return true;
  }

  /** One invite's record. */
  get(inviteId: string): IssuedInvite | undefined {
    return this.invites.get(inviteId);
  }

  /** Invites still worth listening for at `now` (not revoked, not expired, not used up). */
  open(now: number): IssuedInvite[] {
    return [...this.invites.values()].filter(
      (i) => !i.revoked && now <= i.expiresAt && (i.multiUse || i.usedBy.length === 0),
    );
  }

  /**
   * The answer `decide` would give to an accept made at `sentAt` (default `now`), without
   * recording anything.
   */
  peek(inviteId: string, invitee: PersonId, now: number, sentAt = now): InviteOutcome {
    const invite = this.invites.get(inviteId);
    if (invite?.usedBy.includes(invitee)) return 'welcome';
    if (!invite || invite.revoked) return 'revoked';
    if (sentAt > invite.expiresAt || now > invite.expiresAt + ACCEPT_GRACE_MS) return 'expired';
    if (!invite.multiUse && invite.usedBy.length > 0) return 'used';
    return 'welcome';
  }

  /**
   * Decides the answer to `invitee` accepting `inviteId` (the accept made at `sentAt`) at
   * `now`, and records a welcome as a use. Pure apart from that record.
   */
  decide(inviteId: string, invitee: PersonId, now: number, sentAt = now): InviteOutcome {
    const outcome = this.peek(inviteId, invitee, now, sentAt);
    const invite = this.invites.get(inviteId);
    if (outcome === 'welcome' && invite && !invite.usedBy.includes(invitee)) {
      this.invites.set(inviteId, { ...invite, usedBy: [...invite.usedBy, invitee] });
    }
    return outcome;
  }

  /** Every record, for storage. */
  entries(): IssuedInvite[] {
    return [...this.invites.values()];
  }
}
