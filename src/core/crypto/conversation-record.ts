/**
 * A conversation's epoch record (`conversation/<id>/<epoch>`, written by its starter): the
 * epoch key handed to each member in a key-set record v2 (`key-set.ts`, whose set name is the
 * conversation id), and the roster (title, members) sealed under that key. Byte layout in
 * `docs/protocol.md`, "Conversation records".
 *
 *   u8 version (1) | varbytes key-set record | varbytes roster box
 *   roster box = AES-256-GCM(epoch key, roster, aad = domain("kith/conversation-roster/v1",
 *                starter key 32, conversation id, epoch decimal))
 *   roster     = u8 version (1) | varstring title | varuint count | count × 32-byte person key,
 *                zero-padded to ROSTER_BYTES
 *
 * A hand-over record (`conversation/~<tag>`, written by the holder who took the key-holding role
 * over from the starter, `kinds/conversation-holder.ts`) has the same layout; its key set is the
 * holder's (boxes sealed through the holder's pair keys), its roster lists everyone but the
 * holder, and its box is bound to starter and holder both:
 *
 *   roster box = AES-256-GCM(epoch key, roster, aad = domain("kith/conversation-handover/v1",
 *                starter key 32, holder key 32, conversation id, epoch decimal))
 *
 * so neither kind of record opens as the other.
 *
 * What a relay learns from it: that the starter began (or re-keyed) some conversation, and the
 * key-set's size class (8 boxes up to 8 members, 16, 32, 64). Not who is in it (hints are keyed,
 * the roster is sealed and padded to one length), nor its title.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { bytesEqual, randomBytes, utf8, type RandomBytes } from '../bytes.ts';
import { personIdFromKey, personIdToKey, type PersonId } from '../ids.ts';
import { DecryptError, type SymmetricKey } from './aead.ts';
import type { ConversationEpoch } from './conversation-tag.ts';
import { KeyRecordError } from './audience.ts';
import { domain } from './kdf.ts';
import { makeKeySetRecord, openKeySetRecord } from './key-set.ts';

/** Version byte of a conversation record. */
export const CONVERSATION_RECORD_VERSION = 1;
/** Most people in a conversation, its starter included. */
export const MAX_CONVERSATION_MEMBERS = 50;
/** Longest conversation title, in UTF-16 code units. */
export const MAX_TITLE_LENGTH = 80;
/** Every roster's length before sealing: a roster of 49 members and the longest title fit. */
export const ROSTER_BYTES = 2_048;

const ROSTER_VERSION = 1;
const PERSON_KEY_BYTES = 32;

/** A malformed conversation record or roster (a `KeyRecordError`, as key records are). */
export class ConversationRecordError extends KeyRecordError {}

/** Who is in one epoch of a conversation, besides its holder (the record's writer). */
export interface Roster {
  readonly title: string;
  /** Members other than the holder, 1 to {@link MAX_CONVERSATION_MEMBERS} − 1, no repeats. */
  readonly members: readonly PersonId[];
}

/** Why a roster cannot be written, or `null` when it can. */
export function rosterProblem(starter: PersonId, roster: Roster): string | null {
  const { members, title } = roster;
  if (members.length === 0) return 'a conversation needs at least one other member';
  if (members.length > MAX_CONVERSATION_MEMBERS - 1) {
    return `a conversation has at most ${MAX_CONVERSATION_MEMBERS} members, not ${members.length + 1}`;
  }
  if (new Set(members).size !== members.length) return 'a member is listed twice';
  if (members.includes(starter)) return 'the starter is a member already';
  if (title.length > MAX_TITLE_LENGTH) {
    return `a conversation title has at most ${MAX_TITLE_LENGTH} characters`;
  }
  return null;
}

function rosterAad(at: ConversationEpoch, holder: PersonId): Uint8Array {
  if (holder !== at.starter) {
    return domain(
      'kith/conversation-handover/v1',
      personIdToKey(at.starter),
      personIdToKey(holder),
      utf8(at.conversation),
      utf8(String(at.epoch)),
    );
  }
  return domain(
    'kith/conversation-roster/v1',
    personIdToKey(at.starter),
    utf8(at.conversation),
    utf8(String(at.epoch)),
  );
}

/** Encodes a roster, padded to {@link ROSTER_BYTES}. */
export function encodeRoster(starter: PersonId, roster: Roster): Uint8Array {
  const problem = rosterProblem(starter, roster);
  if (problem) throw new RangeError(problem);
  const e = encoding.createEncoder();
  encoding.writeUint8(e, ROSTER_VERSION);
  encoding.writeVarString(e, roster.title);
  encoding.writeVarUint(e, roster.members.length);
  for (const member of roster.members) encoding.writeUint8Array(e, personIdToKey(member));
  const body = encoding.toUint8Array(e);
  const padded = new Uint8Array(ROSTER_BYTES);
  padded.set(body);
  return padded;
}

