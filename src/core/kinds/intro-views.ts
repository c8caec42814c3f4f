/**
 * The views of introductions (issue 29), one setting per introduction this device takes part
 * in, and the step that moves one along when a record of it arrives. Each device holds an
 * introduction in one role: the asker (Cal), the introducer (Ben) or the other person (Ada).
 * A record moves a view only from the state it expects, and only when it comes from the person
 * that role names, so a replayed record, a record of someone else's introduction, or one out of
 * turn changes nothing (`applyIntroRecord` says why).
 */
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import type { PersonId } from '../ids.ts';
import type { KindStore, NotificationView } from '../store/storage-adapter.ts';
import type { IntroId, IntroRecord } from './intro-record.ts';

/** Most introductions one device keeps; a new one beyond it is refused. */
export const MAX_INTRODUCTIONS = 500;

const INDEX = 'intros/index';

/** Where an introduction stands, as the asker's device knows it. */
export type AskerState = 'asked' | 'declined' | 'answered';
/** ... as the introducer's device knows it. */
export type IntroducerState = 'asked' | 'declined' | 'forwarded' | 'replied' | 'relayed';
/** ... as the other person's device knows it. */
export type OtherState = 'asked' | 'answered';

interface Common {
  readonly intro: IntroId;
  /** When this device first took the introduction. */
  readonly at: number;
}

/** An introduction this person asked for. */
export interface AskerView extends Common {
  readonly role: 'asker';
  readonly introducer: PersonId;
  readonly other: PersonId;
  readonly state: AskerState;
  /** The other person's X25519 key as the introducer passed it on (base64url), once answered. */
  readonly otherKey?: string;
  /** The other person's sealed answer (base64url), once answered. */
  readonly box?: string;
}

/** An introduction this person was asked to make. */
export interface IntroducerView extends Common {
  readonly role: 'introducer';
  readonly asker: PersonId;
  readonly other: PersonId;
  readonly state: IntroducerState;
  /** The other person's sealed answer, to pass on (base64url), once replied. */
  readonly box?: string;
}

/** An introduction offered to this person. */
export interface OtherView extends Common {
  readonly role: 'other';
  readonly introducer: PersonId;
  readonly asker: PersonId;
  /** The asker's name as the introducer gave it. */
  readonly askerName: string;
  /** The asker's X25519 key as the introducer gave it (base64url): what the answer is sealed to. */
  readonly askerKey: string;
  readonly state: OtherState;
  /** This person's own sealed answer (base64url), once answered. */
  readonly box?: string;
}

/** One introduction as this device holds it. */
export type IntroView = AskerView | IntroducerView | OtherView;

/** A record of an introduction, with who wrote it to whom. */
export interface ReceivedIntro {
  readonly record: IntroRecord;
  /** This person. */
  readonly me: PersonId;
  /** The other person of the one-to-one conversation it came through. */
  readonly counterpart: PersonId;
  /** Whether one of this person's own devices wrote it (to `counterpart`). */
  readonly mine: boolean;
  /** When it was written (clamped to this device's clock). */
  readonly at: number;
  isFriend(person: PersonId): boolean;
}

function settingOf(intro: IntroId): string {
  return `intros/${intro}`;
}

/** An introduction's view, or `null`. */
export async function readIntro(
  store: Pick<KindStore, 'getSetting'>,
  intro: IntroId,
): Promise<IntroView | null> {
  const value = await store.getSetting(settingOf(intro));
  return isIntroView(value) ? value : null;
}

/** The ids of every introduction held here. */
export async function introIds(store: Pick<KindStore, 'getSetting'>): Promise<IntroId[]> {
  const value = await store.getSetting(INDEX);
  return Array.isArray(value) ? value.filter((v): v is IntroId => typeof v === 'string') : [];
}

/**
 * Moves the introduction a record names along; returns `null` when it did, else why the record
 * changed nothing (a replay, a record out of turn or from the wrong person, a full device).
 */
export async function applyIntroRecord(
  store: Pick<KindStore, 'getSetting' | 'setSetting'>,
  received: ReceivedIntro,
): Promise<string | null> {
  const { record, counterpart, mine, me } = received;
  const view = await readIntro(store, record.intro);
  const writer = mine ? me : counterpart;
  const next = step(view, received, writer);
  if (typeof next === 'string') return next;
  if (!view) {
    const ids = await introIds(store);
    if (ids.length >= MAX_INTRODUCTIONS) return 'too many introductions held';
    await store.setSetting(INDEX, [...ids, record.intro]);
  }
  await store.setSetting(settingOf(record.intro), next);
  return null;
}

