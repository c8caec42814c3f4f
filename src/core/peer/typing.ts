/**
 * "Bob is typing": said only to the members of a conversation whose devices are connected now,
 * over the mesh's ephemeral lane (`mesh/ephemeral-lane.ts`), never written to a log or stored.
 * A frame names the conversation by the typist's writer tag of its newest epoch
 * (`crypto/conversation-tag.ts`), which only members can map back; a receiver takes it only when
 * the tag's writer is the connection's authenticated person and both are in the conversation,
 * so a member cannot type as another, and someone removed or gone is not shown.
 *
 * Frame body (after the lane's type byte): `kind u8 = 1 | tag 16 | state u8` (1 typing,
 * 0 stopped), nothing after. A typist repeats it at most every {@link TYPING_REPEAT_MS}; a
 * receiver shows it for {@link TYPING_SHOWN_MS} after the last frame, or until "stopped".
 */
import { BytesFormatError, fromBase64Url, toBase64Url } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import type { ConversationTag } from '../crypto/conversation-tag.ts';
import type { PersonId } from '../ids.ts';
import type { EphemeralLanes } from '../mesh/ephemeral-lane.ts';
import type { ConversationKey, Messaging } from './messaging.ts';

/** The kind byte of a typing frame. */
export const TYPING_FRAME = 1;
/** A typist says so again at most this often while typing. */
export const TYPING_REPEAT_MS = 3_000;
/** How long "typing" shows after the last frame that said so. */
export const TYPING_SHOWN_MS = 6_000;
const TAG_BYTES = 16;

/** What typing needs. */
export interface TypingPorts {
  readonly me: PersonId;
  readonly clock: Clock;
  readonly lanes: Pick<EphemeralLanes, 'send' | 'onFrame'>;
  readonly messaging: Pick<Messaging, 'conversation' | 'ownTag' | 'writerOf'>;
}

/** The typing frame of `tag`. */
export function encodeTyping(tag: ConversationTag, typing: boolean): Uint8Array {
  const body = new Uint8Array(2 + TAG_BYTES);
  body[0] = TYPING_FRAME;
  body.set(fromBase64Url(tag), 1);
  body[1 + TAG_BYTES] = typing ? 1 : 0;
  return body;
}

/** A typing frame's tag and state, or `null` when the body is not one. */
export function decodeTyping(
  body: Uint8Array,
): { readonly tag: ConversationTag; readonly typing: boolean } | null {
  if (body.length !== 2 + TAG_BYTES || body[0] !== TYPING_FRAME) return null;
  const state = body[1 + TAG_BYTES];
  if (state !== 0 && state !== 1) return null;
  try {
    return {
      tag: toBase64Url(body.subarray(1, 1 + TAG_BYTES)) as ConversationTag,
      typing: state === 1,
    };
  } catch (error) {
    if (error instanceof BytesFormatError) return null;
    throw error;
  }
}

/** Who is typing where, on one device, and saying so for this person. */
export class Typing {
  /** Per conversation, who types and until when. */
  private readonly shown = new Map<ConversationKey, Map<PersonId, number>>();
  /** When this person last said they type, per conversation. */
  private readonly said = new Map<ConversationKey, number>();
  private readonly listeners = new Set<() => void>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly stopFrames: () => void;

  constructor(private readonly ports: TypingPorts) {
    this.stopFrames = ports.lanes.onFrame((person, body) => void this.take(person, body));
  }

  /** Stops listening and forgets everyone's typing. */
  stop(): void {
    this.stopFrames();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.shown.clear();
  }

  /**
   * Tells the connected members of a conversation that this person types (`true`, repeated at
   * most every {@link TYPING_REPEAT_MS}) or stopped (`false`: sent, sent a message, left).
   */
  async say(key: ConversationKey, typing: boolean): Promise<void> {
    const now = this.ports.clock.now();
    const last = this.said.get(key);
    if (typing && last !== undefined && now - last < TYPING_REPEAT_MS) return;
    if (!typing && last === undefined) return;
    if (typing) this.said.set(key, now);
    else this.said.delete(key);
    const [tag, view] = await Promise.all([
      this.ports.messaging.ownTag(key),
      this.ports.messaging.conversation(key),
    ]);
    if (!tag || !view) return;
    const frame = encodeTyping(tag, typing);
    for (const member of view.members) {
      if (member !== this.ports.me && !view.left.includes(member)) {
        this.ports.lanes.send(member, frame);
      }
    }
  }

  /** The members typing in a conversation now. */
  typingIn(key: ConversationKey): PersonId[] {
    const now = this.ports.clock.now();
    return [...(this.shown.get(key) ?? [])].filter(([, until]) => until > now).map(([p]) => p);
  }

  /** Calls `listener` when someone starts or stops typing; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async take(person: PersonId, body: Uint8Array): Promise<void> {
    const frame = decodeTyping(body);
    if (!frame) return;
    const named = await this.ports.messaging.writerOf(frame.tag);
    // Only the tag's own writer, over their own authenticated connection.
    if (!named || named.writer !== person) return;
    const typists = this.shown.get(named.key) ?? new Map<PersonId, number>();
    this.shown.set(named.key, typists);
    if (!frame.typing) {
      if (typists.delete(person)) this.changed();
      return;
    }
    const until = this.ports.clock.now() + TYPING_SHOWN_MS;
    const was = typists.get(person) ?? 0;
    typists.set(person, until);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (typists.get(person) === until) {
        typists.delete(person);
        this.changed();
      }
    }, TYPING_SHOWN_MS);
    this.timers.add(timer);
    if (was <= this.ports.clock.now()) this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
