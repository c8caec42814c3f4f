/**
 * Introductions (issue 29), as the UI asks for and answers them: Cal asks Ben, a friend, to
 * introduce him to Ada, whom he knows only through Ben; Ben agrees or declines; Ada agrees or
 * declines; when both agree Cal holds a single-use invite of Ada's, and one tap on it makes them
 * friends by the ordinary invite path (`core/invite`). The records and their order are
 * `kinds/intro-record.ts`; how they travel and are refused, `kinds/intro.ts`; the views they
 * build, `kinds/intro-views.ts`. Every record goes through the one-to-one conversation of the
 * two people concerned (started here if they have none), so nobody else reads it.
 */
import type { Clock } from '../clock.ts';
import type { SymmetricKey } from '../crypto/aead.ts';
import type { ConversationTag } from '../crypto/conversation-tag.ts';
import type { FriendRecord } from '../docs/small-docs.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';
import { newPostId, type PersonId } from '../ids.ts';
import { decodeInvite, invitePayloadFromLink, InviteError } from '../invite/invite-codec.ts';
import { bytesEqual } from '../bytes.ts';
import { InvalidPublicKeyError } from '../crypto/seal.ts';
import type { Sealed } from '../kinds/kind.ts';
import type { ConversationKey } from '../kinds/conversation-views.ts';
import {
  answerKey,
  encodeIntroRecord,
  IntroRecordError,
  newIntroId,
  openAnswer,
  sealAnswer,
  type IntroAnswer,
  type IntroId,
  type IntroRecord,
} from '../kinds/intro-record.ts';
import { introIds, readIntro, viewBytes, type IntroView } from '../kinds/intro-views.ts';
import type { IntroRef } from '../kinds/intro.ts';
import { sealedUnder } from '../kinds/payload.ts';
import { docIdOf } from '../kinds/registry.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { friendKey } from './epoch-state.ts';

export type { IntroId };

/** How many timeline posts are searched for a person's replies (who could introduce them). */
const POSTS_SEARCHED = 100;

/** A request refused as it was asked (not a friend, not your turn ...). */
export class IntroductionError extends Error {
  override readonly name = 'IntroductionError';
}

/** Where an introduction stands, as this person may know it. */
export type IntroStatus =
  /** Asked, no answer yet (the asker's and the introducer's view). */
  | 'waiting'
  /** Someone declined (the asker is not told who), or this person did. */
  | 'declined'
  /** Both agreed: the asker holds the other person's invite; the other person agreed. */
  | 'agreed'
  /** The introducer passed the request on; the other person's answer is sealed to the asker. */
  | 'passed'
  /** The other person's answer does not open (a hostile introducer, a malformed answer). */
  | 'unreadable';

/** One introduction as a screen shows it. */
export type Introduction = IntroView & {
  readonly status: IntroStatus;
  /** The asker's: the other person's invite payload once both agreed. */
  readonly invite?: string;
};

/** What introductions need of the peer. */
export interface IntroductionPorts {
  readonly me: PersonId;
  readonly store: StorageAdapter;
  readonly clock: Clock;
  readonly verifier: Ed25519Verifier;
  /** Pair key of this person's encryption key with `theirs`. */
  pairKey(theirs: Uint8Array): Promise<Uint8Array>;
  friends(): ReadonlyMap<string, FriendRecord>;
  /** The one-to-one conversation with a friend, started if none. */
  direct(friend: PersonId): Promise<ConversationKey>;
  /** This person's writer tag in a conversation, and the key its records are sealed under. */
  writerOf(key: ConversationKey): Promise<{ tag: ConversationTag; key: SymmetricKey } | null>;
  /** A person's name as their profile held here says, or `''`. */
  nameOf(person: PersonId): Promise<string>;
  /** Appends a sealed record to this device's log (queued). */
  appendSealed(ref: IntroRef, sealed: Sealed): Promise<void>;
  /** Resolves once every change so far is reflected in the views. */
  settled(): Promise<void>;
}

/** The introductions of one person on one device. */
export class Introductions {
  private relaying: Promise<void> = Promise.resolve();

