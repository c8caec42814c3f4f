/**
 * The recovery phrase: a person's 32-byte identity seed written as 24 words of the BIP-39
 * English list (`@scure/bip39`). 24 words because BIP-39 encodes 32 bytes of entropy (256 bits
 * plus an 8-bit checksum) as exactly 24 words of 11 bits each; a shorter phrase would hold a
 * shorter seed, and every key of the person derives from the full 32 bytes (`keys.ts`).
 *
 * The phrase is the seed itself, not BIP-39's PBKDF2 "seed" of the phrase: restoring gives
 * back the very bytes `identityFromSeed` takes, so the phrase and the backup file restore the
 * same person. Parsing names what is wrong (a count, an unknown word and its place, a
 * checksum) so the person knows which word to look at again.
 */
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import type { PersonId } from '../ids.ts';
import { SEED_BYTES, identityFromSeed, type Identity } from './keys.ts';

/** Words in a recovery phrase. */
export const PHRASE_WORDS = 24;

/** Why a phrase was refused. */
export type PhraseProblem =
  | { readonly reason: 'wrong-length'; readonly words: number }
  | { readonly reason: 'unknown-word'; readonly word: string; readonly position: number }
  | { readonly reason: 'bad-checksum' }
  /** A sound phrase, of another account than the one it was asked for. */
  | { readonly reason: 'another-person' };

/** Thrown by {@link seedFromPhrase}; `message` is written for the person. */
export class RecoveryPhraseError extends Error {
  override readonly name = 'RecoveryPhraseError';

  constructor(readonly problem: PhraseProblem) {
    super(describe(problem));
  }
}

function describe(problem: PhraseProblem): string {
  switch (problem.reason) {
    case 'wrong-length':
      return `A recovery phrase has ${PHRASE_WORDS} words; this one has ${problem.words}.`;
    case 'unknown-word':
      return `Word ${problem.position} ("${problem.word}") is not a word of the recovery list. Check its spelling.`;
    case 'bad-checksum':
      return 'These words are all on the list, but they do not fit together: one of them is wrong or two are swapped. Check each word and its place.';
    case 'another-person':
      return 'This is a recovery phrase, but of another account than this one.';
  }
}

/** The 24 words of `seed`, in order. */
export function phraseFromSeed(seed: Uint8Array): string[] {
  if (seed.length !== SEED_BYTES) throw new RangeError(`a seed is ${SEED_BYTES} bytes`);
  return entropyToMnemonic(seed, wordlist).split(' ');
}

/** The words of a typed phrase: any spacing, any case, numbering ("1." "2)") ignored. */
export function phraseWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .split(/[\s,]+/)
    .map((word) => word.replace(/^\d+[.)]?$/, ''))
    .filter((word) => word.length > 0);
}

/** The seed a typed phrase holds. Throws {@link RecoveryPhraseError}. */
export function seedFromPhrase(text: string): Uint8Array {
  const words = phraseWords(text);
  if (words.length !== PHRASE_WORDS) {
    throw new RecoveryPhraseError({ reason: 'wrong-length', words: words.length });
  }
  const known = new Set(wordlist);
  const unknown = words.findIndex((word) => !known.has(word));
  if (unknown >= 0) {
    throw new RecoveryPhraseError({
      reason: 'unknown-word',
      word: words[unknown]!,
      position: unknown + 1,
    });
  }
  try {
    return mnemonicToEntropy(words.join(' '), wordlist);
  } catch {
    // Every word is known and the count is right: only the checksum can have failed.
    throw new RecoveryPhraseError({ reason: 'bad-checksum' });
  }
}

/**
 * The identity a typed phrase holds, if it is `person`'s: what a device without the identity key
 * asks for before it removes a device. Throws {@link RecoveryPhraseError}.
 */
export async function identityFromPhraseOf(text: string, person: PersonId): Promise<Identity> {
  const identity = await identityFromSeed(seedFromPhrase(text));
  if (identity.personId !== person) throw new RecoveryPhraseError({ reason: 'another-person' });
  return identity;
}
