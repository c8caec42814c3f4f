/**
 * When device certificates are renewed and when their end is reported. A module of its own, with
 * no imports, so the screens that say when a permission ends (Settings' devices, the banner of the
 * first screen) read these figures without loading the device authority.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** The identity device renews a certificate once fewer than 60 days of it remain. */
export const RENEW_BEFORE_MS = 60 * DAY_MS;
/** A certificate with fewer than 14 days left is reported (`status().expiringSoon`). */
export const WARN_BEFORE_MS = 14 * DAY_MS;
/** How often a running identity device looks for certificates to renew. */
export const RENEW_CHECK_INTERVAL_MS = DAY_MS;
