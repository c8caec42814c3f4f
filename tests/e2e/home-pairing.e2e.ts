/**
 * The home peer keeps Alice's posts reachable (issue 25): the one built file, copied alone into
 * an empty directory and run with Node in the test's namespace, is paired from Alice's Settings
 * (the pairing link on its standard input, the short code it prints confirmed in Settings).
 * Alice and Bob become friends (her device hands the home peer the new friend list); Alice links
 * a laptop, whose Settings list the home peer too (issue 26: it is hers, not the phone's); Bob's
 * page closes; Alice posts friends-only with a photo, sees in Settings that her home peer holds
 * everything, and closes her page; her laptop posts friends-only, sees the same in its Settings,
 * and closes. Bob opens a page again and sees both posts and the photo, which only the home peer
 * can serve. Alice opens a page again and unpairs it in Settings: the home peer
 * is told, says so and exits with 4. Then FOLDER is searched for the post's words and the photo's
 * plaintext (raw, base64, and inside anything gzip-compressed): none; it holds Alice's new
 * entries and the photo's ciphertext.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import type { DeviceId, PersonId } from '../../src/core/ids.ts';
import { FsLogStore } from '../../src/home/fs-log-store.ts';
import {
  befriendExisting,
  enableTestHooks,
  join as joinApp,
  openHome,
  openScreen,
  post,
  WAIT,
} from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';
import { APP_DIST_DIR } from './paths.ts';

const WORDS = 'Quokka picnic by the harbour';
const LAPTOP_WORDS = 'Wombat tea on the laptop';
const PHOTO = 'public/icons/icon-512.png';

const children: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** The home peer's process and its output lines as they come. */
function startHomePeer(dir: string, folder: string) {
  // Nothing of the repository reaches it: no NODE_OPTIONS (vitest's loaders), no NODE_PATH.
  const child = spawn(process.execPath, ['kith-home.mjs', folder, '--pair'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  children.push(child);
  const lines: string[] = [];
  let err = '';
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const line = async (pattern: RegExp) => {
    await expect
      .poll(() => {
        if (child.exitCode !== null) throw new Error(`the home peer exited: ${err}`);
        return lines.find((l) => pattern.test(l));
      }, WAIT)
      .toBeDefined();
    return lines.find((l) => pattern.test(l))!;
  };
  return { child, line, lines, exited, stderr: () => err };
}

/** What Alice's store holds of her post: its photo's plaintext and ciphertext, her log's head. */
async function alicesPost(page: Page) {
  return page.evaluate(async (words) => {
    const running = window.kithTest!;
    const { items } = await running.store.timelinePage({ limit: 20 });
    const view = items.find((v) => JSON.stringify(v.summary).includes(words))!;
    const photo = (view.summary as { photos: { blob: string }[] }).photos[0]!;
    const [author, postId] = view.postId.split('/') as [string, string];
    const ref = { author, postId } as Parameters<typeof running.peer.photo>[0];
    const plain = await running.peer.photo(ref, photo as never, 'image');
    const cipher = await running.store.getBlob(photo.blob);
    const device = running.saved.device.key.deviceId;
    const head = (await running.store.heldRanges(running.peer.me, device)).at(-1)?.end ?? 0;
    return {
      plain: Array.from(plain!),
      cipher: Array.from(cipher!),
      person: running.peer.me as string,
      device: device as string,
      head,
    };
  }, WORDS);
}

/** Every file under `folder`, and what any gzip-compressed one holds. */
async function folderContents(folder: string): Promise<Buffer[]> {
  const files = await readdir(folder, { recursive: true, withFileTypes: true });
  const out: Buffer[] = [];
  for (const file of files.filter((f) => f.isFile())) {
    const bytes = await readFile(join(file.parentPath, file.name));
    out.push(bytes);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) out.push(gunzipSync(bytes));
  }
  return out;
}

requireNetns()('the home peer, paired from Settings', () => {
  const e2e = setupE2e({ site: 'app' });

  it('serves Alice’s friends-only posts from both her devices and a photo to Bob while she is away, holding none in clear', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kith-home-alone-'));
    const folder = await mkdtemp(join(tmpdir(), 'kith-home-folder-'));
    dirs.push(dir, folder);
    await copyFile(join(APP_DIST_DIR, 'kith-home.mjs'), join(dir, 'kith-home.mjs'));
    expect(await readdir(dir)).toEqual(['kith-home.mjs']);

    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    const laptop = await e2e.person('alice-laptop');
    await enableTestHooks(alice.context);
    const a = await joinApp(alice, 'Alice');
    const b = await joinApp(bob, 'Bob');

    // Pairing: the link from Settings on the home peer's standard input, the code confirmed.
    await openScreen(a, 'Settings');
    // A pairing started can be called off: its link goes away.
    await a.getByRole('button', { name: 'Pair a home peer' }).click();
    await a.getByRole('textbox', { name: 'Pairing link' }).waitFor(WAIT);
    await a.getByRole('button', { name: 'Cancel pairing' }).click();
    await a.getByRole('textbox', { name: 'Pairing link' }).waitFor({ ...WAIT, state: 'detached' });
    await a.getByRole('button', { name: 'Pair a home peer' }).click();
    const link = await a.getByRole('textbox', { name: 'Pairing link' }).inputValue(WAIT);
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#pair=[\w-]+$/);
    const home = startHomePeer(dir, folder);
    home.child.stdin.write(`${link}\n`);
    const code = /Pairing code: (\d{3} \d{3})\./.exec(await home.line(/Pairing code/))![1]!;
    await a.getByRole('status').filter({ hasText: code }).waitFor(WAIT);
    await a.getByRole('button', { name: 'The codes match' }).click();
    await home.line(/^Paired: /);
    await home.line(/^paired, signaling connected/);

    // Friends after pairing: Alice's device hands her home peer the new list.
    await befriendExisting(a, 'Alice', b, 'Bob');

    // Her laptop, linked afterwards, knows her home peer: it lists it and follows it.
    await openScreen(a, 'Settings');
    await a.getByRole('button', { name: 'Link a device' }).click();
    const deviceLink = await a.getByRole('textbox', { name: 'Device link' }).inputValue(WAIT);
    await laptop.goto('/');
    const l = laptop.page;
    await l.getByRole('button', { name: 'I already use Kith on another device' }).click();
    await l.getByRole('textbox', { name: 'Device link' }).fill(deviceLink);
    await l.getByRole('button', { name: 'Link this device' }).click();
    await a.getByRole('status', { name: 'Code on this device' }).waitFor(WAIT);
    await a.getByRole('button', { name: 'The codes match' }).click();
    await l.getByRole('link', { name: 'Home' }).waitFor(WAIT);
    await openScreen(l, 'Settings');
    const laptopPeers = l.getByRole('list', { name: 'Your home peers' });
    await expect.poll(() => laptopPeers.textContent(), WAIT).toMatch(/Online/);
    await b.close();

    await post(a, WORDS, [PHOTO], 'friends');
    await openScreen(a, 'Settings');
    const peers = a.getByRole('list', { name: 'Your home peers' });
    await peers.getByText('Holds everything you wrote here, photos included').waitFor(WAIT);
    await expect.poll(() => peers.textContent(), WAIT).toMatch(/Online/);
    const held = await alicesPost(a);
    await a.close();

    // The laptop posts while the phone is away: its home peer holds that too, and says so there.
    await post(l, LAPTOP_WORDS, [], 'friends');
    await openScreen(l, 'Settings');
    await laptopPeers.getByText('Holds everything you wrote here, photos included').waitFor(WAIT);
    await l.close();

    // Bob comes back: Alice's devices are gone, her home peer serves both posts and the photo.
    const again = await bob.context.newPage();
    await again.goto(`${e2e.baseUrl}/`);
    await openHome(again);
    const article = again.getByRole('article').filter({ hasText: WORDS });
    await article.waitFor(WAIT);
    const img = article.getByRole('img', { name: /Photo 1 of 1 by Alice/ });
    await expect
      .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), WAIT)
      .toBeGreaterThan(0);
    await again.getByRole('article').filter({ hasText: LAPTOP_WORDS }).waitFor(WAIT);
    await again.close();

    // Alice unpairs it: her device tells it on the relay channel, and it stops for good.
    const back = await alice.context.newPage();
    await back.goto(`${e2e.baseUrl}/`);
    await openScreen(back, 'Settings');
    back.once('dialog', (dialog) => void dialog.accept());
    await back.getByRole('button', { name: 'Unpair this home peer' }).click(WAIT);
    expect(await home.exited).toBe(4);
    expect(home.lines.at(-1)).toMatch(
      /^unpaired by [\w-]+: this folder can be deleted or paired again$/,
    );
    await back.close();

    const contents = await folderContents(folder);
    const plain = Buffer.from(held.plain);
    // A stretch of the image's bytes from its middle (a PNG's first bytes are its common header).
    const middle = plain.subarray(plain.length / 2, plain.length / 2 + 48);
    const needles = [
      Buffer.from(WORDS),
      Buffer.from(Buffer.from(WORDS).toString('base64')),
      middle,
      Buffer.from(middle.toString('base64').slice(4, 40)),
    ];
    for (const needle of needles) expect(contents.some((c) => c.includes(needle))).toBe(false);
    expect(contents.some((c) => c.includes(Buffer.from(held.cipher)))).toBe(true);
    const store = await FsLogStore.open({ folder });
    try {
      const ranges = await store.heldRanges(held.person as PersonId, held.device as DeviceId);
      expect(ranges.at(-1)?.end).toBe(held.head);
    } finally {
      await store.close();
    }
  }, 300_000);
});
