/**
 * What opening a friends-epoch record costs a reader (Node, WebCrypto): a key-set record v2 of
 * 1,000 members, opened by a member whose pair key with the author is cached (the usual case:
 * one agreement per friend, ever), by a member computing it first, and by a non-member; and, for
 * comparison, the v1 record of the same members opened by trial decryption.
 */
import { SymmetricKey } from '../src/core/crypto/aead.ts';
import { makeEpochRecord, openEpochRecord } from '../src/core/crypto/audience.ts';
import { makeKeySetRecord, openKeySetRecord } from '../src/core/crypto/key-set.ts';
import { PairKeys } from '../src/core/crypto/pair-keys.ts';
import { generateX25519 } from '../src/core/crypto/seal.ts';
import { median } from './lib/measure.ts';

const MEMBERS = 1_000;
const LOOKS = 21;

/** Milliseconds of one key-record open, by case (medians of {@link LOOKS}). */
export interface KeyRecordOpenResult {
  readonly members: number;
  /** A member with its pair key cached: the figure reported as `keyRecordOpenMs`. */
  readonly memberMs: number;
  /** A member deriving its pair key first (one X25519). */
  readonly memberColdMs: number;
  /** A non-member (pair key cached): scans the hint table, opens nothing. */
  readonly nonMemberMs: number;
  /** The same audience in a v1 record, opened by trial decryption (the last box). */
  readonly v1TrialMs: number;
}

async function timed(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return performance.now() - start;
}

/** Measures opening a 1,000-member epoch record. */
export async function measureKeyRecordOpen(): Promise<KeyRecordOpenResult> {
  const author = await generateX25519();
  const authorPairs = new PairKeys(author);
  const people = await Promise.all(Array.from({ length: MEMBERS + 1 }, () => generateX25519()));
  const [reader, outsider] = [people[0]!, people[MEMBERS]!];
  const members = people.slice(0, MEMBERS);
  const at = { author: 'bench-author', set: 'friends', epoch: 1 };
  const key = await SymmetricKey.generate();
  const pairKeys = await Promise.all(members.map((m) => authorPairs.pairKey(m.publicKey)));
  const record = await makeKeySetRecord(at, key, pairKeys);
  const readerPairs = new PairKeys(reader);
  const outsiderPairs = new PairKeys(outsider);
  const member: number[] = [];
  const cold: number[] = [];
  const nonMember: number[] = [];
  for (let i = 0; i < LOOKS; i++) {
    cold.push(
      await timed(async () =>
        openKeySetRecord(at, record, await new PairKeys(reader).pairKey(author.publicKey)),
      ),
    );
    member.push(
      await timed(async () =>
        openKeySetRecord(at, record, await readerPairs.pairKey(author.publicKey)),
      ),
    );
    nonMember.push(
      await timed(async () =>
        openKeySetRecord(at, record, await outsiderPairs.pairKey(author.publicKey)),
      ),
    );
  }
  // v1: the reader's box placed last, the worst case a hostile author picks.
  const v1 = await makeEpochRecord(at.author, 1, key, [
    ...members.slice(1).map((m) => m.publicKey),
    reader.publicKey,
  ]);
  const v1Trial = await timed(() => openEpochRecord(at.author, 1, v1, reader));
  return {
    members: MEMBERS,
    memberMs: median(member),
    memberColdMs: median(cold),
    nonMemberMs: median(nonMember),
    v1TrialMs: v1Trial,
  };
}
