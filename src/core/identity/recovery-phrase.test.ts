import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { generateIdentitySeed, identityFromSeed } from './keys.ts';
import { restoreFromSeed, createIdentity } from './device-setup.ts';
import {
  PHRASE_WORDS,
  RecoveryPhraseError,
  identityFromPhraseOf,
  phraseFromSeed,
  seedFromPhrase,
  type PhraseProblem,
} from './recovery-phrase.ts';

function problemOf(text: string): PhraseProblem | null {
  try {
    seedFromPhrase(text);
    return null;
  } catch (error) {
    if (error instanceof RecoveryPhraseError) return error.problem;
    throw error;
  }
}

describe('recovery phrase', () => {
  it('asked on a device without the identity key, gives the identity only for the person’s own phrase', async () => {
    const alice = await identityFromSeed(generateIdentitySeed());
    const bob = await identityFromSeed(generateIdentitySeed());
    const phrase = phraseFromSeed(alice.seed).join(' ');
    expect((await identityFromPhraseOf(phrase, alice.personId)).publicKey).toEqual(alice.publicKey);
    const refusal = (text: string) =>
      identityFromPhraseOf(text, alice.personId).then(
        () => null,
        (error: unknown) => (error as RecoveryPhraseError).problem.reason,
      );
    expect(await refusal(phraseFromSeed(bob.seed).join(' '))).toBe('another-person');
    expect(await refusal(phrase.split(' ').slice(1).join(' '))).toBe('wrong-length');
  });

  it('round-trips a seed through 24 words', () => {
    const seed = generateIdentitySeed();
    const words = phraseFromSeed(seed);
    expect(words).toHaveLength(PHRASE_WORDS);
    expect(seedFromPhrase(words.join(' '))).toEqual(seed);
  });

  it('matches the BIP-39 test vector for 32 zero bytes', () => {
    const words = phraseFromSeed(new Uint8Array(32));
    expect(words.slice(0, 23).every((w) => w === 'abandon')).toBe(true);
    expect(words[23]).toBe('art');
  });

  it('reads numbered, capitalised, oddly spaced words', () => {
    const seed = generateIdentitySeed();
    const typed = phraseFromSeed(seed)
      .map((w, i) => `${i + 1}. ${w.toUpperCase()}`)
      .join('\n  ');
    expect(seedFromPhrase(typed)).toEqual(seed);
  });

  it('names the word that is not on the list and its place', () => {
    const words = phraseFromSeed(generateIdentitySeed());
    words[6] = 'kithh';
    expect(problemOf(words.join(' '))).toEqual({
      reason: 'unknown-word',
      word: 'kithh',
      position: 7,
    });
  });

  it('says the checksum fails when a listed word is wrong', () => {
    const words = phraseFromSeed(new Uint8Array(32));
    // "abandon" x 23 + "art" is valid; "abandon" x 24 is not (its checksum word is wrong).
    words[23] = 'abandon';
    expect(problemOf(words.join(' '))).toEqual({ reason: 'bad-checksum' });
  });

  it('says how many words are missing', () => {
    const words = phraseFromSeed(generateIdentitySeed()).slice(0, 12);
    expect(problemOf(words.join(' '))).toEqual({ reason: 'wrong-length', words: 12 });
    expect(new RecoveryPhraseError({ reason: 'wrong-length', words: 12 }).message).toContain('12');
  });

  it('restores the same person on a new device with a new log and Yjs client id', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const original = await createIdentity({ clock });
    const restored = await restoreFromSeed(
      seedFromPhrase(phraseFromSeed(original.identity.seed).join(' ')),
      { clock },
    );
    expect(restored.identity.personId).toBe(original.identity.personId);
    expect(restored.device.key.deviceId).not.toBe(original.device.key.deviceId);
    expect(restored.device.yjsClientId).not.toBe(original.device.yjsClientId);
    expect((await identityFromSeed(restored.identity.seed)).personId).toBe(
      original.identity.personId,
    );
  });
});
