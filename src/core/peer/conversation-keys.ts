/**
 * The keys of the conversations this person is in, on one device: each epoch learnt from its
 * starter's record (`crypto/conversation-record.ts`), and each writer tag of it mapped back to
 * its conversation, epoch and writer. Kept in memory and in the store's settings, so a reload
 * does not open records again; raw keys rest on the device that reads with them.
 *
 * A record is opened only when its starter is this person or a friend (the pair key needs their
 * encryption key, and every member of a conversation is a friend of its starter). The roster
 * must name this person (or this person started it): a box alone does not make a member.
 * After a hand-over (`kinds/conversation-holder.ts`) the holder's records are opened likewise,
 * through the holder's key, and the starter's own records no longer move the conversation on.
 * Two devices of a holder that re-key at once each write the epoch: each record's tags map to
 * its own key, so messages sealed under either open; the newest is the one with the higher
 * device id (as friends epochs, `epoch-state.ts`).
 */
import { SymmetricKey } from '../crypto/aead.ts';
import { ConversationRecordError, openConversationRecord } from '../crypto/conversation-record.ts';
import {
  writerTag,
  type ConversationEpoch,
  type ConversationId,
  type ConversationTag,
} from '../crypto/conversation-tag.ts';
import type { PairKeys } from '../crypto/pair-keys.ts';
import type { PersonId } from '../ids.ts';
import { holderRecordProblem } from '../kinds/conversation-holder.ts';
import type {
  ConversationKeyPort,
  HeldConversation,
  LearntEpoch,
  TagTarget,
} from '../kinds/conversation-port.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { isNewerEpoch, readEpochMark } from './epoch-state.ts';

/** A held epoch as its setting keeps it. */
interface SavedEpoch {
  readonly device: string;
  readonly epoch: number;
  readonly key: Uint8Array;
  readonly title: string;
  /** Absent in epochs saved before hand-overs: the starter. */
  readonly holder?: string;
  readonly members: readonly string[];
}

/** A mapped tag as its setting keeps it. */
interface SavedTag {
  readonly starter: string;
  readonly conversation: string;
  readonly epoch: number;
  readonly writer: string;
  readonly key: Uint8Array;
}

/** The conversation keys of one device. */
export class ConversationKeys implements ConversationKeyPort {
  private readonly tags = new Map<ConversationTag, TagTarget>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly store: StorageAdapter,
    private readonly me: PersonId,
    private readonly pairs: PairKeys,
    /** The X25519 key of a starter whose records are opened here (oneself, a friend), or `null`. */
    private readonly senderKey: (author: PersonId) => Uint8Array | null,
  ) {}

  async learn(
    starter: PersonId,
    device: string,
    conversation: ConversationId,
    epoch: number,
    record: Uint8Array,
  ): Promise<LearntEpoch | null> {
    const newest = await this.newest(starter, conversation);
    // Handed over: the starter's records no longer move the conversation on.
    if (newest && newest.holder !== starter && epoch >= newest.epoch) return null;
    const sender = this.senderKey(starter);
    if (!sender) return null;
    const at = { starter, conversation, epoch };
    const opened = await openConversationRecord(at, record, await this.pairs.pairKey(sender));
    if (!opened) return null;
    return this.remember(at, starter, device, opened.key, opened.roster);
  }

  async learnHandOver(
    holder: PersonId,
    device: string,
    at: ConversationEpoch,
    previous: HeldConversation,
    left: readonly PersonId[],
    record: Uint8Array,
  ): Promise<LearntEpoch | null> {
    const sender = this.senderKey(holder);
    if (!sender) return null;
    const opened = await openConversationRecord(
      at,
      record,
      await this.pairs.pairKey(sender),
      holder,
    );
    if (!opened) return null;
    const problem = holderRecordProblem(previous, left, holder, opened.roster.members);
    if (problem) throw new ConversationRecordError(problem);
    return this.remember(at, holder, device, opened.key, opened.roster);
  }

  /** Maps the tags of an epoch just opened, and makes it the newest when it is. */
  private async remember(
    at: ConversationEpoch,
    holder: PersonId,
    device: string,
    key: SymmetricKey,
    roster: { readonly title: string; readonly members: readonly PersonId[] },
  ): Promise<LearntEpoch | null> {
    const { starter, conversation, epoch } = at;
    if (holder !== this.me && !roster.members.includes(this.me)) return null;
    const held: HeldConversation = {
      ...at,
      key,
      title: roster.title,
      holder,
      members: [holder, ...roster.members],
    };
    const tags: ConversationTag[] = [];
    for (const writer of held.members) {
      const tag = await writerTag(at, writer, key);
      tags.push(tag);
      this.tags.set(tag, { ...at, writer, key });
      await this.store.setSetting(tagName(tag), {
        starter,
        conversation,
        epoch,
        writer,
        key: key.raw,
      } satisfies SavedTag);
    }
    const newest = readEpochMark(await this.store.getSetting(newestName(starter, conversation)));
    if (isNewerEpoch({ epoch, device }, newest)) {
      await this.store.setSetting(newestName(starter, conversation), {
        device,
        epoch,
        key: key.raw,
        title: roster.title,
        holder,
        members: held.members,
      } satisfies SavedEpoch);
      for (const listener of [...this.listeners]) listener();
    }
    return { held, tags };
  }

  /** Calls `listener` after a conversation's newest epoch changed here; returns the unsubscribe. */
  onNewest(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ofTag(tag: ConversationTag): Promise<TagTarget | null> {
    const cached = this.tags.get(tag);
    if (cached) return cached;
    const saved = (await this.store.getSetting(tagName(tag))) as SavedTag | undefined;
    if (!saved || !(saved.key instanceof Uint8Array)) return null;
    const target: TagTarget = {
      starter: saved.starter as PersonId,
      conversation: saved.conversation as ConversationId,
      epoch: saved.epoch,
      writer: saved.writer as PersonId,
      key: await SymmetricKey.fromRaw(saved.key),
    };
    this.tags.set(tag, target);
    return target;
  }

  async newest(starter: PersonId, conversation: ConversationId): Promise<HeldConversation | null> {
    const saved = (await this.store.getSetting(newestName(starter, conversation))) as
      SavedEpoch | undefined;
    if (!saved || !(saved.key instanceof Uint8Array)) return null;
    return {
      starter,
      conversation,
      epoch: saved.epoch,
      key: await SymmetricKey.fromRaw(saved.key),
      title: saved.title,
      holder: (saved.holder ?? starter) as PersonId,
      members: saved.members as PersonId[],
    };
  }

  /** This person's tag in the newest epoch of a conversation held here, or `null`. */
  async ownTag(starter: PersonId, conversation: ConversationId): Promise<ConversationTag | null> {
    const held = await this.newest(starter, conversation);
    if (!held) return null;
    const tag = await writerTag(held, this.me, held.key);
    return (await this.ofTag(tag)) ? tag : null;
  }
}

function tagName(tag: ConversationTag): string {
  return `keys/conversation-tag/${tag}`;
}

function newestName(starter: PersonId, conversation: ConversationId): string {
  return `keys/conversation/${starter}/${conversation}`;
}
