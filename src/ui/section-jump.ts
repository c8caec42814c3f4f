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
