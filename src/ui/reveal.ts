/**
 * Brings what a tap just opened into view, once it is drawn, when it opened below the screen's
 * edge or under a phone's navigation (an invite's QR code, a comment's options, the composer's
 * Post once photos show). The element carries `data-reveal`, whose scroll margin (app.css) keeps
 * it clear of that navigation; one already on screen does not move.
 */
import { tick } from 'svelte';

/** `find` is asked after the change is drawn: the element it names may not exist before. */
export async function reveal(find: () => Element | null | undefined): Promise<void> {
  await tick();
  find()?.scrollIntoView({ block: 'nearest' });
}