  constructor(private readonly ports: IntroductionPorts) {}

  /**
   * Friends who could introduce this person to `person`: those on whose recent posts `person`
   * replied (what this device saw of them), most recent first.
   */
  async introducersFor(person: PersonId): Promise<PersonId[]> {
    const { store, me } = this.ports;
    const friends = this.ports.friends();
    if (person === me || friends.has(person)) return [];
    const found: PersonId[] = [];
    const { items } = await store.timelinePage({ limit: POSTS_SEARCHED });
    for (const post of items) {
      if (!friends.has(post.author) || found.includes(post.author)) continue;
      const replies = await store.itemsByPost(post.postId);
      if (replies.some((item) => item.author === person)) found.push(post.author);
    }
    return found;
  }

  /** Asks `introducer`, a friend, to introduce this person to `other`. */
  async ask(other: PersonId, introducer: PersonId): Promise<IntroId> {
    const { me } = this.ports;
    if (other === me || introducer === me || other === introducer) {
      throw new IntroductionError('an introduction is between three different people');
    }
    if (this.ports.friends().has(other)) throw new IntroductionError('you are already friends');
    const open = (await this.list()).find(
      (i) => i.role === 'asker' && i.other === other && i.status === 'waiting',
    );
    if (open) throw new IntroductionError('you already asked for this introduction');
    const intro = newIntroId();
    await this.send(introducer, { type: 'ask', intro, other });
    return intro;
  }

  /** The introducer's answer: passes the request on to the other person, or declines it. */
  async pass(intro: IntroId, agree: boolean): Promise<void> {
    const view = await this.expect(intro, 'introducer', 'asked');
    if (!agree) return this.send(view.asker, { type: 'decline', intro });
    const asker = this.ports.friends().get(view.asker);
    const askerKey = asker && friendKey(asker);
    if (!askerKey) throw new IntroductionError('the asker is no longer your friend');
    const name = await this.ports.nameOf(view.asker);
    await this.send(view.other, { type: 'forward', intro, asker: view.asker, name, askerKey });
  }

  /**
   * The other person's answer, sealed to the asker: agreeing carries `inviteLink`, a single-use
   * invite this person just issued (the caller issues it through the invite machinery).
   */
  async answer(intro: IntroId, answer: IntroAnswer): Promise<void> {
    const view = await this.expect(intro, 'other', 'asked');
    const invite = answer.agree ? invitePayloadFromLink(answer.invite) : '';
    const key = await answerKey(await this.ports.pairKey(viewBytes(view.askerKey)));
    const box = await sealAnswer(key, intro, answer.agree ? { agree: true, invite } : answer);
    await this.send(view.introducer, { type: 'reply', intro, box });
  }

  /**
   * On the introducer's devices: passes each answer the other person sent on to the asker.
   * Runs after the views take an introduction record; again is harmless.
   */
  relayReplies(): Promise<void> {
    const run = this.relaying.then(async () => {
      for (const intro of await introIds(this.ports.store)) {
        const view = await readIntro(this.ports.store, intro);
        if (view?.role !== 'introducer' || view.state !== 'replied' || !view.box) continue;
        const other = this.ports.friends().get(view.other);
        const otherKey = other && friendKey(other);
        if (!otherKey) continue;
        await this.send(view.asker, { type: 'relay', intro, otherKey, box: viewBytes(view.box) });
      }
    });
    this.relaying = run.catch(() => undefined);
    return run;
  }

  /** Every introduction held here, the newest first. */
  async list(): Promise<Introduction[]> {
    const shown: Introduction[] = [];
    for (const intro of await introIds(this.ports.store)) {
      const view = await readIntro(this.ports.store, intro);
      if (view) shown.push(await this.shown(view));
    }
    return shown.sort((a, b) => b.at - a.at);
  }

  /** The newest introduction this person asked for to `other`, or `null`. */
  async askedAbout(other: PersonId): Promise<Introduction | null> {
    return (await this.list()).find((i) => i.role === 'asker' && i.other === other) ?? null;
  }

