/**
 * The colour scheme a person picked: light, dark, or the system's (the default). The choice is
 * this device's (localStorage), applied as `data-theme` on the root element, which app.css reads
 * before the system's `prefers-color-scheme`.
 */

/** The choices, as Settings offers them. */
export type Theme = 'system' | 'light' | 'dark';

/** Where the choice is kept. */
export const THEME_KEY = 'kith:theme';

/** The saved choice; anything unknown is the system's. */
export function savedTheme(storage: Pick<Storage, 'getItem'> = localStorage): Theme {
  const value = storage.getItem(THEME_KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** Shows `theme` on `root` (the document's element). */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

/** Saves and shows `theme`. */
export function chooseTheme(
  theme: Theme,
  storage: Pick<Storage, 'setItem' | 'removeItem'> = localStorage,
  root: HTMLElement = document.documentElement,
): void {
  if (theme === 'system') storage.removeItem(THEME_KEY);
  else storage.setItem(THEME_KEY, theme);
  applyTheme(theme, root);
}
