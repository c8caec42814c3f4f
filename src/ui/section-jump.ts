/**
 * Moves focus to `heading`, as a change of screen does (`Kith.svelte`): a screen reader says
 * where one landed, and Tab goes on from there. The heading becomes focusable by script only
 * (`tabindex="-1"`), so Tab never stops on it. `scroll` says what comes into view first: the
 * heading at the top of the screen, the page's top (a form closed above the heading), or
 * nothing (the screen is placed already).
 */
export function focusHeading(
  heading: HTMLElement,
  scroll: 'heading' | 'page' | 'none' = 'none',
): void {
  if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
  if (scroll === 'heading') heading.scrollIntoView({ block: 'start' });
  else if (scroll === 'page') window.scrollTo({ top: 0 });
  heading.focus({ preventScroll: true });
}

/** How long a change of screen looks for the new screen's heading to move focus to. */
export const SCREEN_WAIT_MS = 10_000;

/** What a change of screen finds on the page so far. */
export interface ScreenSoFar {
  /** Whether a section of the screen was asked for (`#/settings/account`). */
  readonly section: boolean;
  /** Whether that section's heading is there. */
  readonly landing: boolean;
  /** Whether the screen's box to type into (`data-first-focus`) is there. */
  readonly box: boolean;
  /** Whether the screen's own heading (`h1`) is there. */
  readonly heading: boolean;
  /** Since the change, in ms. */
  readonly waitedMs: number;
}

/**
 * Where focus goes on a change of screen, or whether to look again next frame. A section renders
 * with its screen: one not there once the screen is, this device does not show (no account key
 * here), and the screen's top is where one lands. A screen's code may take seconds to load on a
 * slow phone, so its heading is looked for up to {@link SCREEN_WAIT_MS} (a second, as before,
 * left focus in the navigation on a busy machine).
 */
export function focusTarget(
  seen: ScreenSoFar,
): 'landing' | 'box' | 'heading' | 'look-again' | 'give-up' {
  if (seen.landing) return 'landing';
  if (!seen.section && seen.box) return 'box';
  if (seen.heading) return 'heading';
  return seen.waitedMs < SCREEN_WAIT_MS ? 'look-again' : 'give-up';
}
