import { describe, expect, it } from 'vitest';
import { SCREEN_WAIT_MS, focusTarget, type ScreenSoFar } from './section-jump.ts';

const nothingYet: ScreenSoFar = {
  section: false,
  landing: false,
  box: false,
  heading: false,
  waitedMs: 0,
};

describe('where focus lands on a change of screen', () => {
  it("lands on the screen's heading, or its box to type into", () => {
    expect(focusTarget({ ...nothingYet, heading: true })).toBe('heading');
    expect(focusTarget({ ...nothingYet, heading: true, box: true })).toBe('box');
  });

  it("lands on a section asked for, else on the screen's top once the screen is there", () => {
    const asked = { ...nothingYet, section: true };
    expect(focusTarget({ ...asked, landing: true, heading: true, box: true })).toBe('landing');
    // Settings without the account key: no "Keep your account" section on this device.
    expect(focusTarget({ ...asked, heading: true, box: true })).toBe('heading');
  });

  it('waits seconds for a screen whose code loads slowly, then gives up', () => {
    expect(focusTarget({ ...nothingYet, section: true, waitedMs: 2_000 })).toBe('look-again');
    expect(focusTarget({ ...nothingYet, waitedMs: SCREEN_WAIT_MS - 1 })).toBe('look-again');
    expect(focusTarget({ ...nothingYet, waitedMs: SCREEN_WAIT_MS })).toBe('give-up');
  });
});
