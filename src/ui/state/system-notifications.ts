/**
 * System notifications: while the app is open but hidden (another tab or app in front) and the
 * person turned them on, each new notification (a comment or reaction on their post, a friend
 * who accepted, a mention) is also shown by the system through the Notification API.
 *
 * The decision is pure ({@link pickAnnouncements}): which of the newest notifications have not
 * been seen yet, remembered by id in localStorage so that a reload, a second tab or a page
 * that was visible when an item arrived never announces it (again). The rest is the browser's:
 * permission is asked only from a click ({@link SystemNotifications.enable}), and a
 * notification is shown through the service worker's registration when there is one (the only
 * way on Android, where `new Notification` throws), else with `new Notification`.
 */
import type { PersonId } from '../../core/ids.ts';
import type { NotificationView } from '../../core/store/storage-adapter.ts';
import { createLogger } from '../../core/log.ts';
import { NOTIFICATIONS_HREF, type NotificationData } from './notification-data.ts';
import { notificationAbout, notificationFrom, notificationHref } from './notification-target.ts';
import { ALL_ON, notifies } from './notification-choices.ts';

const log = createLogger('kith:system-notifications');

/** Ids remembered as seen; the newest page read is far smaller, so none of it is forgotten. */
export const MAX_REMEMBERED = 200;
/** More new items than this at once are announced as one summary, not a burst. */
export const MAX_AT_ONCE = 3;
/** How many of the newest notifications each check reads. */
export const CHECK_PAGE = 50;

/** What is remembered between checks, reloads and tabs: the ids already seen, newest first. */
export interface SeenMemory {
  readonly seen: readonly string[];
}

/** What one check decided. */
export interface Decision {
  /** Items to announce now, newest first. */
  readonly announce: readonly NotificationView[];
  /** The memory to store. */
  readonly memory: SeenMemory;
}

/**
 * Decides which of `items` (the newest notifications) to announce. Nothing is announced when
 * there is no memory yet (just turned on: what exists is old news) or while the page is
 * visible (the person sees the app); every item read is remembered either way, so it is never
 * announced later. Read items, and items `wanted` refuses (a kind turned off for system
 * notifications, someone muted, a kind Kith does not know), are never announced.
 */
export function pickAnnouncements(
  items: readonly NotificationView[],
  memory: SeenMemory | null,
  hidden: boolean,
  wanted: (item: NotificationView) => boolean = wantedByDefault,
): Decision {
  const seen = new Set(memory?.seen ?? []);
  const fresh = items.filter((item) => !seen.has(item.id));
  const announce = memory && hidden ? fresh.filter((item) => !item.read && wanted(item)) : [];
  const ids = [...new Set([...fresh.map((item) => item.id), ...(memory?.seen ?? [])])];
  return { announce, memory: { seen: ids.slice(0, MAX_REMEMBERED) } };
}

/** Every known kind, from anyone: what a person who never chose otherwise gets. */
function wantedByDefault(item: NotificationView): boolean {
  return notifies(item, 'system', ALL_ON, new Set());
}