  /**
   * The invite of an introduction both agreed to, checked: it must be a valid, unexpired invite
   * of the very person asked about, with the X25519 key the answer was opened with (an
   * introducer cannot pass off someone else's invite). Throws {@link IntroductionError}.
   */
  async inviteOf(intro: IntroId): Promise<string> {
    const shown = (await this.list()).find((i) => i.intro === intro);
    if (shown?.role !== 'asker' || shown.status !== 'agreed' || !shown.invite) {
      throw new IntroductionError('no invite for this introduction');
    }
    try {
      const invite = await decodeInvite(shown.invite, this.ports.clock, this.ports.verifier);
      const key = shown.otherKey ? viewBytes(shown.otherKey) : new Uint8Array(0);
      if (invite.inviter !== shown.other || !bytesEqual(invite.keyRecord.encryptionKey, key)) {
        throw new IntroductionError('the invite is not from the person you asked about');
      }
      return shown.invite;
    } catch (error) {
      if (error instanceof InviteError) throw new IntroductionError(error.message);
      throw error;
    }
  }

  /** A view with what its answer box says, where this device can open it. */
  private async shown(view: IntroView): Promise<Introduction> {
    switch (view.role) {
      case 'asker': {
        if (view.state !== 'answered') {
          return { ...view, status: view.state === 'asked' ? 'waiting' : 'declined' };
        }
        const answer = await this.opened(view.intro, view.otherKey, view.box);
        if (!answer) return { ...view, status: 'unreadable' };
        return answer.agree
          ? { ...view, status: 'agreed', invite: answer.invite }
          : { ...view, status: 'declined' };
      }
      case 'introducer':
        return {
          ...view,
          status:
            view.state === 'asked' ? 'waiting' : view.state === 'declined' ? 'declined' : 'passed',
        };
      case 'other': {
        if (view.state === 'asked') return { ...view, status: 'waiting' };
        const answer = await this.opened(view.intro, view.askerKey, view.box);
        return { ...view, status: answer ? (answer.agree ? 'agreed' : 'declined') : 'unreadable' };
      }
    }
  }

  /** The answer sealed between this person and the holder of `theirs`, or `null`. */
  private async opened(
    intro: IntroId,
    theirs: string | undefined,
    box: string | undefined,
  ): Promise<IntroAnswer | null> {
    if (!theirs || !box) return null;
    try {
      const key = await answerKey(await this.ports.pairKey(viewBytes(theirs)));
      return await openAnswer(key, intro, viewBytes(box));
    } catch (error) {
      // A hostile introducer's key or box: shown as unreadable, never a crash.
      if (error instanceof IntroRecordError || error instanceof InvalidPublicKeyError) return null;
      throw error;
    }
  }

  /** The view of `intro` in `role` and `state`; throws {@link IntroductionError} otherwise. */
  private async expect<R extends IntroView['role']>(
    intro: IntroId,
    role: R,
    state: string,
  ): Promise<Extract<IntroView, { role: R }>> {
    const view = await readIntro(this.ports.store, intro);
    if (view?.role !== role || view.state !== state) {
      throw new IntroductionError('this introduction is not waiting for your answer');
    }
    return view as Extract<IntroView, { role: R }>;
  }

  /** Writes `record` to `friend`, sealed in the one-to-one conversation of the two. */
  private async send(friend: PersonId, record: IntroRecord): Promise<void> {
    if (!this.ports.friends().has(friend)) {
      throw new IntroductionError('introductions pass between friends only');
    }
    const conversation = await this.ports.direct(friend);
    const writer = await this.ports.writerOf(conversation);
    if (!writer) throw new IntroductionError('no conversation with this friend');
    const ref: IntroRef = { kind: 'intro', tag: writer.tag, recordId: newPostId() };
    const sealed = await sealedUnder(
      writer.key,
      this.ports.me,
      docIdOf(ref),
      encodeIntroRecord(record),
    );
    await this.ports.appendSealed(ref, sealed);
    await this.ports.settled();
  }
}
