/**
 * Whose options (a post's or a comment's "⋯") are open. One at a time on the whole screen, as a
 * menu's would be: on a phone, a second "⋯" tapped while the first is open means "these
 * instead", and two open sets of Edit and Delete side by side invite a tap on the wrong one.
 */
let openId = $state<string | null>(null);

export const openOptions = {
  /** Whether the options with this element id are open. */
  isOpen(id: string): boolean {
    return openId === id;
  },
  /** Opens these options (closing any others), or closes them if they are open. */
  toggle(id: string): void {
    openId = openId === id ? null : id;
  },
  /** Closes these options if they are the open ones. */
  close(id: string): void {
    if (openId === id) openId = null;
  },
};
