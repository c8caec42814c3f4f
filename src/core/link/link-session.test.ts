/**
 * Linking a device, step by step and with bad input: the two sides of `link-session.ts` over a
 * real person's node (opened through `openNode`); the messages go straight from one to the other.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { createIdentity } from '../identity/device-setup.ts';
import { deviceSecret } from '../crypto/key-generation-record.ts';
import {
  deriveIdentityKeySeeds,
  encryptionKeyOfGeneration,
  selfKeyOfGeneration,
} from '../identity/keys.ts';
import { openNode, type PersonNode } from '../node.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { LinkError, decodeLinkPayload, linkPayloadFromText, linkUrl } from './link-codec.ts';
import { LINK_LIFETIME_MS, LinkJoin, LinkOffer } from './link-session.ts';

async function firstDevice(clock: ManualClock): Promise<PersonNode> {
  const saved = await createIdentity({ clock });
  return openNode({ store: new MemoryStorageAdapter(), ...saved, clock });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LinkError);
  return (error as LinkError).reason;
}

/** Flips the low bit of byte `at`. */
function flip(bytes: Uint8Array, at: number): void {
  bytes.set([(bytes[at] ?? 0) ^ 1], at);
}

/** Whether `needle` occurs anywhere in `haystack`'s bytes. */
function holds(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('linking a device', () => {
  it('shows the same code on both devices and hands over certified keys, never the identity seed', async () => {
    const clock = new ManualClock(Date.now());
    const alice = await firstDevice(clock);
    const offer = await LinkOffer.create(alice, clock);
    const text = linkUrl('https://kith.example', offer.bytes);
    const join = await LinkJoin.open(linkPayloadFromText(text), { clock });
    const code = await offer.answer(join.request);
    expect(code).toMatch(/^\d{3} \d{3}$/);
    expect(code).toBe(join.code);

    const sealed = await offer.confirm();
    const linked = await join.finish(sealed);
    const { linked: keys, device } = linked.options;
    expect(keys.personId).toBe(alice.identity.personId);
    expect(keys.encryptionPublicKey).toEqual(alice.identity.encryptionPublicKey);
    expect(device.certificate.person).toBe(alice.identity.personId);
    expect(device.certificate.role).toBe('device');
    expect(device.key.deviceId).not.toBe(alice.device.key.deviceId);
    expect('seed' in keys).toBe(false);
    // Neither the seed nor the identity signing key's seed travels, even sealed.
    const { ed25519 } = deriveIdentityKeySeeds(alice.identity.seed);
    expect(holds(sealed, alice.identity.seed)).toBe(false);
    for (const secret of [alice.identity.seed, ed25519]) {
      expect(holds(linked.options.ownDevices, secret)).toBe(false);
      expect(holds(keys.selfKey, secret)).toBe(false);
    }
    alice.close();
  });

  it('after a device was removed, hands the keys of the person’s current generation, and the new device’s own secret', async () => {
    const clock = new ManualClock(Date.now());
    const alice = await firstDevice(clock);
    await alice.peer.nextKeyGeneration();
    const offer = await LinkOffer.create(alice, clock);
    const join = await LinkJoin.open(offer.bytes, { clock });
    await offer.answer(join.request);
    const { linked: keys, device } = (await join.finish(await offer.confirm())).options;
    expect(keys.generation).toBe(1);
    expect(keys.encryptionPublicKey).toEqual(
      (await encryptionKeyOfGeneration(alice.identity.seed, 1)).publicKey,
    );
    expect(keys.selfKey).toEqual(selfKeyOfGeneration(alice.identity.seed, 1));
    expect(keys.deviceSecret).toEqual(deviceSecret(alice.identity.seed, device.key.deviceId));
    alice.close();
  });

  it('refuses an expired link on either device', async () => {
    const clock = new ManualClock(Date.now());
    const alice = await firstDevice(clock);
    const offer = await LinkOffer.create(alice, clock);
    const join = await LinkJoin.open(offer.bytes, { clock });
    clock.advance(LINK_LIFETIME_MS + 1);
    expect(await refusal(LinkJoin.open(offer.bytes, { clock }))).toBe('expired');
    expect(await refusal(offer.answer(join.request))).toBe('expired');
    alice.close();
  });

  it('refuses a reused link: a second answer, and a second confirmation', async () => {
    const clock = new ManualClock(Date.now());
    const alice = await firstDevice(clock);
    const offer = await LinkOffer.create(alice, clock);
    const first = await LinkJoin.open(offer.bytes, { clock });
    const second = await LinkJoin.open(offer.bytes, { clock });
    await offer.answer(first.request);
    expect(await refusal(offer.answer(second.request))).toBe('used');
    await first.finish(await offer.confirm());
    expect(await refusal(offer.confirm())).toBe('used');
    alice.close();
  });

  it('sends nothing when the person sees different codes (someone else answered the link first)', async () => {
    const clock = new ManualClock(Date.now());
    const alice = await firstDevice(clock);
    const offer = await LinkOffer.create(alice, clock);
    const thief = await LinkJoin.open(offer.bytes, { clock });
    const mine = await LinkJoin.open(offer.bytes, { clock });
    const shown = await offer.answer(thief.request);
    expect(shown).not.toBe(mine.code);
    offer.refuse();
    expect(await refusal(offer.confirm())).toBe('used');
    expect(await refusal(offer.answer(mine.request))).toBe('used');
    alice.close();
  });

  it('refuses tampered messages: the link, the request and the sealed bundle', async () => {
    const clock = new ManualClock(Date.now());
    const alice = await firstDevice(clock);
    const offer = await LinkOffer.create(alice, clock);

    const badVersion = offer.bytes.slice();
    badVersion[0] = 9;
    expect(await refusal(LinkJoin.open(badVersion, { clock }))).toBe('unknown-version');
    expect(await refusal(LinkJoin.open(offer.bytes.slice(0, 40), { clock }))).toBe('malformed');
    expect(() => linkPayloadFromText('https://kith.example/#link=***')).toThrow(LinkError);

    // A link whose secret was altered answers with a tag the first device refuses.
    const payload = decodeLinkPayload(offer.bytes);
    const forged = offer.bytes.slice();
    flip(forged, 1 + 32);
    expect(decodeLinkPayload(forged).person).toBe(payload.person);
    const stranger = await LinkJoin.open(forged, { clock });
    expect(await refusal(offer.answer(stranger.request))).toBe('tampered');

    const join = await LinkJoin.open(offer.bytes, { clock });
    const request = join.request.slice();
    flip(request, 5);
    expect(await refusal(offer.answer(request))).toBe('tampered');
    // A refused request does not spend the link: the real answer still goes through.
    await offer.answer(join.request);
    const sealed = await offer.confirm();
    const altered = sealed.slice();
    flip(altered, altered.length - 1);
    expect(await refusal(join.finish(altered))).toBe('tampered');
    // A bundle sealed for another exchange does not open here either.
    const other = await LinkOffer.create(alice, clock);
    const otherJoin = await LinkJoin.open(other.bytes, { clock });
    await other.answer(otherJoin.request);
    expect(await refusal(join.finish(await other.confirm()))).toBe('tampered');
    await join.finish(sealed);
    alice.close();
  });
});
