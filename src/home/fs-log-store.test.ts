import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFile,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { createIdentity } from '../core/identity/device-setup.ts';
import { signEd25519 } from '../core/identity/keys.ts';
import { defaultVerifier } from '../core/identity/verifier.ts';
import type { PersonId } from '../core/ids.ts';
import { loadDeviceState, saveDeviceState } from '../core/peer/device-state.ts';
import { StorageQuotaError } from '../core/store/errors.ts';
import { runLogStoreSuite } from '../core/store/log-store-suite.ts';
import {
  ALICE,
  BOB,
  LAPTOP,
  PHONE,
  testEntries,
  testEntry,
} from '../core/store/store-test-helpers.ts';
import { FolderLockedError, LOCK_FILE } from './folder-lock.ts';
import { FsLogStore, type LogRole } from './fs-log-store.ts';

const folders: string[] = [];
async function freshFolder(): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'kith-fs-store-'));
  folders.push(base);
  return join(base, 'home');
}
afterAll(async () => {
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

runLogStoreSuite('FsLogStore', async () => FsLogStore.open({ folder: await freshFolder() }));

const CAROL = 'carol' as PersonId;
const DAVE = 'dave' as PersonId;

describe('FsLogStore on disk', () => {
  it('keeps everything across a reopen: entries, covers, forks, blobs, settings', async () => {
    const folder = await freshFolder();
    const first = await FsLogStore.open({ folder });
    await first.putEntries(testEntries(ALICE, PHONE, 1, 30));
    await first.putEntries(testEntries(BOB, LAPTOP, 5, 9));
    await first.putForkEvidence(testEntry(BOB, LAPTOP, 5), testEntry(BOB, LAPTOP, 5, 1));
    await first.putBlob('photo', new Uint8Array([9, 8, 7]));
    await first.setSetting('device/state', { seed: new Uint8Array([1, 2]) });
    await first.pruneLog(ALICE, PHONE, 11);
    const before = {
      logs: await first.listLogs(),
      entries: await first.getEntries(ALICE, PHONE, 1, 30),
      forks: await first.listForks(),
    };
    await first.close();
    const again = await FsLogStore.open({ folder });
    expect(await again.listLogs()).toEqual(before.logs);
    expect(await again.getEntries(ALICE, PHONE, 1, 30)).toEqual(before.entries);
    expect(before.entries.map((e) => e.seq)).toEqual(
      testEntries(ALICE, PHONE, 11, 30).map((e) => e.seq),
    );
    expect(await again.listForks()).toEqual(before.forks);
    expect(await again.forkSeq(BOB, LAPTOP)).toBe(5);
    expect(await again.getBlob('photo')).toEqual(new Uint8Array([9, 8, 7]));
    expect(await again.getSetting('device/state')).toEqual({ seed: new Uint8Array([1, 2]) });
    await again.close();
  });

  it('writes only the fields of a stored entry, whatever else the object passed carries', async () => {
    const folder = await freshFolder();
    const store = await FsLogStore.open({ folder });
    const plain = testEntry(ALICE, PHONE, 1);
    await store.putEntries([{ ...plain, payload: new Uint8Array(5000) } as typeof plain]);
    expect(await store.getEntry(ALICE, PHONE, 1)).toEqual(plain);
    expect(await store.diskBytes()).toBeLessThan(1000);
    await store.close();
  });

  it('creates its folders 0700 and its files 0600', async () => {
    const folder = await freshFolder();
    const store = await FsLogStore.open({ folder });
    await store.putEntries(testEntries(ALICE, PHONE, 1, 3));
    await store.putBlob('photo', new Uint8Array(10));
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    expect(await mode(folder)).toBe(0o700);
    expect(await mode(join(folder, 'blobs'))).toBe(0o700);
    const files = [
      ...(await readdir(folder)).filter((n) => n !== 'blobs').map((n) => join(folder, n)),
      ...(await readdir(join(folder, 'blobs'))).map((n) => join(folder, 'blobs', n)),
    ];
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(await mode(file)).toBe(0o600);
    await store.close();
  });

  it('loses nothing acknowledged when the journal is torn or damaged past its last fsync', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.boolean(),
        async (batches, where, flip) => {
          const folder = await freshFolder();
          const store = await FsLogStore.open({ folder });
          for (let b = 0; b < batches; b++) {
            await store.putEntries(testEntries(ALICE, PHONE, b * 10 + 1, b * 10 + 10));
          }
          await store.setSetting('kept', 1);
          const acked = await store.getEntries(ALICE, PHONE, 1, 1000);
          const journal = join(folder, 'journal');
          const durable = (await stat(journal)).size;
          // The next batch, as a crash may leave it: cut anywhere, or with a byte changed.
          await store.putEntries(testEntries(BOB, PHONE, 1, 10));
          await store.close();
          const size = (await stat(journal)).size;
          const at = durable + Math.floor(where * (size - durable));
          if (flip) {
            const bytes = await readFile(journal);
            bytes[at] = bytes[at]! ^ 0x5a;
            await writeFile(journal, bytes);
          } else {
            await truncate(journal, at);
          }
          const reopened = await FsLogStore.open({ folder });
          expect(await reopened.getEntries(ALICE, PHONE, 1, 1000)).toEqual(acked);
          expect(await reopened.getSetting('kept')).toBe(1);
          expect(await reopened.heldRanges(BOB, PHONE)).toEqual([]);
          // The torn frame was cut off: what comes next lands and stays.
          await reopened.putEntries(testEntries(BOB, PHONE, 1, 3));
          await reopened.close();
          const last = await FsLogStore.open({ folder });
          expect(await last.heldRanges(BOB, PHONE)).toEqual([{ start: 1, end: 3 }]);
          expect(await last.getEntries(ALICE, PHONE, 1, 1000)).toEqual(acked);
          await last.close();
        },
      ),
      { numRuns: 25 },
    );
  });

  it('takes garbage appended after the last frame for a torn write', async () => {
    const folder = await freshFolder();
    const store = await FsLogStore.open({ folder });
    await store.putEntries(testEntries(ALICE, PHONE, 1, 5));
    await store.close();
    await appendFile(join(folder, 'journal'), new Uint8Array([200, 0, 0, 0, 1, 2, 3]));
    const again = await FsLogStore.open({ folder });
    expect(await again.heldRanges(ALICE, PHONE)).toEqual([{ start: 1, end: 5 }]);
    await again.putEntries(testEntries(ALICE, PHONE, 6, 7));
    await again.close();
    const last = await FsLogStore.open({ folder });
    expect(await last.heldRanges(ALICE, PHONE)).toEqual([{ start: 1, end: 7 }]);
    await last.close();
  });

  it('keeps the device key as bytes: the relay device reopens with a key that still signs', async () => {
    const folder = await freshFolder();
    const first = await FsLogStore.open({ folder });
    const created = await createIdentity({ clock: new ManualClock(1_000), extractable: true });
    await saveDeviceState(first, created);
    await first.close();
    const again = await FsLogStore.open({ folder });
    const loaded = await loadDeviceState(again);
    expect(loaded?.device.key.deviceId).toBe(created.device.key.deviceId);
    const message = new TextEncoder().encode('from the folder');
    const signature = await signEd25519(loaded!.device.key.keyPair.privateKey, message);
    const checked = await defaultVerifier.verify({
      publicKey: created.device.key.publicKey,
      message,
      signature,
    });
    expect(checked.ok).toBe(true);
    await again.close();
  });
});

