import { describe, expect, it } from 'vitest';
import { isInstalled, isIosSafariTab, type BrowserFacts } from './install-platform.ts';

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const IPHONE_CHROME =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1';
const IPAD_SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const ANDROID_CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';

const facts = (over: Partial<BrowserFacts>): BrowserFacts => ({
  userAgent: IPHONE_SAFARI,
  platform: 'iPhone',
  maxTouchPoints: 5,
  standalone: false,
  displayStandalone: false,
  ...over,
});

describe('install platform', () => {
  it('offers the Home Screen steps in Safari tabs on iPhone and iPad', () => {
    expect(isIosSafariTab(facts({}))).toBe(true);
    expect(isIosSafariTab(facts({ userAgent: IPAD_SAFARI, platform: 'MacIntel' }))).toBe(true);
  });

  it('does not once Kith runs from the Home Screen', () => {
    expect(isIosSafariTab(facts({ standalone: true }))).toBe(false);
    expect(isIosSafariTab(facts({ displayStandalone: true }))).toBe(false);
    expect(isInstalled(facts({ standalone: true }))).toBe(true);
  });

  it('does not in other browsers or on a Mac without touch', () => {
    expect(isIosSafariTab(facts({ userAgent: IPHONE_CHROME }))).toBe(false);
    expect(isIosSafariTab(facts({ userAgent: ANDROID_CHROME, platform: 'Linux armv8l' }))).toBe(
      false,
    );
    expect(
      isIosSafariTab(facts({ userAgent: IPAD_SAFARI, platform: 'MacIntel', maxTouchPoints: 0 })),
    ).toBe(false);
    expect(isInstalled(facts({}))).toBe(false);
  });
});
