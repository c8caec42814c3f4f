import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '../core/bytes.ts';
import { systemClock } from '../core/clock.ts';
import { createIdentity, startNewDevice } from '../core/identity/device-setup.ts';
import type { Identity } from '../core/identity/keys.ts';
import { issueDeviceRevocation } from '../core/identity/revocation.ts';
import { deviceIdToKey, type DeviceId } from '../core/ids.ts';
import {
  encodeRelayState,
  loadRelayState,
  parseRelayState,
  RelayStateError,
  saveRelayHandover,
  saveRelayState,
  saveRelayUnpaired,
  type RelayState,
} from './relay-state.ts';

async function relayState(
  role: 'relay' | 'device' = 'relay',
  alice?: Awaited<ReturnType<typeof createIdentity>>,
): Promise<RelayState> {
  alice ??= await createIdentity({ clock: systemClock });
  const bob = await createIdentity({ clock: systemClock });
  return {
    device: await startNewDevice(alice.identity, { clock: systemClock, role, extractable: true }),
    handover: {
      person: alice.identity.personId,
      ownDevices: randomBytes(32),
      friends: [{ person: bob.identity.personId, pairwiseSecret: randomBytes(32) }],
    },
    signalingUrl: 'wss://kith.example/signaling',
    iceServers: [{ urls: ['turn:kith.example:3478'], username: 'u', credential: 'c' }],
  };
}

/** The saved text of a fresh state, as an object to spoil. */
async function savedObject(): Promise<Record<string, unknown>> {
  return JSON.parse(await encodeRelayState(await relayState())) as Record<string, unknown>;
}

describe('relay state', () => {
  it('reads back what it saved, the device key imported non-extractable', async () => {
    const state = await relayState();
    const back = await parseRelayState(await encodeRelayState(state));
    expect(back.device.key.deviceId).toBe(state.device.key.deviceId);
    expect(back.device.key.keyPair.privateKey.extractable).toBe(false);
    expect(back.device.certificate.bytes).toEqual(state.device.certificate.bytes);
    expect(back.device.yjsClientId).toBe(state.device.yjsClientId);
    expect(back.handover).toEqual(state.handover);
    expect(back.signalingUrl).toBe(state.signalingUrl);
    expect(back.iceServers).toEqual(state.iceServers);
  });

  it('refuses text that is not JSON', async () => {
    await expect(parseRelayState('{"version":')).rejects.toThrow(/not JSON/);
    await expect(parseRelayState('[]')).rejects.toThrow(RelayStateError);
  });

  it('refuses another version', async () => {
    const saved = { ...(await savedObject()), version: 2 };
    await expect(parseRelayState(JSON.stringify(saved))).rejects.toThrow(/version 2, not 1/);
  });

  it.each([
    ['keySeed', /keySeed/],
    ['certificate', /certificate/],
    ['yjsClientId', /yjsClientId/],
    ['handover', /handover/],
    ['signalingUrl', /signalingUrl/],
    ['iceServers', /iceServers/],
  ])('refuses a state without %s', async (field, message) => {
    const saved = await savedObject();
    delete saved[field];
    await expect(parseRelayState(JSON.stringify(saved))).rejects.toThrow(message);
  });

  it('refuses malformed fields', async () => {
    const spoil = async (change: (saved: Record<string, unknown>) => void) => {
      const saved = await savedObject();
      change(saved);
      return parseRelayState(JSON.stringify(saved));
    };
    await expect(spoil((s) => (s.keySeed = 'AAAA'))).rejects.toThrow(/keySeed/);
    await expect(spoil((s) => (s.certificate = 'AAAA'))).rejects.toThrow(/certificate/);
    await expect(spoil((s) => (s.signalingUrl = 'http://kith.example'))).rejects.toThrow(
      /signalingUrl/,
    );
    await expect(spoil((s) => (s.iceServers = [{ urls: 'http://x' }]))).rejects.toThrow(
      /iceServers/,
    );
    await expect(
      spoil((s) => ((s.handover as Record<string, unknown>).friends = [{ person: 'x' }])),
    ).rejects.toThrow(/handover.friends\[0\].person/);
  });

  it('refuses a certificate of another key, of a reading device, or of another person', async () => {
    const one = await savedObject();
    const other = await savedObject();
    await expect(
      parseRelayState(JSON.stringify({ ...one, keySeed: other.keySeed })),
    ).rejects.toThrow(/another device key/);
    await expect(
      parseRelayState(JSON.stringify({ ...one, handover: other.handover })),
    ).rejects.toThrow(/another person/);
    const device = await encodeRelayState(await relayState('device'));
    await expect(parseRelayState(device)).rejects.toThrow(/not a relay/);
  });

  it('keeps its person’s revocation of it; refuses another device’s, another person’s, a forged one', async () => {
    const alice = await createIdentity({ clock: systemClock });
    const mallory = await createIdentity({ clock: systemClock });
    const relay = () =>
      startNewDevice(alice.identity, { clock: systemClock, role: 'relay', extractable: true });
    const device = await relay();
    const state: RelayState = {
      device,
      handover: { person: alice.identity.personId, ownDevices: randomBytes(32), friends: [] },
      signalingUrl: 'wss://kith.example/signaling',
      iceServers: [],
    };
    const revoke = (identity: Identity, of: DeviceId) =>
      issueDeviceRevocation(identity, { deviceKey: deviceIdToKey(of), revokedAt: 1 });
    const unpaired = await revoke(alice.identity, device.key.deviceId);
    const back = await parseRelayState(await encodeRelayState({ ...state, unpaired }));
    expect(back.unpaired?.bytes).toEqual(unpaired.bytes);

    for (const wrong of [
      await revoke(alice.identity, (await relay()).key.deviceId),
      await revoke(mallory.identity, device.key.deviceId),
    ]) {
      await expect(
        parseRelayState(await encodeRelayState({ ...state, unpaired: wrong })),
      ).rejects.toThrow(/not of this relay by its person/);
    }
    const forged = unpaired.bytes.slice();
    forged[forged.length - 1]! ^= 1;
    const saved = JSON.parse(await encodeRelayState(state)) as Record<string, unknown>;
    await expect(
      parseRelayState(JSON.stringify({ ...saved, unpaired: toBase64Url(forged) })),
    ).rejects.toThrow(/not signed by its person/);
  });

  it('keeps both of two changes saved at once: a newer handover and being unpaired', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kith-relay-state-'));
    try {
      const alice = await createIdentity({ clock: systemClock });
      const state = await relayState('relay', alice);
      await saveRelayState(folder, state);
      const newer = { ...state.handover, ownDevices: randomBytes(32), friends: [] };
      const unpaired = await issueDeviceRevocation(alice.identity, {
        deviceKey: deviceIdToKey(state.device.key.deviceId),
        revokedAt: 1,
      });
      await Promise.all([saveRelayHandover(folder, newer), saveRelayUnpaired(folder, unpaired)]);
      const back = (await loadRelayState(folder))!;
      expect(back.handover.person).toBe(alice.identity.personId);
      expect(back.handover.ownDevices).toEqual(newer.ownDevices);
      expect(back.unpaired?.bytes).toEqual(unpaired.bytes);
      expect(await readdir(folder)).toEqual(['relay.json']);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
