/**
 * The views of conversations, as the `conversation` and `message` kinds write them and the
 * peer's messaging API reads them: one setting per conversation (who, title, last message,
 * unread count), one setting listing them, and each message as an item of the conversation in
 * the store's item index (what holds a post's comments, oldest first), under the conversation's
 * item key `msg:<starter>/<id>`, which no post key can equal (a post key has no `:`).
 *
 * Until the store has an index of its own for messages (the storage split, issue 24), the item
 * index holds them with item kind `comment`: no post view names a conversation's item key, so
 * no thread ever shows them.
 */
import type { ConversationId } from '../crypto/conversation-tag.ts';
import type { PhotoRef } from '../docs/post-doc.ts';
import type { PersonId } from '../ids.ts';
import type { JsonValue, PostItemView, KindStore } from '../store/storage-adapter.ts';
import type { HeldConversation } from './conversation-port.ts';

/** Most conversations one device keeps views of; a new one beyond it is refused. */
export const MAX_CONVERSATIONS = 1_000;

const INDEX = 'messages/conversations';

/** A conversation, named across starters: `<starter>/<id>`. */
export type ConversationKey = string & { readonly __conversationKey: true };

/** The key of a conversation. */
export function conversationKey(starter: PersonId, id: ConversationId): ConversationKey {
  return `${starter}/${id}` as ConversationKey;
}

/** The item key a conversation's messages are held under in the item index. */
export function messagesItemKey(key: ConversationKey): string {
  return `msg:${key}`;
}

/** What the list of conversations shows of one. */
export interface ConversationView {
  readonly key: ConversationKey;
  readonly starter: PersonId;
  readonly id: ConversationId;
  readonly title: string;
  /**
   * When a member last renamed it (`member.ts`), and who: 0 and `null` while it bears the name
   * its starter gave. Once renamed, an epoch's roster no longer changes the name.
   */
  readonly titledAt: number;
  readonly titledBy: PersonId | null;
  /** Who holds its keys (`conversation-holder.ts`): the starter, unless they left. */
  readonly holder: PersonId;
  /** Everyone in its newest epoch held here, the holder first. */
  readonly members: readonly PersonId[];
  readonly epoch: number;
  /** When its last message was written (or it was started), ms since the epoch. */
  readonly lastAt: number;
  readonly lastText: string;
  readonly lastAuthor: PersonId | null;
  /** Messages of others not read yet. */
  readonly unread: number;
  /** Messages of others written up to this time count as read. */
  readonly readAt: number;
  /**
   * Per member, how far they said they read (their read receipts, `kinds/member.ts`): messages
   * written up to that time (`createdAt`).
   */
  readonly readBy: Readonly<Record<string, number>>;
  /** Members of the newest epoch who left it (the holder's device then rotates it). */
  readonly left: readonly PersonId[];
}

/** A message as the conversation view shows it. */
export interface MessageSummary {
  readonly text: string;
  /** Its photos (`PhotoRef`s), sealed under the epoch key. */
  readonly photos: readonly PhotoRef[];
  /** The epoch it was sealed in. */
  readonly epoch: number;
  /** Its writer's tag: what its doc id names (a writer's own message is changed by it). */
  readonly tag: string;
}

function settingOf(key: ConversationKey): string {
  return `messages/conversation/${key}`;
}

/** A conversation's view, or `null`. */
export async function readConversation(
  store: Pick<KindStore, 'getSetting'>,
  key: ConversationKey,
): Promise<ConversationView | null> {
  const value = await store.getSetting(settingOf(key));
  if (typeof value !== 'object' || value === null) return null;
  // Views written before read receipts, leaving and hand-overs lack their fields.
  const view = value as Partial<ConversationView> &
    Omit<ConversationView, 'readBy' | 'left' | 'holder' | 'titledAt' | 'titledBy'>;
  return {
    ...view,
    holder: view.holder ?? view.starter,
    titledAt: view.titledAt ?? 0,
    titledBy: view.titledBy ?? null,
    readBy: view.readBy ?? {},
    left: view.left ?? [],
  };
}

/** Every conversation held, by key. */
export async function conversationKeys(
  store: Pick<KindStore, 'getSetting'>,
): Promise<ConversationKey[]> {
  const value = await store.getSetting(INDEX);
  return Array.isArray(value) ? (value as ConversationKey[]) : [];
}

/** Writes a conversation's view. */
export async function putConversation(store: KindStore, view: ConversationView): Promise<void> {
  await store.setSetting(settingOf(view.key), view as unknown as JsonValue);
}

/**
 * Takes an epoch just learnt into its conversation's view (who is in it now, its title); an
 * older epoch than the one shown changes nothing. Returns `false` when a new conversation is
 * refused because {@link MAX_CONVERSATIONS} are held already.
 */
export async function takeEpoch(
  store: KindStore,
  held: HeldConversation,
  startedAt: number,
): Promise<boolean> {
  const key = conversationKey(held.starter, held.conversation);
  const known = await readConversation(store, key);
  if (!known) {
    const index = await conversationKeys(store);
    if (index.length >= MAX_CONVERSATIONS) return false;
    await store.setSetting(INDEX, [...index, key]);
  }
  if (known && known.epoch > held.epoch) return true;
  await putConversation(store, {
    key,
    starter: held.starter,
    id: held.conversation,
    // Renamed by a member: the name stays theirs (the holder seals the same one).
    title: known && known.titledAt > 0 ? known.title : held.title,
    titledAt: known?.titledAt ?? 0,
    titledBy: known?.titledBy ?? null,
    holder: held.holder,
    members: [...held.members],
    epoch: held.epoch,
    lastAt: known?.lastAt ?? startedAt,
    lastText: known?.lastText ?? '',
    lastAuthor: known?.lastAuthor ?? null,
    unread: known?.unread ?? 0,
    readAt: known?.readAt ?? 0,
    readBy: known?.readBy ?? {},
    // Who left and is still in this epoch (the holder has not rotated yet) stays gone.
    left: (known?.left ?? []).filter((person) => held.members.includes(person)),
  });
  return true;
}

/** A message item of a conversation, as held in the item index. */
export function messageItem(
  key: ConversationKey,
  writer: PersonId,
  messageId: string,
  createdAt: number,
  summary: MessageSummary,
): PostItemView {
  return {
    itemId: `${writer}/message/${messageId}`,
    postId: messagesItemKey(key),
    kind: 'comment',
    author: writer,
    createdAt,
    summary: {
      text: summary.text,
      photos: summary.photos as unknown as JsonValue,
      epoch: summary.epoch,
      tag: summary.tag,
    },
  };
}
