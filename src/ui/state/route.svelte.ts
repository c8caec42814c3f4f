/**
 * Screens are named in the URL's fragment (`#/friends`), so the back button and reloads work
 * with no server routes. Invite links use the fragment too (`#invite=...`); they are read by the
 * invite flow, not here.
 */

/** The screens of the app. */
export type Screen =
  | { readonly name: 'home' }
  | { readonly name: 'friends' }
  | { readonly name: 'notifications' }
  | { readonly name: 'settings' }
  | { readonly name: 'profile'; readonly person: string };

/** Parses a fragment into a screen; anything unknown is home. */
export function parseScreen(hash: string): Screen {
  const path = hash.replace(/^#\/?/, '');
  const [first, second] = path.split('/');
  if (first === 'friends' || first === 'notifications' || first === 'settings')
    return { name: first };
  if (first === 'profile' && second) return { name: 'profile', person: decodeURIComponent(second) };
  return { name: 'home' };
}

/** The fragment of a screen. */
export function screenHref(screen: Screen): string {
  return screen.name === 'profile'
    ? `#/profile/${encodeURIComponent(screen.person)}`
    : screen.name === 'home'
      ? '#/'
      : `#/${screen.name}`;
}

/** The current screen, following the fragment. */
export class Route {
  current = $state<Screen>(parseScreen(location.hash));

  constructor() {
    addEventListener('hashchange', () => {
      this.current = parseScreen(location.hash);
    });
  }
}