describe('FsLogStore folder lock', () => {
  const fixture = resolve(import.meta.dirname, 'hold-folder.fixture.ts');
  // Node itself with tsx's loader (not the `tsx` wrapper, which runs Node as a child): the pid
  // killed is the process holding the folder.
  function holder(folder: string): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', fixture, folder], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }
  function exitOf(child: ChildProcess): Promise<number | null> {
    return new Promise((done) => child.on('exit', (code) => done(code)));
  }
  function opened(child: ChildProcess): Promise<void> {
    return new Promise((done, fail) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('opened')) done();
      });
      child.on('exit', (code) => fail(new Error(`exited with ${code} before opening`)));
    });
  }

  it('refuses a second opener in this process with FolderLockedError', async () => {
    const folder = await freshFolder();
    const store = await FsLogStore.open({ folder });
    const error = await FsLogStore.open({ folder }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FolderLockedError);
    expect((error as FolderLockedError).exitCode).toBe(2);
    await store.close();
    await (await FsLogStore.open({ folder })).close();
  });

  it('makes a second process on the same folder exit with code 2, and lets it in once free', async () => {
    const folder = await freshFolder();
    const first = holder(folder);
    await opened(first);
    const second = holder(folder);
    second.stdin!.end();
    expect(await exitOf(second)).toBe(2);
    const firstExit = exitOf(first);
    first.stdin!.end();
    expect(await firstExit).toBe(0);
    const third = holder(folder);
    await opened(third);
    const thirdExit = exitOf(third);
    third.stdin!.end();
    expect(await thirdExit).toBe(0);
  }, 60_000);

  it('takes over the lock of a process that was killed', async () => {
    const folder = await freshFolder();
    const first = holder(folder);
    await opened(first);
    const killed = exitOf(first);
    first.kill('SIGKILL');
    await killed;
    expect(await readdir(folder)).toContain(LOCK_FILE);
    const store = await FsLogStore.open({ folder });
    await store.putEntries(testEntries(ALICE, PHONE, 1, 2));
    await store.close();
  }, 60_000);
});

