/**
 * What a person chose to be told about, and by whom not: per kind of notification, whether it
 * shows in the app (the Notifications list and the navigation's count) and whether it comes as a
 * system notification; and, with the people they muted (`mutes.ts`), which notification reaches
 * them where. The choices are this browser's (localStorage), read back as untrusted text; this
 * module is pure, `preferences.svelte.ts` keeps them live.
 */
import type { PersonId } from '../../core/ids.ts';
import type { NotificationView } from '../../core/store/storage-adapter.ts';
import { notificationFrom } from './notification-target.ts';
import { parseStoredJson } from './stored-json.ts';

/** The kinds of notification Kith makes (docs/notifications.md), in the order Settings lists them. */
export const NOTIFICATION_KINDS = [
  'message',
  'comment',
  'reaction',
  'mention',
  'friend',
  'introduction',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** What each kind is, in Settings' words. */
export const KIND_TEXT: Record<NotificationKind, string> = {
  message: 'New messages',
  comment: 'Comments on your posts',
  reaction: 'Reactions to your posts',
  mention: 'Mentions of you',
  friend: 'New friends',
  introduction: 'Introductions',
};

/** Where a notification can reach a person. */
export type Channel = 'app' | 'system';

/** Per kind, whether it shows in the app and whether it comes as a system notification. */
export type NotificationChoices = Readonly<
  Record<NotificationKind, Readonly<Record<Channel, boolean>>>
>;

/** Everything on: what a person who never chose gets. */
export const ALL_ON: NotificationChoices = Object.fromEntries(
  NOTIFICATION_KINDS.map((kind) => [kind, { app: true, system: true }]),
) as unknown as NotificationChoices;

function isKind(kind: string): kind is NotificationKind {
  return (NOTIFICATION_KINDS as readonly string[]).includes(kind);
}

/**
 * Reads saved choices back: a switch turned off is `false` there; anything else, and every kind
 * or channel not named, stays on (a damaged value never silences anything).
 */
export function parseChoices(raw: string | null): NotificationChoices {
  const value = parseStoredJson(raw);
  const saved =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const choices = Object.fromEntries(
    NOTIFICATION_KINDS.map((kind) => {
      const one = saved[kind];
      const get = (channel: Channel) =>
        !(
          typeof one === 'object' &&
          one !== null &&
          (one as Record<string, unknown>)[channel] === false
        );
      return [kind, { app: get('app'), system: get('system') }];
    }),
  );
  return choices as unknown as NotificationChoices;
}

/** The choices with one switch changed. */
export function withChoice(
  choices: NotificationChoices,
  kind: NotificationKind,
  channel: Channel,
  on: boolean,
): NotificationChoices {
  return { ...choices, [kind]: { ...choices[kind], [channel]: on } };
}

/**
 * Whether `item` reaches the person through `channel`: not when its kind is turned off there,
 * nor when it comes from someone they muted. Kinds Kith does not know stay as they were (the
 * list shows them; system notifications announce only the known kinds).
 */
export function notifies(
  item: NotificationView,
  channel: Channel,
  choices: NotificationChoices,
  muted: ReadonlySet<PersonId>,
): boolean {
  const from = notificationFrom(item);
  if (from !== null && muted.has(from)) return false;
  return isKind(item.kind) ? choices[item.kind][channel] : channel === 'app';
}
