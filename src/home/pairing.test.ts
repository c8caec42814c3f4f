/**
 * Pairing a home peer, and what follows, on the in-memory network (the mesh test's stand-ins for
 * signaling and WebRTC) with the relay over its real folder store: Alice's device makes a
 * pairing link, `pairFolder` reads it, both show the same code, Alice confirms, and FOLDER's
 * `relay.json` holds a relay certificate and her handover, no key that reads. Bob becomes her
 * friend later: her device sends the relay the new handover. She posts friends-only with a
 * photo, sees her home peer hold it all, leaves; Bob gets post and photo from the relay alone.
 * Then she unpairs it: the relay is told, and told again when it comes back. An unpaired FOLDER
 * says so and exits 4, and pairs again. The home peer is the person's, not the phone's: a laptop
 * linked later lists it, hands it its friend list and unpairs it while the phone is away.
 * Refusals: a second pairing of the FOLDER, a bad link, an expired one.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '../core/bytes.ts';
import { systemClock } from '../core/clock.ts';
import { createIdentity, startNewDevice } from '../core/identity/device-setup.ts';
import { issueDeviceRevocation, type DeviceRevocation } from '../core/identity/revocation.ts';
import { deviceIdToKey } from '../core/ids.ts';
import { deriveEncryptionKeySeed } from '../core/identity/keys.ts';
import { postSummary } from '../core/kinds/post.ts';
import type { SimplePeerConstructor } from '../core/net/connection-manager.ts';
import { FakeSimplePeer, MemorySignaling } from '../core/net/test-helpers.ts';
import {
  openNode,
  type KithNode,
  type LinkedNode,
  type NodeNetwork,
  type PersonNode,
} from '../core/node.ts';
import { LinkJoin, LinkOffer, openLinkedNode } from '../core/link/link-session.ts';
import { NoIdentityKeyError } from '../core/peer/device-authority.ts';
import { RelayDesk } from '../core/pairing/relay-desk.ts';
import { relayHandover } from '../core/relay-handover.ts';
import { MemoryStorageAdapter } from '../core/store/memory-storage-adapter.ts';
import { runCli, EXIT } from './cli.ts';
import { pairFolder, PairingError, readStdinLine, type PairingOptions } from './pairing.ts';
import { followPerson } from './relay-follow.ts';
import { openRelay } from './relay-run.ts';
import { loadRelayState, RELAY_STATE_FILE, saveRelayState } from './relay-state.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function join_(node: KithNode, hub: MemorySignaling): Promise<NodeNetwork> {
  return node.startNetwork({
    signaling: hub.client(),
    SimplePeer: FakeSimplePeer as unknown as SimplePeerConstructor,
    iceServers: () => [],
    tuning: { announceMs: 100, acceptRetryMs: 100, checkMs: 100 },
  });
}

async function person() {
  const saved = await createIdentity({ clock: systemClock });
  const node = await openNode({ store: new MemoryStorageAdapter(), ...saved, clock: systemClock });
  cleanups.push(() => node.close());
  return { saved, node, id: saved.identity.personId };
}

async function emptyFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'kith-pair-'));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

const ICE = [{ urls: ['turn:turn.kith.test:3478'], username: 'u', credential: 'c' }];

/** Pairing options over the in-memory hub; the URLs asked for are kept. */
function overHub(
  hub: MemorySignaling,
  link: () => Promise<string>,
  lines: string[],
  urls: string[],
) {
  return {
    readLink: link,
    out: (line: string) => lines.push(line),
    WebSocket: undefined as unknown as PairingOptions['WebSocket'],
    openSignaling: (url: string) => {
      urls.push(url);
      return { signaling: hub.client(), close: () => undefined };
    },
  } satisfies PairingOptions;
}

async function deskOf(node: PersonNode | LinkedNode, hub: MemorySignaling, lifetime?: number) {
  const desk = await RelayDesk.open({
    node,
    signaling: hub.client(),
    clock: systemClock,
    origin: 'https://kith.test',
    iceServers: () => ICE,
    pairLifetimeMs: lifetime,
  });
  cleanups.push(() => desk.stop());
  return desk;
}

