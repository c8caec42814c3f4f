import { describe, expect, it } from 'vitest';
import { certificateNotice, renewalDue } from './certificate-notice.ts';

const NOW = 1_750_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

describe('the certificate notice', () => {
  it('shows on a device that cannot renew, once the end is near, and says when it passed', () => {
    const soon = { expiresAt: NOW + 3 * DAY, canRenew: false, expiringSoon: true };
    expect(certificateNotice(soon, NOW)).toEqual({ expiresAt: NOW + 3 * DAY, expired: false });
    expect(certificateNotice(soon, NOW + 4 * DAY)?.expired).toBe(true);
  });

  it('never shows on the device that renews by itself, nor far from the end', () => {
    expect(
      certificateNotice({ expiresAt: NOW + DAY, canRenew: true, expiringSoon: true }, NOW),
    ).toBeNull();
    expect(
      certificateNotice({ expiresAt: NOW + 90 * DAY, canRenew: false, expiringSoon: false }, NOW),
    ).toBeNull();
    expect(certificateNotice(null, NOW)).toBeNull();
  });
});

describe("a device's renewal in the list of devices", () => {
  it('is said only once the main device should have renewed it', () => {
    expect(renewalDue(NOW + 300 * DAY, NOW)).toBe(false);
    expect(renewalDue(NOW + 61 * DAY, NOW)).toBe(false);
    expect(renewalDue(NOW + 59 * DAY, NOW)).toBe(true);
    expect(renewalDue(NOW - DAY, NOW)).toBe(true);
  });
});
