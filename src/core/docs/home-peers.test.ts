/**
 * The `home-peers` doc's map: a home peer recorded on one device reads the same on another once
 * their updates meet; unpaired on another, it reads unpaired there, and a pairing record written
 * after (as moving a device's old settings in does) never undoes it; malformed values skipped.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { randomBytes } from '../bytes.ts';
import { deviceIdFromKey } from '../ids.ts';
import { HOME_PEERS_ROOT, readHomePeers, writeHomePeer, type HomePeer } from './home-peers.ts';

const relay = (): HomePeer => ({
  device: deviceIdFromKey(randomBytes(32)),
  channel: randomBytes(32),
  pairedAt: 1_700_000_000_000,
});

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
}

describe('the home-peers doc', () => {
  it('carries a pairing to another device and an unpairing back; a later pairing record undoes no unpairing', () => {
    const phone = new Y.Doc();
    const laptop = new Y.Doc();
    const home = relay();
    expect(writeHomePeer(phone, home)).not.toBeNull();
    expect(writeHomePeer(phone, home)).toBeNull();
    sync(phone, laptop);
    expect(readHomePeers(laptop)).toEqual([home]);

    const revocation = randomBytes(140);
    writeHomePeer(laptop, { ...home, revocation });
    // The phone writes the pairing again (as moving its old settings in does): no revival.
    expect(writeHomePeer(laptop, home)).toBeNull();
    sync(laptop, phone);
    expect(readHomePeers(phone)).toEqual([{ ...home, revocation }]);
  });

  it('skips what is not a home peer', () => {
    const doc = new Y.Doc();
    const good = relay();
    writeHomePeer(doc, good);
    const map = doc.getMap(HOME_PEERS_ROOT);
    map.set('not-a-device', { channel: 'A'.repeat(43), pairedAt: 1 });
    map.set(deviceIdFromKey(randomBytes(32)), { channel: 'short', pairedAt: 1 });
    map.set(deviceIdFromKey(randomBytes(32)), 'a string');
    map.set(deviceIdFromKey(randomBytes(32)), { channel: 'A'.repeat(43), pairedAt: 'soon' });
    expect(readHomePeers(doc)).toEqual([good]);
  });
});
