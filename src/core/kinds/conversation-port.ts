/**
 * What the `conversation` and `message` kinds ask of the device's conversation keys
 * (`peer/conversation-keys.ts`): learn an epoch from its record, map a writer tag back to its
 * conversation, epoch and writer. A port, so the kinds import nothing of `core/peer`.
 */
import type { SymmetricKey } from '../crypto/aead.ts';
import type {
  ConversationEpoch,
  ConversationId,
  ConversationTag,
} from '../crypto/conversation-tag.ts';
import type { PersonId } from '../ids.ts';

/** One epoch of a conversation held here: its key and who is in it. */
export interface HeldConversation extends ConversationEpoch {
  readonly key: SymmetricKey;
  readonly title: string;
  /** Who sealed it and seals the next (the starter, unless handed over: `conversation-holder.ts`). */
  readonly holder: PersonId;
  /** Everyone in it, the holder first. */
  readonly members: readonly PersonId[];
}

/** An epoch just learnt, with the writer tags of its members (all now mapped here). */
export interface LearntEpoch {
  readonly held: HeldConversation;
  readonly tags: readonly ConversationTag[];
}

/** What a writer tag stands for, with the key its messages open with. */
export interface TagTarget extends ConversationEpoch {
  readonly writer: PersonId;
  readonly key: SymmetricKey;
}

/** The conversation keys of one device. */
export interface ConversationKeyPort {
  /**
   * Opens the record `device` of `starter` wrote for `epoch` of `conversation`: the epoch with
   * the writer tags of its members (all now mapped here), or `null` when it is not for this
   * person (no box, not a member, a starter whose records are not opened here). Throws
   * `KeyRecordError` for a malformed record.
   */
  learn(
    starter: PersonId,
    device: string,
    conversation: ConversationId,
    epoch: number,
    record: Uint8Array,
  ): Promise<LearntEpoch | null>;
  /**
   * Opens the hand-over record `holder`'s `device` wrote for epoch `at` (the one after
   * `previous`, whose members are known here and of whom `left` left): the epoch, or `null` when
   * it holds no box for this person. Throws `KeyRecordError` for a malformed record, or one
   * `holder` may not write (`conversation-holder.ts`).
   */
  learnHandOver(
    holder: PersonId,
    device: string,
    at: ConversationEpoch,
    previous: HeldConversation,
    left: readonly PersonId[],
    record: Uint8Array,
  ): Promise<LearntEpoch | null>;
  /** What a writer tag stands for, if this device holds its epoch. */
  ofTag(tag: ConversationTag): Promise<TagTarget | null>;
  /** The newest epoch of a conversation held here, or `null`. */
  newest(starter: PersonId, conversation: ConversationId): Promise<HeldConversation | null>;
}

/** A device that holds no conversation keys (tests of other kinds). */
export const NO_CONVERSATIONS: ConversationKeyPort = {
  learn: async () => null,
  learnHandOver: async () => null,
  ofTag: async () => null,
  newest: async () => null,
};
