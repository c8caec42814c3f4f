import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { ManualClock } from '../clock.ts';
import {
  publishEncryptionKey,
  type EncryptionKeyRecord,
} from '../identity/encryption-key-record.ts';
import { identityFromSeed, type Identity } from '../identity/keys.ts';
import { signRecord } from '../identity/signed-record.ts';
import { Ed25519Verifier } from '../identity/verifier.ts';
import {
  DOMAIN_INVITE,
  InviteError,
  createInvite,
  decodeInvite,
  encodeInvite,
  inviteLink,
  type Invite,
  type InviteErrorReason,
} from './invite-codec.ts';

const verifier = new Ed25519Verifier();

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const URL_A = 'wss://kith.example/signaling';

let alice: Identity;
let aliceRecord: EncryptionKeyRecord;
let bob: Identity;
let invite: Invite;

beforeAll(async () => {
  alice = await identityFromSeed(new Uint8Array(32).fill(1));
  aliceRecord = await publishEncryptionKey(alice, NOW - HOUR);
  bob = await identityFromSeed(new Uint8Array(32).fill(2));
  invite = await createInvite({
    identity: alice,
    keyRecord: aliceRecord,
    expiresAt: NOW + HOUR,
    signalingUrls: [URL_A, 'ws://127.0.0.1:8080/signaling'],
    random: (n) => new Uint8Array(n).fill(9),
  });
});

async function reasonOf(text: string, now = NOW): Promise<InviteErrorReason> {
  const error = await decodeInvite(text, new ManualClock(now), verifier).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InviteError))
    throw new Error(`expected an InviteError, got ${String(error)}`);
  return error.reason;
}

/** A body with every field chosen by the test, signed by `signer`, as payload text. */
async function forge(
  fields: {
    version?: number;
    urls?: string[];
    expiresAt?: number;
    flags?: number;
    record?: Uint8Array;
    key?: Uint8Array;
    /** Written after the URLs (a version 2 body). */
    name?: string;
  },
  signer: Identity = alice,
): Promise<string> {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, fields.version ?? 1);
  encoding.writeUint8Array(e, fields.key ?? alice.publicKey);
  encoding.writeVarUint8Array(e, fields.record ?? aliceRecord.bytes);
  encoding.writeUint8Array(e, new Uint8Array(32).fill(3));
  encoding.writeVarUint(e, fields.expiresAt ?? NOW + HOUR);
  encoding.writeUint8(e, fields.flags ?? 0);
  const urls = fields.urls ?? [URL_A];
  encoding.writeUint8(e, urls.length);
  for (const url of urls) encoding.writeVarString(e, url);
  if (fields.name !== undefined) encoding.writeVarString(e, fields.name);
  return toBase64Url(await signRecord(DOMAIN_INVITE, encoding.toUint8Array(e), signer.signingKey));
}

