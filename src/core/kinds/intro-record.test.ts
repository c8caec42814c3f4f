import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { randomBytes } from '../bytes.ts';
import { SymmetricKey } from '../crypto/aead.ts';
import { createIdentity } from '../identity/device-setup.ts';
import { ManualClock } from '../clock.ts';
import {
  ANSWER_BOX_BYTES,
  answerKey,
  decodeIntroRecord,
  encodeIntroRecord,
  IntroRecordError,
  MAX_INTRO_RECORD_BYTES,
  newIntroId,
  openAnswer,
  parseIntroId,
  sealAnswer,
  type IntroRecord,
} from './intro-record.ts';

const clock = new ManualClock(1_750_000_000_000);
const cal = (await createIdentity({ clock })).identity.personId;
const intro = newIntroId();
const box = randomBytes(ANSWER_BOX_BYTES);
const key = randomBytes(32);

const RECORDS: IntroRecord[] = [
  { type: 'ask', intro, other: cal },
  { type: 'decline', intro },
  { type: 'forward', intro, asker: cal, name: 'Cal ✨', askerKey: key },
  { type: 'reply', intro, box },
  { type: 'relay', intro, otherKey: key, box },
];

function refusal(bytes: Uint8Array): string {
  try {
    decodeIntroRecord(bytes);
  } catch (error) {
    if (error instanceof IntroRecordError) return error.reason;
    throw error;
  }
  throw new Error('accepted');
}

describe('introduction records', () => {
  it('round-trips every record type', () => {
    for (const record of RECORDS) {
      expect(decodeIntroRecord(encodeIntroRecord(record))).toEqual(record);
    }
  });

  it('refuses every truncation of every record with a clear error, never a crash', () => {
    for (const record of RECORDS) {
      const bytes = encodeIntroRecord(record);
      for (let cut = 0; cut < bytes.length; cut++) {
        expect(refusal(bytes.subarray(0, cut)), `${record.type} cut at ${cut}`).toMatch(
          /truncated|malformed|person id|version|type/,
        );
      }
    }
  });

  it('refuses bytes after a record, an unknown version or type, and oversized input', () => {
    const ask = encodeIntroRecord(RECORDS[0]!);
    expect(refusal(new Uint8Array([...ask, 0]))).toBe('bytes after the record');
    expect(refusal(new Uint8Array([2, ...ask.subarray(1)]))).toBe('unknown version');
    expect(refusal(new Uint8Array([1, 9, ...ask.subarray(2)]))).toBe('unknown record type');
    expect(refusal(new Uint8Array(MAX_INTRO_RECORD_BYTES + 1))).toBe('record too large');
  });

  it('refuses a bad person id and an overlong name', () => {
    const e = encoding.createEncoder();
    encoding.writeUint8(e, 1);
    encoding.writeUint8(e, 1);
    encoding.writeUint8Array(e, new Uint8Array(16));
    encoding.writeVarString(e, 'not-a-person');
    expect(refusal(encoding.toUint8Array(e))).toBe('bad person id');
    const forward = { type: 'forward', intro, asker: cal, askerKey: key } as const;
    const long = encodeIntroRecord({ ...forward, name: 'x'.repeat(321) });
    expect(refusal(long)).toBe('name too long');
  });

  it('has the sizes docs/protocol.md gives', () => {
    expect(ANSWER_BOX_BYTES).toBe(2_097);
    expect(MAX_INTRO_RECORD_BYTES).toBe(2_147);
  });

  it('parses only well-formed introduction ids', () => {
    expect(parseIntroId(intro)).toBe(intro);
    for (const text of ['', 'x', `${intro}A`, '!!!!!!!!!!!!!!!!!!!!!!']) {
      expect(() => parseIntroId(text), text).toThrow(IntroRecordError);
    }
  });
});

describe('the sealed answer', () => {
  const invite = 'A'.repeat(600);

  it('is the same size whether it agrees or declines, and opens to what was sealed', async () => {
    const k = await answerKey(randomBytes(32));
    const yes = await sealAnswer(k, intro, { agree: true, invite });
    const no = await sealAnswer(k, intro, { agree: false });
    expect(yes.length).toBe(ANSWER_BOX_BYTES);
    expect(no.length).toBe(ANSWER_BOX_BYTES);
    expect(await openAnswer(k, intro, yes)).toEqual({ agree: true, invite });
    expect(await openAnswer(k, intro, no)).toEqual({ agree: false });
  });

  it('refuses an answer replayed into another introduction, or under another key', async () => {
    const k = await answerKey(randomBytes(32));
    const yes = await sealAnswer(k, intro, { agree: true, invite });
    await expect(openAnswer(k, newIntroId(), yes)).rejects.toThrow(IntroRecordError);
    const other = await answerKey(randomBytes(32));
    await expect(openAnswer(other, intro, yes)).rejects.toThrow(/does not open/);
  });

  it('refuses a forged box whose contents are malformed', async () => {
    const raw = await SymmetricKey.generate();
    // A box made under the right key but not by sealAnswer: too short a plaintext.
    const aadless = await raw.encrypt(new Uint8Array(10), new Uint8Array(0));
    await expect(openAnswer(raw, intro, aadless)).rejects.toThrow(IntroRecordError);
  });
});
