/**
 * Whether the app tells the person that this device's certificate nears its end (issue 20): only
 * on a device that cannot renew it itself (it does not hold the identity key); the device that
 * does renews every certificate by itself, and nothing is shown there.
 */
import type { CertificateStatus } from '../../core/peer/device-authority.ts';
import { RENEW_BEFORE_MS } from '../../core/identity/renewal-windows.ts';

/** What the notice says, or `null` when there is none to show. */
export interface CertificateNotice {
  /** The last time the certificate covers, ms since epoch. */
  readonly expiresAt: number;
  /** Whether that time has passed already (the device can no longer post). */
  readonly expired: boolean;
}

/** The notice for `status` at `now`. */
export function certificateNotice(
  status: CertificateStatus | null,
  now: number,
): CertificateNotice | null {
  if (!status || !status.expiringSoon || status.canRenew) return null;
  return { expiresAt: status.expiresAt, expired: status.expiresAt <= now };
}

/**
 * Whether the list of one's devices says when a device's permission to post ends: only once the
 * main device should have renewed it (it renews with fewer than 60 days left while online), so
 * an end that comes with nothing to do is not said.
 */
export function renewalDue(expiresAt: number, now: number): boolean {
  return expiresAt - now < RENEW_BEFORE_MS;
}