describe('pairing a home peer', () => {
  it('pairs on a confirmed code, follows the friend list, carries a photo to Bob, and unpairs', async () => {
    const hub = new MemorySignaling();
    const folder = await emptyFolder();
    const alice = await person();
    const bob = await person();
    const desk = await deskOf(alice.node, hub);

    let shown: string | undefined;
    const pairing = await desk.pair((code) => (shown = code));
    expect(pairing.text).toMatch(/^https:\/\/kith\.test\/#pair=[\w-]+$/);
    const lines: string[] = [];
    const urls: string[] = [];
    const paired = pairFolder(
      folder,
      overHub(hub, async () => pairing.text, lines, urls),
    );
    await until('Alice’s device shows a code', () => shown !== undefined);
    await until('the home peer shows its code', () => lines.some((l) => l.includes('code')));
    expect(lines.join('\n')).toContain(`Pairing code: ${shown}.`);
    await pairing.confirm();
    const state = await paired;
    pairing.stop();

    expect(urls).toEqual(['wss://kith.test/signaling']);
    expect(state.device.certificate.role).toBe('relay');
    expect(state.device.certificate.person).toBe(alice.id);
    expect(state.iceServers).toEqual(ICE);
    const saved = await readFile(join(folder, RELAY_STATE_FILE), 'utf8');
    expect((await stat(join(folder, RELAY_STATE_FILE))).mode & 0o777).toBe(0o600);
    // No key that reads or signs as Alice: neither her identity seed nor her encryption key.
    const identity = alice.saved.identity;
    expect(saved).not.toContain(toBase64Url(identity.seed));
    expect(saved).not.toContain(toBase64Url(deriveEncryptionKeySeed(identity.seed, 0)));
    expect(desk.relays().map((r) => r.device)).toEqual([state.device.key.deviceId]);
    await expect(
      pairFolder(
        folder,
        overHub(hub, async () => pairing.text, [], []),
      ),
    ).rejects.toThrow(/paired already/);

    // The FOLDER run, as `runRelay` starts it (its network and channel on the hub).
    const loaded = (await loadRelayState(folder))!;
    const relay = await openRelay(folder, loaded);
    const relayNetwork = await join_(relay.node, hub);
    const told: DeviceRevocation[] = [];
    const follow = () =>
      followPerson({
        folder,
        state: { ...loaded, channel: loaded.channel! },
        relay,
        signaling: hub.client(),
        onUnpaired: (revocation) => told.push(revocation),
      });
    let unfollow = await follow();
    cleanups.push(async () => {
      await unfollow();
      relayNetwork.stop();
      await relay.close();
    });
    const aliceNetwork = await join_(alice.node, hub);

    // A friend made after pairing: Alice's device hands the relay the new list.
    const rendezvous = randomBytes(32);
    await alice.node.peer.addFriend({
      personId: bob.id,
      encryptionKey: bob.saved.identity.encryptionPublicKey,
      rendezvous,
    });
    await bob.node.peer.addFriend({
      personId: alice.id,
      encryptionKey: identity.encryptionPublicKey,
      rendezvous,
    });
    await until('the relay meets Bob', () => relay.node.friends.persons().includes(bob.id));
    expect((await loadRelayState(folder))!.handover.friends.map((f) => f.person)).toEqual([bob.id]);

    const image = new Uint8Array(300).fill(7);
    const words = 'quokka-pairing-photo';
    const post = await alice.node.peer.createPost({
      text: words,
      photos: [
        { image, thumb: new Uint8Array(20).fill(8), width: 8, height: 8, mime: 'image/jpeg' },
      ],
    });
    await until('Alice’s device sees her home peer hold everything', () => {
      const [view] = desk.relays();
      return view?.online === true && view.holdsAll === true;
    });
    expect(desk.relays()[0]!.entries).toBeGreaterThan(0);
    expect(desk.relays()[0]!.diskBytes).toBeGreaterThan(0);
    aliceNetwork.stop();

    const bobNetwork = await join_(bob.node, hub);
    cleanups.push(() => bobNetwork.stop());
    await until('Bob reads the post', async () => (await bob.node.peer.post(post)) !== undefined);
    const view = (await bob.node.peer.post(post))!;
    const photo = postSummary(view).photos[0]!;
    await until(
      'Bob’s device gets the photo',
      async () => (await bob.node.peer.photo(post, photo, 'image')) !== null,
    );
    expect(await bob.node.peer.photo(post, photo, 'image')).toEqual(image);

    const relayDevice = state.device.key.deviceId;
    await desk.unpair(relayDevice);
    expect(desk.relays()).toEqual([]);
    expect(alice.node.revocations.revocationOf(alice.id, relayDevice)).toBeDefined();
    await until('the home peer hears it was unpaired', () => told.length > 0);
    expect(told.map((r) => [r.person, r.device])).toEqual([[alice.id, relayDevice]]);

    // Away then, it is told when it comes back, by a desk opened anew (the list is kept).
    await unfollow();
    desk.stop();
    told.length = 0;
    await deskOf(alice.node, hub);
    unfollow = await follow();
    await until('the home peer hears it on its return', () => told.length > 0);
    expect(told[0]!.device).toBe(relayDevice);
  }, 60_000);

  it('is followed by every device of Alice: her laptop, linked later, lists it, hands it her friend list, has its posts held and unpairs it while her phone is away', async () => {
    const hub = new MemorySignaling();
    const folder = await emptyFolder();
    const alice = await person();
    const bob = await person();
    const rendezvous = randomBytes(32);
    await alice.node.peer.addFriend({
      personId: bob.id,
      encryptionKey: bob.saved.identity.encryptionPublicKey,
      rendezvous,
    });
    await bob.node.peer.addFriend({
      personId: alice.id,
      encryptionKey: alice.saved.identity.encryptionPublicKey,
      rendezvous,
    });

    // Paired from the phone, the device that holds her identity key.
    const phoneDesk = await deskOf(alice.node, hub);
    let shown = false;
    const pairing = await phoneDesk.pair(() => (shown = true));
    cleanups.push(() => pairing.stop());
    const lines: string[] = [];
    const paired = pairFolder(
      folder,
      overHub(hub, async () => pairing.text, lines, []),
    );
    await until('both show the code', () => shown && lines.some((l) => l.includes('code')));
    await pairing.confirm();
    const relayDevice = (await paired).device.key.deviceId;
    const loaded = (await loadRelayState(folder))!;
    const relay = await openRelay(folder, loaded);
    const relayNetwork = await join_(relay.node, hub);
    const told: DeviceRevocation[] = [];
    const unfollow = await followPerson({
      folder,
      state: { ...loaded, channel: loaded.channel! },
      relay,
      signaling: hub.client(),
      onUnpaired: (revocation) => told.push(revocation),
    });
    cleanups.push(async () => {
      await unfollow();
      relayNetwork.stop();
      await relay.close();
    });
    const phoneNetwork = await join_(alice.node, hub);

    // The laptop, linked afterwards: it learns the home peer from the phone, in the doc.
    const offer = await LinkOffer.create(alice.node, systemClock);
    const join = await LinkJoin.open(offer.bytes, { clock: systemClock });
    await offer.answer(join.request);
    const linked = await join.finish(await offer.confirm());
    const laptop = await openLinkedNode(linked, {
      store: new MemoryStorageAdapter(),
      clock: systemClock,
    });
    cleanups.push(() => laptop.close());
    const laptopNetwork = await join_(laptop, hub);
    cleanups.push(() => laptopNetwork.stop());
    const laptopDesk = await deskOf(laptop, hub);
    await until('the laptop lists the home peer', () =>
      laptopDesk.relays().some((r) => r.device === relayDevice),
    );
    expect(laptopDesk.canPair).toBe(false);
    await expect(laptopDesk.pair(() => undefined)).rejects.toBeInstanceOf(NoIdentityKeyError);

    // The phone sleeps: the laptop's post is held, and the laptop hears it from the home peer.
    phoneNetwork.stop();
    phoneDesk.stop();
    await laptop.peer.createPost({ text: 'written on the laptop' });
    await until('the laptop sees its home peer hold everything it wrote', () => {
      const view = laptopDesk.relays().find((r) => r.device === relayDevice);
      return view?.online === true && view.holdsAll === true;
    });
    // A friend removed on the laptop: the laptop hands the home peer the new list.
    expect(relay.node.friends.persons()).toContain(bob.id);
    await laptop.peer.removeFriend(bob.id);
    await until(
      'the home peer no longer serves Bob',
      () => !relay.node.friends.persons().includes(bob.id),
    );

    // Unpaired on the laptop, with the identity its recovery phrase gives.
    await laptopDesk.unpair(relayDevice, alice.saved.identity);
    expect(laptopDesk.relays()).toEqual([]);
    await until('the home peer hears it was unpaired', () => told.length > 0);
    expect(told.map((r) => [r.person, r.device])).toEqual([[alice.id, relayDevice]]);

    // The phone, awake again, no longer lists it once it syncs with the laptop.
    const phoneAgain = await join_(alice.node, hub);
    cleanups.push(() => phoneAgain.stop());
    const phoneDeskAgain = await deskOf(alice.node, hub);
    expect(phoneDeskAgain.relays().map((r) => r.device)).toEqual([relayDevice]);
    await until(
      'the phone learns the home peer was unpaired',
      () => phoneDeskAgain.relays().length === 0,
    );
  }, 60_000);

  it('says an unpaired FOLDER can be deleted or paired again, exits 4, and pairs it again', async () => {
    const hub = new MemorySignaling();
    const folder = await emptyFolder();
    const alice = await person();
    const device = await startNewDevice(alice.saved.identity, {
      clock: systemClock,
      role: 'relay',
      extractable: true,
    });
    const revocation = await issueDeviceRevocation(alice.saved.identity, {
      deviceKey: deviceIdToKey(device.key.deviceId),
      revokedAt: systemClock.now(),
    });
    await saveRelayState(folder, {
      device,
      handover: relayHandover(alice.node),
      signalingUrl: 'ws://127.0.0.1:1/signaling',
      iceServers: [],
      unpaired: revocation,
    });
    for (const json of [false, true]) {
      const out: string[] = [];
      const args = json ? [folder, '--json'] : [folder];
      const code = await runCli(args, { out: (l) => out.push(l), err: (l) => out.push(l) }, 't');
      expect(code).toBe(EXIT.unpaired);
      expect(out).toEqual([
        json
          ? JSON.stringify({ status: 'unpaired', person: alice.id })
          : `unpaired by ${alice.id}: this folder can be deleted or paired again`,
      ]);
    }

    const desk = await deskOf(alice.node, hub);
    let shown = false;
    const pairing = await desk.pair(() => (shown = true));
    cleanups.push(() => pairing.stop());
    const lines: string[] = [];
    const paired = pairFolder(
      folder,
      overHub(hub, async () => pairing.text, lines, []),
    );
    await until('both show the code', () => shown && lines.some((l) => l.includes('code')));
    await pairing.confirm();
    const again = await paired;
    expect(again.unpaired).toBeUndefined();
    expect(again.device.key.deviceId).not.toBe(device.key.deviceId);
    expect((await loadRelayState(folder))!.unpaired).toBeUndefined();
  });

  it('refuses a bad link and an expired one in one line each, and pairs nothing', async () => {
    const hub = new MemorySignaling();
    const folder = await emptyFolder();
    await expect(
      pairFolder(
        folder,
        overHub(hub, async () => 'https://kith.test/#link=abc', [], []),
      ),
    ).rejects.toThrow(
      new PairingError('that is not a pairing link: copy it whole from Settings → Home peer'),
    );

    const alice = await person();
    const desk = await deskOf(alice.node, hub, 1);
    const pairing = await desk.pair(() => undefined);
    cleanups.push(() => pairing.stop());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      [folder, '--pair'],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      'test',
      undefined,
      async () => pairing.text,
    );
    expect(code).toBe(EXIT.usage);
    expect(err).toEqual([
      'kith-home: the pairing link has expired: make a new one in Settings → Home peer',
    ]);
    expect(await loadRelayState(folder)).toBeNull();
  });

  it('reads the link as standard input’s first line, piped or typed; none is one line', async () => {
    expect(await readStdinLine(Readable.from(['https://kith.test/#pair=abc\nmore\n']))).toBe(
      'https://kith.test/#pair=abc',
    );
    expect(await readStdinLine(Readable.from(['https://kith', '.test/#pair=abc']))).toBe(
      'https://kith.test/#pair=abc',
    );
    await expect(readStdinLine(Readable.from([]))).rejects.toThrow(
      new PairingError('no pairing link on standard input'),
    );
  });
});
