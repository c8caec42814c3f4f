/**
 * The state shown beside one's own message: "Sent" once it is in this device's log, "Delivered"
 * once a device of every other member holds it, as far as the network of this tab knows
 * (`core/mesh/delivery.ts`: the friends and fellow members lacking this device's docs), "Read"
 * once every other member's read receipt reaches it (`core/kinds/member.ts`; someone who turned
 * receipts off never makes it "Read").
 */
import type { PersonId } from '../../core/ids.ts';
import type { Delivery } from '../../core/mesh/delivery.ts';

/** What one's own message shows. */
export type MessageState = 'sent' | 'delivered' | 'read';

/** One's own message, as its state needs it. */
export interface OwnMessage {
  /** Its pending delivery (`null`: nobody lacks it). */
  readonly delivery: Delivery | null;
  readonly createdAt: number;
}

/** Who else is in the conversation, and how far each said they read. */
export interface Readers {
  /** The other members (not oneself, not those who left). */
  readonly others: readonly PersonId[];
  readonly readBy: Readonly<Record<string, number>>;
}

/**
 * The state of `message`; `known` whether this tab holds the network (else delivery is not
 * known beyond "sent"; read receipts are, from the views).
 */
export function messageState(message: OwnMessage, known: boolean, readers: Readers): MessageState {
  const { others, readBy } = readers;
  if (others.length === 0) return 'sent';
  if (others.every((member) => (readBy[member] ?? 0) >= message.createdAt)) return 'read';
  const { delivery } = message;
  if (!known) return 'sent';
  if (delivery === null) return 'delivered';
  if (delivery.reached === 'nobody') return 'sent';
  return others.some((member) => delivery.lacking.includes(member)) ? 'sent' : 'delivered';
}
