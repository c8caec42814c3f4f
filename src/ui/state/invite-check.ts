/**
 * Reads an invite link as soon as it is opened, before the person makes an account: a damaged,
 * changed or expired link is said at once, and a good one names the inviter. Whether the invite
 * was withdrawn or already used only the inviter's device knows; that answer comes later.
 */
import { systemClock, type Clock } from '../../core/clock.ts';
import { decodeInvite } from '../../core/invite/invite-codec.ts';
import { defaultVerifier } from '../../core/identity/verifier.ts';
import type { Ed25519Verifier } from '../../core/identity/verifier.ts';
import { describeError } from './errors.ts';

/** What the link says, or why it cannot be used, in words for a person. */
export type InviteCheck =
  | { readonly ok: true; readonly inviterName: string | null }
  | { readonly ok: false; readonly problem: string };

/** Decodes and verifies `link` now; never throws. */
export async function checkInvite(
  link: string,
  clock: Clock = systemClock,
  verifier: Ed25519Verifier = defaultVerifier,
): Promise<InviteCheck> {
  try {
    const invite = await decodeInvite(link, clock, verifier);
    return { ok: true, inviterName: invite.inviterName };
  } catch (error) {
    return { ok: false, problem: describeError(error) };
  }
}