describe('FsLogStore quota', () => {
  const roles: Record<string, LogRole> = {
    alice: 'own',
    bob: 'friend',
    carol: 'other',
    dave: 'other',
  };
  const roleOf = (author: PersonId) => roles[author] ?? 'other';

  it("drops friends-of-friends' logs first, then the oldest blobs; never the person's or friends'", async () => {
    const folder = await freshFolder();
    const open = (quotaBytes?: number) => FsLogStore.open({ folder, quotaBytes, roleOf });
    const unlimited = await open();
    await unlimited.putEntries(testEntries(ALICE, PHONE, 1, 40));
    await unlimited.putEntries(testEntries(BOB, PHONE, 1, 40));
    await unlimited.putEntries(testEntries(CAROL, PHONE, 1, 60));
    await unlimited.putEntries(testEntries(DAVE, PHONE, 1, 20));
    const keepAlways = async (store: FsLogStore) => {
      await store.setSetting('device/state', { seed: new Uint8Array(4) });
      await store.putForkEvidence(testEntry(BOB, PHONE, 3), testEntry(BOB, PHONE, 3, 1));
    };
    await keepAlways(unlimited);
    await unlimited.putBlob('old', new Uint8Array(2000));
    await unlimited.putBlob('new', new Uint8Array(2000));
    // Blob age is the file's write time: make 'old' plainly older.
    const blobPath = (id: string) => join(folder, 'blobs', Buffer.from(id).toString('hex'));
    await utimes(blobPath('old'), new Date(2000, 0, 1), new Date(2000, 0, 1));
    const full = await unlimited.diskBytes();
    await unlimited.close();

    // Room for one more small batch only once a friend-of-friend's log goes.
    const store = await open(full + 100);
    await store.putEntries(testEntries(ALICE, PHONE, 41, 45));
    const authors = (await store.listLogs()).map((l) => l.author).sort();
    expect(authors).toEqual([ALICE, BOB, DAVE]);
    expect(await store.diskBytes()).toBeLessThanOrEqual(full + 100);
    expect(await store.hasBlob('old')).toBe(true);
    await store.close();

    // Tighter: every friend-of-friend goes, then the oldest blob. The room is measured on a
    // journal holding only what must stay (written in more frames than compaction writes).
    const reference = await FsLogStore.open({ folder: await freshFolder() });
    await reference.putEntries(testEntries(ALICE, PHONE, 1, 40));
    await reference.putEntries(testEntries(ALICE, PHONE, 41, 45));
    await reference.putEntries(testEntries(BOB, PHONE, 1, 40));
    await reference.putEntries(testEntries(BOB, PHONE, 41, 42));
    await keepAlways(reference);
    const mustStay = await reference.diskBytes();
    await reference.close();
    const tight = await open(mustStay + 3000);
    await tight.putEntries(testEntries(BOB, PHONE, 41, 42));
    expect((await tight.listLogs()).map((l) => l.author).sort()).toEqual([ALICE, BOB]);
    expect(await tight.hasBlob('old')).toBe(false);
    expect(await tight.hasBlob('new')).toBe(true);
    expect(await tight.heldRanges(ALICE, PHONE)).toEqual([{ start: 1, end: 45 }]);
    expect(await tight.heldRanges(BOB, PHONE)).toEqual([{ start: 1, end: 42 }]);
    await tight.close();

    // No room left without the person's own or friends' data: refused, nothing written and
    // nothing evicted (the blob would not have made room).
    const none = await open(1000);
    await expect(none.putEntries(testEntries(ALICE, PHONE, 46, 50))).rejects.toBeInstanceOf(
      StorageQuotaError,
    );
    expect(await none.heldRanges(ALICE, PHONE)).toEqual([{ start: 1, end: 45 }]);
    expect(await none.heldRanges(BOB, PHONE)).toEqual([{ start: 1, end: 42 }]);
    expect(await none.hasBlob('new')).toBe(true);
    await none.close();

    // The compacted journal reopens to the same state.
    const reopened = await open();
    expect(await reopened.getEntries(ALICE, PHONE, 1, 45)).toEqual(
      testEntries(ALICE, PHONE, 1, 45),
    );
    expect(await reopened.getSetting('device/state')).toEqual({ seed: new Uint8Array(4) });
    expect(await reopened.forkSeq(BOB, PHONE)).toBe(3);
    await reopened.close();
  });
});
