import { describe, expect, it } from 'vitest';
import { createIdentity, startNewDevice } from '../identity/device-setup.ts';
import { encryptionKeyOfGeneration } from '../identity/keys.ts';
import { defaultVerifier } from '../identity/verifier.ts';
import { ManualClock } from '../clock.ts';
import {
  KeyGenerationError,
  deviceSecret,
  keysOfGeneration,
  makeKeyGenerationRecord,
  openGenerationBox,
  readKeyGenerationRecord,
} from './key-generation-record.ts';

const clock = new ManualClock(1_750_000_000_000);

describe('key generation records', () => {
  it('hand the new keys to each device listed, under its own secret, and to no other', async () => {
    const { identity } = await createIdentity({ clock });
    const stays = (await startNewDevice(identity, { clock })).key.deviceId;
    const removed = (await startNewDevice(identity, { clock })).key.deviceId;
    const bytes = await makeKeyGenerationRecord(identity, 2, clock.now(), [stays]);

    const record = await readKeyGenerationRecord(bytes, identity.personId, 2, defaultVerifier);
    expect(record.key.generation).toBe(2);
    expect(record.key.encryptionKey).toEqual(
      (await encryptionKeyOfGeneration(identity.seed, 2)).publicKey,
    );
    expect(await openGenerationBox(record, stays, deviceSecret(identity.seed, stays))).toEqual(
      keysOfGeneration(identity, 2),
    );
    // The removed device, with its own secret or with the staying one's: nothing.
    expect(await openGenerationBox(record, removed, deviceSecret(identity.seed, removed))).toBe(
      null,
    );
    expect(await openGenerationBox(record, stays, deviceSecret(identity.seed, removed))).toBe(null);
  });

  it('refuses a record of another person, of another generation than its doc, or malformed', async () => {
    const { identity } = await createIdentity({ clock });
    const { identity: mallory } = await createIdentity({ clock });
    const bytes = await makeKeyGenerationRecord(identity, 1, clock.now(), []);
    const read = (b: Uint8Array, generation = 1, author = identity.personId) =>
      readKeyGenerationRecord(b, author, generation, defaultVerifier);
    await expect(read(bytes, 1, mallory.personId)).rejects.toBeInstanceOf(KeyGenerationError);
    await expect(read(bytes, 2)).rejects.toThrow('another generation');
    await expect(read(bytes.subarray(0, bytes.length - 1))).rejects.toBeInstanceOf(
      KeyGenerationError,
    );
    await expect(read(Uint8Array.of(...bytes, 0))).rejects.toBeInstanceOf(KeyGenerationError);
    await expect(read(Uint8Array.of(9, ...bytes.subarray(1)))).rejects.toThrow('version');
    const tampered = bytes.slice();
    tampered[40] = tampered[40]! ^ 1;
    await expect(read(tampered)).rejects.toBeInstanceOf(KeyGenerationError);
  });
});