describe('invite links', () => {
  it('round-trip through a link with every field intact', async () => {
    const link = inviteLink('https://kith.example/', invite);
    expect(link).toMatch(/^https:\/\/kith\.example\/#invite=[A-Za-z0-9_-]+$/);
    const decoded = await decodeInvite(link, new ManualClock(NOW), verifier);
    expect(decoded.inviter).toBe(alice.personId);
    expect(decoded.keyRecord.encryptionKey).toEqual(alice.encryptionPublicKey);
    expect(decoded.secret).toEqual(new Uint8Array(32).fill(9));
    expect(decoded.expiresAt).toBe(NOW + HOUR);
    expect(decoded.multiUse).toBe(false);
    expect(decoded.signalingUrls).toEqual([URL_A, 'ws://127.0.0.1:8080/signaling']);
    // The bare payload and a bare fragment decode the same.
    expect(
      (await decodeInvite(encodeInvite(invite), new ManualClock(NOW), verifier)).bytes,
    ).toEqual(invite.bytes);
    expect(
      (await decodeInvite(`#invite=${encodeInvite(invite)}`, new ManualClock(NOW), verifier))
        .inviter,
    ).toBe(alice.personId);
  });

  it('carries the inviter’s name, signed, in a version 2 link', async () => {
    const named = await createInvite({
      identity: alice,
      inviterName: 'Alice Ångström',
      keyRecord: aliceRecord,
      expiresAt: NOW + HOUR,
      signalingUrls: [URL_A],
    });
    expect(named.bytes[0]).toBe(2);
    const decoded = await decodeInvite(encodeInvite(named), new ManualClock(NOW), verifier);
    expect(decoded.inviterName).toBe('Alice Ångström');
    // A changed name breaks the signature: the last byte of the name, just before it.
    const changed = named.bytes.slice();
    const at = changed.length - 65;
    changed[at] = changed[at]! ^ 1;
    expect(await reasonOf(toBase64Url(changed))).toBe('bad-signature');
  });

  it('still accepts a version 1 link, which names nobody', async () => {
    expect(invite.bytes[0]).toBe(1);
    const decoded = await decodeInvite(encodeInvite(invite), new ManualClock(NOW), verifier);
    expect(decoded.inviterName).toBeNull();
  });

  it('keeps a link with the longest name short enough for a scannable QR code', async () => {
    const named = await createInvite({
      identity: alice,
      inviterName: 'W'.repeat(80),
      keyRecord: aliceRecord,
      expiresAt: NOW + HOUR,
      signalingUrls: [URL_A],
    });
    // A QR code of version 25 or lower (117x117 modules, 858 bytes at level M) scans on phones.
    expect(inviteLink('https://kith.example', named).length).toBeLessThan(720);
  });

  it('refuses a name longer than the limit', async () => {
    const make = (inviterName: string) =>
      createInvite({
        identity: alice,
        inviterName,
        keyRecord: aliceRecord,
        expiresAt: NOW,
        signalingUrls: [URL_A],
      });
    await expect(make('é'.repeat(161))).rejects.toThrow(RangeError);
    expect(await reasonOf(await forge({ version: 2, name: 'x'.repeat(321) }))).toBe('malformed');
    const longest = await forge({ version: 2, name: 'x'.repeat(320) });
    expect((await decodeInvite(longest, new ManualClock(NOW), verifier)).inviterName).toHaveLength(
      320,
    );
  });

  it('carries the multi-use flag', async () => {
    const multi = await createInvite({
      identity: alice,
      keyRecord: aliceRecord,
      expiresAt: NOW + HOUR,
      multiUse: true,
      signalingUrls: [URL_A],
    });
    expect((await decodeInvite(encodeInvite(multi), new ManualClock(NOW), verifier)).multiUse).toBe(
      true,
    );
  });

  it('refuses to create an invite with unusable URLs', async () => {
    const make = (signalingUrls: string[]) =>
      createInvite({ identity: alice, keyRecord: aliceRecord, expiresAt: NOW, signalingUrls });
    await expect(make(['https://kith.example/'])).rejects.toMatchObject({ reason: 'bad-url' });
    await expect(make([])).rejects.toMatchObject({ reason: 'bad-url' });
    await expect(make(Array(5).fill(URL_A))).rejects.toMatchObject({ reason: 'too-many-urls' });
  });

  it('refuses each malformed case with its reason', async () => {
    const payload = encodeInvite(invite);
    const bytes = invite.bytes;
    const cases: [string, string, InviteErrorReason][] = [
      ['empty text', '', 'empty'],
      ['empty fragment', 'https://kith.example/#invite=', 'empty'],
      ['link without an invite', 'https://kith.example/#other=1', 'malformed'],
      ['garbage base64', '!!!not-base64!!!', 'malformed'],
      ['impossible base64 length', 'A', 'malformed'],
      ['too long', 'A'.repeat(5000), 'too-large'],
      ['truncated by one byte', toBase64Url(bytes.subarray(0, bytes.length - 1)), 'malformed'],
      ['truncated to the version', toBase64Url(bytes.subarray(0, 1)), 'malformed'],
      ['trailing byte', toBase64Url(new Uint8Array([...bytes, 0])), 'malformed'],
      [
        'unknown version',
        toBase64Url(new Uint8Array([3, ...bytes.subarray(1)])),
        'unsupported-version',
      ],
    ];
    for (const [what, text, reason] of cases) {
      expect(await reasonOf(text), what).toBe(reason);
    }
    expect(await reasonOf(payload, NOW + HOUR + 1)).toBe('expired');
  });

  it('refuses signed invites whose content is wrong', async () => {
    expect(await reasonOf(await forge({ urls: ['http://kith.example/'] }))).toBe('bad-url');
    expect(await reasonOf(await forge({ urls: ['wss://u:p@kith.example/'] }))).toBe('bad-url');
    expect(await reasonOf(await forge({ urls: ['not a url'] }))).toBe('bad-url');
    expect(await reasonOf(await forge({ urls: [] }))).toBe('bad-url');
    expect(await reasonOf(await forge({ urls: Array(5).fill(URL_A) }))).toBe('too-many-urls');
    expect(await reasonOf(await forge({ urls: [`wss://${'a'.repeat(300)}.example/`] }))).toBe(
      'malformed',
    );
    expect(await reasonOf(await forge({ flags: 2 }))).toBe('malformed');
    expect(await reasonOf(await forge({ expiresAt: NOW - 1 }))).toBe('expired');
    // Signed by Bob while claiming to be Alice, or Alice vouching for Bob's X25519 key.
    expect(await reasonOf(await forge({}, bob))).toBe('bad-signature');
    const bobRecord = await publishEncryptionKey(bob, NOW);
    expect(await reasonOf(await forge({ record: bobRecord.bytes }))).toBe('bad-key-record');
    // A valid forge decodes, so the cases above fail for the reason they name.
    await expect(
      decodeInvite(await forge({}), new ManualClock(NOW), verifier),
    ).resolves.toBeDefined();
  });

  it('rejects a tampered byte anywhere (property)', async () => {
    const bytes = invite.bytes;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (index, flip) => {
          const tampered = bytes.slice();
          tampered[index]! ^= flip;
          const error = await decodeInvite(
            toBase64Url(tampered),
            new ManualClock(NOW),
            verifier,
          ).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(InviteError);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects every truncation and arbitrary text (property)', async () => {
    const bytes = invite.bytes;
    for (let length = 0; length < bytes.length; length++) {
      await expect(
        decodeInvite(toBase64Url(bytes.subarray(0, length)), new ManualClock(NOW), verifier),
      ).rejects.toBeInstanceOf(InviteError);
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 3000 }), async (text) => {
        await expect(decodeInvite(text, new ManualClock(NOW), verifier)).rejects.toBeInstanceOf(
          InviteError,
        );
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (random) => {
        await expect(
          decodeInvite(toBase64Url(random), new ManualClock(NOW), verifier),
        ).rejects.toBeInstanceOf(InviteError);
      }),
      { numRuns: 300 },
    );
    expect(fromBase64Url(encodeInvite(invite))).toEqual(bytes);
  });
});