/** Reads remembered ids back from storage (untrusted: anything else there is no memory). */
export function parseMemory(raw: string | null): SeenMemory | null {
  if (raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  if (typeof value !== 'object' || value === null) return null;
  const seen = (value as { seen?: unknown }).seen;
  if (!Array.isArray(seen)) return null;
  return {
    seen: seen
      .filter((id): id is string => typeof id === 'string' && id.length <= 300)
      .slice(0, MAX_REMEMBERED),
  };
}

/**
 * One notification in words, with `who` as the name of the person it is from and `about` as the
 * name of the third person an introduction concerns.
 */
export function describeNotification(n: NotificationView, who: string, about = 'someone'): string {
  const s = n.summary as { text?: unknown; value?: unknown };
  const text = typeof s.text === 'string' ? s.text : '';
  const value = typeof s.value === 'string' ? s.value : '';
  if (n.kind === 'comment') return `${who} commented on your post: “${text}”`;
  if (n.kind === 'reaction') return `${who} reacted to your post (${value})`;
  if (n.kind === 'friend') return `${who} is now your friend`;
  if (n.kind === 'message') return `${who} sent you a message: “${text}”`;
  if (n.kind === 'introduction') {
    switch ((n.summary as { step?: unknown }).step) {
      case 'ask':
        return `${who} asks you to introduce them to ${about}`;
      case 'offer':
        return `${who} wants to introduce you to ${about}`;
      case 'declined':
        return `${who} did not introduce you to ${about}`;
      case 'answered':
        return `${about} answered your introduction, through ${who}`;
    }
  }
  if (n.kind === 'mention') {
    const where = (n.summary as { in?: unknown }).in === 'comment' ? 'a comment' : 'a post';
    return `${who} mentioned you in ${where}: “${text}”`;
  }
  return `${who}: ${n.kind}`;
}

/**
 * Where system notifications stand: `unsupported` (no Notification API), `blocked` (the
 * browser or the person denied them: only the browser's site settings can undo it), `off`
 * (allowed or not asked yet, but not turned on here) or `on`.
 */
export type SystemNotificationState = 'unsupported' | 'blocked' | 'off' | 'on';

/** What the module needs of the browser; tests pass their own. */
export interface NotificationEnv {
  /** The Notification API, or undefined where there is none. */
  readonly Notification?: {
    readonly permission: NotificationPermission;
    requestPermission(): Promise<NotificationPermission>;
    new (title: string, options?: NotificationOptions): Notification;
  };
  readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  /** Whether the page is hidden now. */
  hidden(): boolean;
  /** The service worker registration, when the app has one. */
  registration(): Promise<Pick<ServiceWorkerRegistration, 'showNotification'> | undefined>;
}

/** The browser's own, where it has them. */
export function browserEnv(): NotificationEnv {
  return {
    Notification: typeof Notification === 'undefined' ? undefined : Notification,
    storage: localStorage,
    hidden: () => document.visibilityState === 'hidden',
    registration: async () =>
      'serviceWorker' in navigator ? navigator.serviceWorker.getRegistration() : undefined,
  };
}

const SWITCH_KEY = 'kith:system-notifications';
const MEMORY_KEY = 'kith:system-notifications:seen';

/** What {@link SystemNotifications} reads from the app. */
export interface SystemNotificationDeps {
  /** The newest notifications, newest first (empty before anyone has onboarded). */
  list(limit: number): Promise<readonly NotificationView[]>;
  /** A person's name, if known. */
  name(person: PersonId): Promise<string | null>;
  /** Whether the person wants `item` as a system notification (default: every known kind). */
  wanted?(item: NotificationView): boolean;
  /** Where the browser's pieces come from (default: this page's). */
  readonly env?: NotificationEnv;
}

/** Turns system notifications on and off, and shows them for new notifications. */
export class SystemNotifications {
  private running: Promise<void> | null = null;
  private again = false;
  private envCache: NotificationEnv | null = null;

  /** Created once per page; nothing is read or asked until it is used. */
  constructor(private readonly deps: SystemNotificationDeps) {}

  private get env(): NotificationEnv {
    this.envCache ??= this.deps.env ?? browserEnv();
    return this.envCache;
  }

  /** Where they stand now. */
  state(): SystemNotificationState {
    const api = this.env.Notification;
    if (!api) return 'unsupported';
    if (api.permission === 'denied') return 'blocked';
    if (api.permission === 'granted' && this.env.storage.getItem(SWITCH_KEY) === 'on') return 'on';
    return 'off';
  }

  /**
   * Asks the browser for permission (call from a click: browsers ignore or penalize a request
   * made on load) and turns them on when granted. What exists now is remembered as seen.
   */
  async enable(): Promise<SystemNotificationState> {
    const api = this.env.Notification;
    if (!api) return 'unsupported';
    if (api.permission === 'denied') return 'blocked';
    const permission = api.permission === 'granted' ? 'granted' : await api.requestPermission();
    if (permission !== 'granted') return this.state();
    this.env.storage.removeItem(MEMORY_KEY);
    this.env.storage.setItem(SWITCH_KEY, 'on');
    await this.check();
    return this.state();
  }

  /** Turns them off here (the browser's permission stays as it is). */
  disable(): SystemNotificationState {
    this.env.storage.setItem(SWITCH_KEY, 'off');
    return this.state();
  }

  /**
   * Looks for new notifications and announces them if the page is hidden. Checks never
   * overlap: one asked for while another runs happens right after it.
   */
  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.checkOnce().catch((error: unknown) => {
          log.warn('could not show a system notification', { error: String(error) });
        });
      } while (this.again);
      this.running = null;
    })();
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    if (this.state() !== 'on') return;
    // Visibility as the check starts, not after the read: an item that arrived while the page
    // was in front is not announced because the page went away during the read.
    const hidden = this.env.hidden();
    const items = await this.deps.list(CHECK_PAGE);
    // Read just before writing: another tab may have announced meanwhile.
    const memory = parseMemory(this.env.storage.getItem(MEMORY_KEY));
    const { announce, memory: next } = pickAnnouncements(
      items,
      memory,
      hidden,
      (item) => this.deps.wanted?.(item) ?? wantedByDefault(item),
    );
    this.env.storage.setItem(MEMORY_KEY, JSON.stringify(next));
    if (announce.length > MAX_AT_ONCE) {
      await this.show('kith-summary', `${announce.length} new notifications`, NOTIFICATIONS_HREF);
      return;
    }
    for (const item of [...announce].reverse()) {
      const from = notificationFrom(item);
      const who = (from && (await this.deps.name(from))) || 'Someone';
      const aboutId = notificationAbout(item);
      const about = (aboutId && (await this.deps.name(aboutId))) || undefined;
      await this.show(item.id, describeNotification(item, who, about), notificationHref(item));
    }
  }

  /** Shows one notification whose click opens `href` (a fragment of the app). */
  private async show(tag: string, body: string, href: string): Promise<void> {
    const data: NotificationData = { href };
    const options: NotificationOptions = { body, tag, data, icon: '/icons/icon-192.png' };
    const registration = await this.env.registration();
    if (registration) {
      await registration.showNotification('Kith', options);
      return;
    }
    const api = this.env.Notification;
    if (!api) return;
    const shown = new api('Kith', options);
    shown.onclick = () => {
      // Bring the app forward on what the notification is about.
      globalThis.focus?.();
      if (typeof location !== 'undefined') location.hash = href;
      shown.close();
    };
  }
}
