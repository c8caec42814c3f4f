/**
 * A horizontal swipe in the photo viewer: which way it moves between photos. A swipe is a
 * pointer moved at least `SWIPE_MIN` px sideways and more sideways than up or down (a vertical
 * drag scrolls or dismisses, it does not turn the page).
 */

/** The least sideways movement, in CSS px, that counts as a swipe. */
export const SWIPE_MIN = 40;

/** -1 (to the previous photo: a swipe to the right), 1 (the next), or 0 (no swipe). */
export function swipeStep(dx: number, dy: number): -1 | 0 | 1 {
  if (Math.abs(dx) < SWIPE_MIN || Math.abs(dx) <= Math.abs(dy)) return 0;
  return dx < 0 ? 1 : -1;
}

/** The photo `step` away from `index` among `count`, staying within the first and the last. */
export function stepPhoto(index: number, step: number, count: number): number {
  return Math.min(Math.max(index + step, 0), Math.max(count - 1, 0));
}
