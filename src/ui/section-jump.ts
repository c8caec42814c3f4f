/**
 * Brings the section whose heading has id `id` to the top of the screen and moves focus to that
 * heading, as a change of screen does (`Kith.svelte`): a screen reader says where one landed, and
 * Tab goes on from there. Settings' index and its links between sections use it.
 */
export function jumpToSection(id: string): void {
  const heading = document.getElementById(id);
  if (!heading) return;
  if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
  heading.scrollIntoView({ block: 'start' });
  heading.focus({ preventScroll: true });
}