/** The view after `received`, or why it does not apply. */
function step(
  view: IntroView | null,
  received: ReceivedIntro,
  writer: PersonId,
): IntroView | string {
  const { record, counterpart, mine, me, at } = received;
  const b64 = toBase64Url;
  switch (record.type) {
    case 'ask':
      if (view) return 'introduction already known';
      if (mine) {
        return {
          role: 'asker',
          intro: record.intro,
          at,
          introducer: counterpart,
          other: record.other,
          state: 'asked',
        };
      }
      if (record.other === me || record.other === writer) return 'asked about oneself';
      if (!received.isFriend(writer)) return 'asked by someone who is not a friend';
      if (!received.isFriend(record.other)) return 'asked about someone who is not a friend';
      return {
        role: 'introducer',
        intro: record.intro,
        at,
        asker: writer,
        other: record.other,
        state: 'asked',
      };
    case 'decline':
      if (mine) {
        return view?.role === 'introducer' && view.asker === counterpart && view.state === 'asked'
          ? { ...view, state: 'declined' }
          : 'decline out of turn';
      }
      return view?.role === 'asker' && view.introducer === writer && view.state === 'asked'
        ? { ...view, state: 'declined' }
        : 'decline out of turn';
    case 'forward':
      if (mine) {
        return view?.role === 'introducer' && view.other === counterpart && view.state === 'asked'
          ? { ...view, state: 'forwarded' }
          : 'forward out of turn';
      }
      if (view) return 'introduction already known';
      if (record.asker === me || record.asker === writer) return 'introduced to oneself';
      if (!received.isFriend(writer)) return 'introduced by someone who is not a friend';
      return {
        role: 'other',
        intro: record.intro,
        at,
        introducer: writer,
        asker: record.asker,
        askerName: record.name,
        askerKey: b64(record.askerKey),
        state: 'asked',
      };
    case 'reply':
      if (mine) {
        return view?.role === 'other' && view.introducer === counterpart && view.state === 'asked'
          ? { ...view, state: 'answered', box: b64(record.box) }
          : 'reply out of turn';
      }
      return view?.role === 'introducer' && view.other === writer && view.state === 'forwarded'
        ? { ...view, state: 'replied', box: b64(record.box) }
        : 'reply out of turn';
    case 'relay':
      if (mine) {
        return view?.role === 'introducer' && view.asker === counterpart && view.state === 'replied'
          ? { ...view, state: 'relayed' }
          : 'relay out of turn';
      }
      return view?.role === 'asker' && view.introducer === writer && view.state === 'asked'
        ? { ...view, state: 'answered', otherKey: b64(record.otherKey), box: b64(record.box) }
        : 'relay out of turn';
  }
}

/** The bytes of a base64url field of a view. */
export function viewBytes(text: string): Uint8Array {
  return fromBase64Url(text);
}

const ROLES = new Set(['asker', 'introducer', 'other']);

/** Whether a stored value is a view (settings are read back as untrusted). */
function isIntroView(value: unknown): value is IntroView {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.intro === 'string' &&
    typeof v.role === 'string' &&
    ROLES.has(v.role) &&
    typeof v.state === 'string' &&
    typeof v.at === 'number'
  );
}

/** What a notification of an introduction says happened (docs/introductions.md). */
export type IntroStep = 'ask' | 'offer' | 'declined' | 'answered';

/**
 * The notification an introduction's new state makes, when it asks something of this person or
 * tells them how their ask went (`from`: who the record came from; `about`: the third person).
 * An introducer's relaying, done by the device itself, makes none.
 */
export function introNotification(view: IntroView, at: number): NotificationView | null {
  const note = (step: IntroStep, from: PersonId, about: PersonId): NotificationView => ({
    id: `intro/${view.intro}/${view.state}`,
    kind: 'introduction',
    createdAt: at,
    read: false,
    summary: { from, about, step },
  });
  switch (view.role) {
    case 'introducer':
      return view.state === 'asked' ? note('ask', view.asker, view.other) : null;
    case 'other':
      return view.state === 'asked' ? note('offer', view.introducer, view.asker) : null;
    case 'asker':
      if (view.state === 'declined') return note('declined', view.introducer, view.other);
      return view.state === 'answered' ? note('answered', view.introducer, view.other) : null;
  }
}