/** Decodes a roster; throws {@link ConversationRecordError} naming what is wrong. */
export function decodeRoster(starter: PersonId, bytes: Uint8Array): Roster {
  if (bytes.length !== ROSTER_BYTES) throw new ConversationRecordError('bad roster length');
  const d = decoding.createDecoder(bytes);
  let roster: Roster;
  try {
    if (decoding.readUint8(d) !== ROSTER_VERSION) {
      throw new ConversationRecordError('unknown roster version');
    }
    const title = decoding.readVarString(d);
    const count = decoding.readVarUint(d);
    if (count > MAX_CONVERSATION_MEMBERS - 1) {
      throw new ConversationRecordError(`roster of ${count + 1} members over the cap`);
    }
    const members: PersonId[] = [];
    for (let i = 0; i < count; i++) {
      members.push(personIdFromKey(decoding.readUint8Array(d, PERSON_KEY_BYTES)));
    }
    roster = { title, members };
  } catch (error) {
    if (error instanceof ConversationRecordError) throw error;
    throw new ConversationRecordError(`malformed roster: ${(error as Error).message}`);
  }
  const rest = bytes.subarray(d.pos);
  if (!bytesEqual(rest, new Uint8Array(rest.length))) {
    throw new ConversationRecordError('roster padding is not zero');
  }
  const problem = rosterProblem(starter, roster);
  if (problem) throw new ConversationRecordError(problem);
  return roster;
}

/**
 * Encodes the record of `at`: `key` handed to each member through the pair key the holder (the
 * starter, unless the role was handed over) shares with them (the holder's own key among them,
 * for their other devices), and the roster (everyone but the holder) sealed under it. `random`
 * is replaced only by test vectors.
 */
export async function makeConversationRecord(
  at: ConversationEpoch,
  key: SymmetricKey,
  roster: Roster,
  memberPairKeys: readonly Uint8Array[],
  random: RandomBytes = randomBytes,
  holder: PersonId = at.starter,
): Promise<Uint8Array> {
  const keySet = await makeKeySetRecord(
    { author: holder, set: at.conversation, epoch: at.epoch },
    key,
    memberPairKeys,
    random,
  );
  const box = await key.encrypt(encodeRoster(holder, roster), rosterAad(at, holder), random);
  const e = encoding.createEncoder();
  encoding.writeUint8(e, CONVERSATION_RECORD_VERSION);
  encoding.writeVarUint8Array(e, keySet);
  encoding.writeVarUint8Array(e, box);
  return encoding.toUint8Array(e);
}

/** A conversation record's parts (nothing opened). */
export function decodeConversationRecord(bytes: Uint8Array): {
  readonly keySet: Uint8Array;
  readonly box: Uint8Array;
} {
  try {
    const d = decoding.createDecoder(bytes);
    if (decoding.readUint8(d) !== CONVERSATION_RECORD_VERSION) {
      throw new ConversationRecordError('unknown conversation record version');
    }
    const keySet = decoding.readVarUint8Array(d);
    const box = decoding.readVarUint8Array(d);
    if (decoding.hasContent(d)) {
      throw new ConversationRecordError('trailing bytes after conversation record');
    }
    return { keySet, box };
  } catch (error) {
    if (error instanceof ConversationRecordError) throw error;
    throw new ConversationRecordError(`malformed conversation record: ${(error as Error).message}`);
  }
}

/**
 * Opens the record of `at` written by `holder` (its starter unless handed over) with the pair
 * key shared with them: the epoch key and the roster, or `null` when the record holds no box for
 * this person (not a member in that epoch). Throws {@link KeyRecordError} (or its
 * {@link ConversationRecordError}) for a malformed record, one of another conversation, epoch or
 * holder, or a roster that does not open under the key.
 */
export async function openConversationRecord(
  at: ConversationEpoch,
  bytes: Uint8Array,
  pairKey: Uint8Array,
  holder: PersonId = at.starter,
): Promise<{ readonly key: SymmetricKey; readonly roster: Roster } | null> {
  const { keySet, box } = decodeConversationRecord(bytes);
  const key = await openKeySetRecord(
    { author: holder, set: at.conversation, epoch: at.epoch },
    keySet,
    pairKey,
  );
  if (!key) return null;
  let plain: Uint8Array;
  try {
    plain = await key.decrypt(box, rosterAad(at, holder));
  } catch (error) {
    if (error instanceof DecryptError) {
      throw new ConversationRecordError('the roster does not open under the epoch key');
    }
    throw error;
  }
  return { key, roster: decodeRoster(holder, plain) };
}
