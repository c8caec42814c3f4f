/**
 * The people a device meets and replicates like friends though they are not friends: the other
 * members of the conversations held here (the newest epoch's roster), so that every member gets
 * every message of a group whose members are not all each other's friends (issue 27).
 *
 * Two members meet on a pairwise topic, as friends do, from a secret only members of the epoch
 * can derive: HKDF of the epoch key (sealed to each member in the starter's record), bound to the
 * conversation, the epoch and the two person ids, so the topic names neither and differs per
 * pair. A member removed holds no key of the new epoch: the others stop meeting them (their
 * newest roster lacks them) and seal nothing new they can open. A pair in several conversations
 * meets by the first of them by key. Friends are met by their own link and left out here.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, utf8 } from '../bytes.ts';
import type { PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { HeldConversation } from '../kinds/conversation-port.ts';
import type { MeshFriends } from '../mesh/ports.ts';
import type { FriendLink } from '../net/connection-manager.ts';
import type { Blocking } from './blocking.ts';
import type { FriendBook } from './friend-book.ts';
import type { Messaging } from './messaging.ts';

const log = createLogger('kith:messages');

/** HKDF salt of a conversation's meeting secrets. */
const MEET_SALT = 'kith/conversation-meet/v1';
const SECRET_BYTES = 32;

/** The secret members `a` and `b` of `held` meet by (the same whichever of the two asks). */
export function meetingSecret(held: HeldConversation, a: PersonId, b: PersonId): Uint8Array {
  const pair = [a, b].sort().join('/');
  const info = `${held.starter}/${held.conversation}/${held.epoch}/${pair}`;
  return hkdf(sha256, held.key.raw, utf8(MEET_SALT), utf8(info), SECRET_BYTES);
}

/** Fellow members who are not friends, with their links; follows epochs and the friend list. */
export class ConversationPeers implements MeshFriends {
  private current: readonly FriendLink[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly stops: (() => void)[] = [];
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly me: PersonId,
    private readonly messaging: Pick<Messaging, 'fellows' | 'onEpoch'>,
    private readonly friends: Pick<FriendBook, 'list' | 'onChange'>,
    /** People blocked here: never met, whatever conversation they are in (`blocking.ts`). */
    private readonly blocked: Pick<Blocking, 'has' | 'onChange'> = NOBODY_BLOCKED,
  ) {}

  /** Reads the conversations held and follows their changes until `stop`. */
  async start(): Promise<void> {
    const refresh = () => void this.refresh();
    this.stops.push(
      this.messaging.onEpoch(refresh),
      this.friends.onChange(refresh),
      this.blocked.onChange(refresh),
    );
    await this.refresh();
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  persons(): PersonId[] {
    return this.current.map((link) => link.person);
  }

  links(): readonly FriendLink[] {
    return this.current;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the fellows; listeners hear of it when someone came, went or meets anew. */
  refresh(): Promise<void> {
    this.work = this.work
      .then(() => this.read())
      .catch((error: unknown) => {
        log.error('could not read the conversations’ members', { error: String(error) });
      });
    return this.work;
  }

  private async read(): Promise<void> {
    {
      const friends = this.friends.list();
      const next: FriendLink[] = [];
      for (const [person, held] of await this.messaging.fellows()) {
        if (friends.has(person) || this.blocked.has(person)) continue;
        next.push({ person, pairwiseSecret: meetingSecret(held, this.me, person) });
      }
      if (sameLinks(this.current, next)) return;
      this.current = next;
      for (const listener of [...this.listeners]) listener();
    }
  }
}

const NOBODY_BLOCKED: Pick<Blocking, 'has' | 'onChange'> = {
  has: () => false,
  onChange: () => () => undefined,
};

function sameLinks(a: readonly FriendLink[], b: readonly FriendLink[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (link, i) =>
        link.person === b[i]!.person && bytesEqual(link.pairwiseSecret, b[i]!.pairwiseSecret),
    )
  );
}
