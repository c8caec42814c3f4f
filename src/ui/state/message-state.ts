/**
 * The state shown beside one's own message: "Sent" once it is in this device's log, "Delivered"
 * once a device of every other member holds it, as far as the network of this tab knows
 * (`core/mesh/delivery.ts`: the friends lacking this device's docs). Read receipts are not kept.
 */
import type { PersonId } from '../../core/ids.ts';
import type { Delivery } from '../../core/mesh/delivery.ts';

/** What one's own message shows. */
export type MessageState = 'sent' | 'delivered';

/**
 * The state of a message whose pending delivery is `delivery` (`null`: no friend lacks it),
 * `known` whether this tab holds the network (else nothing is known beyond "sent").
 */
export function messageState(
  delivery: Delivery | null,
  known: boolean,
  others: readonly PersonId[],
): MessageState {
  if (!known || others.length === 0) return 'sent';
  if (delivery === null) return 'delivered';
  if (delivery.reached === 'nobody') return 'sent';
  return others.some((member) => delivery.lacking.includes(member)) ? 'sent' : 'delivered';
}
