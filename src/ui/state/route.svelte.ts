/**
 * Screens are named in the URL's fragment (`#/friends`), so the back button and reloads work
 * with no server routes. Invite links use the fragment too (`#invite=...`); they are read by the
 * invite flow, not here.
 */
import { settingsSection, type SettingsSection } from './settings-sections.ts';

/** The screens of the app. */
export type Screen =
  | { readonly name: 'home' }
  | { readonly name: 'friends' }
  | { readonly name: 'notifications' }
  /** Settings, at one of its sections (a jump from its index), if given. */
  | { readonly name: 'settings'; readonly section?: SettingsSection }
  | { readonly name: 'messages' }
  /** One conversation, by its key (`<starter>/<id>`). */
  | { readonly name: 'conversation'; readonly conversation: string }
  | { readonly name: 'profile'; readonly person: string }
  /** Search, with what was typed (kept in the address, so Back from a result returns to it). */
  | { readonly name: 'search'; readonly query: string }
  /** One post (`author/postId`), brought into view at one of its comments (`item`), if given. */
  | { readonly name: 'post'; readonly post: string; readonly item?: string };

/** Each screen's name as the page's title and a back link say it. */
export const SCREEN_TITLES: Record<Screen['name'], string> = {
  home: 'Home',
  friends: 'Friends',
  notifications: 'Notifications',
  settings: 'Settings',
  profile: 'Profile',
  post: 'Post',
  search: 'Search',
  messages: 'Messages',
  conversation: 'Conversation',
};

/**
 * Where a screen reached from `previous` leads back to, and what its link says: the screen
 * before, else Home (a screen opened first, from a notification or a shared link, has no
 * before in the app, and a phone's installed app may show no browser Back). A profile is named
 * by its person (`nameOf`, `null` for an id that names no one); another post or a conversation
 * leads Home.
 */
export function backLink(
  previous: Screen | null,
  nameOf: (person: string) => string | null,
): { readonly href: string; readonly label: string } {
  if (!previous || previous.name === 'post' || previous.name === 'conversation') {
    return { href: screenHref({ name: 'home' }), label: SCREEN_TITLES.home };
  }
  const name = previous.name === 'profile' ? nameOf(previous.person) : null;
  return {
    href: screenHref(previous),
    label: name === null ? SCREEN_TITLES[previous.name] : `${name}’s profile`,
  };
}

/** Parses a fragment into a screen; anything unknown is home. */
export function parseScreen(hash: string): Screen {
  const path = hash.replace(/^#\/?/, '');
  const [first, second] = path.split('/');
  if (first === 'friends' || first === 'notifications' || first === 'messages') {
    return { name: first };
  }
  if (first === 'settings') {
    const section = settingsSection(second ?? '');
    return section ? { name: 'settings', section } : { name: 'settings' };
  }
  if (first === 'search') return { name: 'search', query: decodedQuery(second ?? '') };
  if (first === 'conversation' && second) {
    const rest = path.split('/')[2];
    if (rest) return { name: 'conversation', conversation: `${second}/${rest}` };
  }
  if (first === 'profile' && second) return { name: 'profile', person: decodeURIComponent(second) };
  if (first === 'post' && second) {
    const item = path.split('/')[2];
    return item
      ? { name: 'post', post: decodeURIComponent(second), item: decodeURIComponent(item) }
      : { name: 'post', post: decodeURIComponent(second) };
  }
  return { name: 'home' };
}

/** A query from the address; a damaged one (a lone `%`) is read as typed. */
function decodedQuery(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The fragment of a screen. */
export function screenHref(screen: Screen): string {
  switch (screen.name) {
    case 'profile':
      return `#/profile/${encodeURIComponent(screen.person)}`;
    case 'post':
      return `#/post/${encodeURIComponent(screen.post)}${
        screen.item ? `/${encodeURIComponent(screen.item)}` : ''
      }`;
    case 'search':
      return screen.query ? `#/search/${encodeURIComponent(screen.query)}` : '#/search';
    case 'conversation':
      return `#/conversation/${screen.conversation
        .split('/')
        .map((part) => encodeURIComponent(part))
        .join('/')}`;
    case 'settings':
      return screen.section ? `#/settings/${screen.section}` : '#/settings';
    case 'home':
      return '#/';
    default:
      return `#/${screen.name}`;
  }
}

/** The fragment of an address (`#...`), or '' when it has none. */
function hashOf(address: string): string {
  const at = address.indexOf('#');
  return at < 0 ? '' : address.slice(at);
}

/** The current screen, following the fragment. */
export class Route {
  current = $state<Screen>(parseScreen(location.hash));
  /** The screen shown before this one in this tab, if any (`backLink`). */
  previous = $state<Screen | null>(null);

  constructor() {
    window.addEventListener('hashchange', (event) => {
      // Read from the address left, not `current`: a screen may have rewritten its own address
      // without a change event (Search keeps what is typed there).
      this.previous = parseScreen(hashOf(event.oldURL));
      this.current = parseScreen(location.hash);
    });
  }
}
