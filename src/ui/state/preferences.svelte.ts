/**
 * The person's notification choices and muted people, live: kept in this browser's
 * localStorage, read again when another tab changes them (the `storage` event), so the badge,
 * the lists and the system notifications of every tab follow one choice.
 */
import type { PersonId } from '../../core/ids.ts';
import type { NotificationView } from '../../core/store/storage-adapter.ts';
import {
  notifies,
  parseChoices,
  withChoice,
  type Channel,
  type NotificationChoices,
  type NotificationKind,
} from './notification-choices.ts';
import { parseMuted, withMuted } from './mutes.ts';

/** Where the choices are kept. */
export const CHOICES_KEY = 'kith:notification-choices';
/** Where the muted people are kept. */
export const MUTED_KEY = 'kith:muted';

/** Notification choices and muted people of this browser. */
export class Preferences {
  choices = $state.raw<NotificationChoices>(parseChoices(null));
  muted = $state.raw<ReadonlySet<PersonId>>(parseMuted(null));

  /** Reads what is saved; `storage` is the page's localStorage unless a test passes its own. */
  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage,
    events: Pick<EventTarget, 'addEventListener'> | null = globalThis,
  ) {
    this.load();
    events?.addEventListener('storage', (event) => {
      const key = (event as StorageEvent).key;
      if (key === null || key === CHOICES_KEY || key === MUTED_KEY) this.load();
    });
  }

  private load(): void {
    this.choices = parseChoices(this.storage.getItem(CHOICES_KEY));
    this.muted = parseMuted(this.storage.getItem(MUTED_KEY));
  }

  /** Turns one kind on or off for one channel. */
  choose(kind: NotificationKind, channel: Channel, on: boolean): void {
    this.choices = withChoice(this.choices, kind, channel, on);
    this.storage.setItem(CHOICES_KEY, JSON.stringify(this.choices));
  }

  /** Whether `person` is muted. */
  isMuted(person: PersonId): boolean {
    return this.muted.has(person);
  }

  /** Mutes or unmutes `person` (they are not told). */
  setMuted(person: PersonId, muted: boolean): void {
    this.muted = withMuted(this.muted, person, muted);
    this.storage.setItem(MUTED_KEY, JSON.stringify([...this.muted]));
  }

  /** Whether `item` reaches the person through `channel`. */
  notifies(item: NotificationView, channel: Channel): boolean {
    return notifies(item, channel, this.choices, this.muted);
  }
}
