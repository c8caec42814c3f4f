/**
 * Seeds the running app's store with many friends' posts through the core's own API, as the
 * design asks for large stores (section 8): real friend identities, real signed and chained
 * entries whose payloads are the Yjs updates the app itself writes for a public post, handed to
 * the app's `Ingestor` in the page, with the friends added through `Peer.addFriend`. Nothing is
 * written into the views directly: the app's materializer turns every entry into its row.
 *
 * Signing runs in Node (`PostSigner`, in chunks, so 100,000 posts never sit in memory at once);
 * `seedPosts` carries each chunk into the page (base64) and waits until the peer has settled, so
 * the materializer's queue stays bounded. The page must have loaded the app with
 * `localStorage['kith:test-hooks'] = '1'` and a person onboarded (`window.kithTest` present).
 *
 * Used by the timeline paging e2e (`tests/e2e/timeline-paging.e2e.ts`) and by `bench/app.ts`.
 */
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import type { Running } from '../src/boot.ts';
import { toBase64Url } from '../src/core/bytes.ts';
import { ManualClock } from '../src/core/clock.ts';
import { docIdOf, newPostId } from '../src/core/docs/doc-ref.ts';
import { writeNewPost } from '../src/core/docs/post-doc.ts';
import { writeProfile } from '../src/core/docs/small-docs.ts';
import { newDoc } from '../src/core/docs/yjs-change.ts';
import { signEntry } from '../src/core/feed/entry-verifier.ts';
import type { DeviceSession, IdentityOnDevice } from '../src/core/identity/device-setup.ts';
import { createIdentity } from '../src/core/identity/device-setup.ts';
import type { EntryHash, PersonId } from '../src/core/ids.ts';
import { postKey } from '../src/core/peer/materializer.ts';

/** Time of the oldest seeded post; later ones follow a minute apart, two at a time. */
export const SEED_EPOCH = 1_700_000_000_000;

/** The text of seeded post number `index` (0 is the oldest): it carries its index. */
export function seededText(index: number): string {
  return `Seeded post #${index}`;
}

/**
 * When post `index` was written: every two consecutive posts share a time, so the timeline's
 * tie-break (by post key) is exercised on every page.
 */
export function seededTime(index: number): number {
  return SEED_EPOCH + Math.floor(index / 2) * 60_000;
}

/** What the page needs to befriend one seeded friend. */
export interface SeededFriend {
  readonly personId: PersonId;
  readonly name: string;
  /** X25519 public key, base64url. */
  readonly encryptionKey: string;
}

/** One seeded post as the timeline must show it. */
export interface SeededPost {
  readonly index: number;
  /** The timeline key (`author/postId`). */
  readonly key: string;
  readonly createdAt: number;
  readonly text: string;
}

/** A chunk of signed entries (base64url) and the posts among them. */
export interface SignedChunk {
  readonly entries: readonly string[];
  readonly posts: readonly SeededPost[];
}

interface FriendLog {
  readonly person: IdentityOnDevice;
  readonly name: string;
  seq: number;
  prev: EntryHash | undefined;
}

/**
 * Signs the posts of `friends` friends, post after post, oldest first, taking turns: post `i`
 * belongs to friend `i % friends`. Each friend's log starts with their profile (their name).
 */
export class PostSigner {
  private next = 0;
  private profilesSigned = false;

  private constructor(private readonly logs: readonly FriendLog[]) {}

  /** Makes `friends` new people with real keys, one device each. */
  static async create(friends: number): Promise<PostSigner> {
    const clock = new ManualClock(SEED_EPOCH - 60_000);
    const logs = await Promise.all(
      Array.from({ length: friends }, async (_, i) => ({
        person: await createIdentity({ clock }),
        name: `Friend ${i + 1}`,
        seq: 0,
        prev: undefined,
      })),
    );
    return new PostSigner(logs);
  }

  /** The friends, as `befriend` takes them. */
  get friends(): SeededFriend[] {
    return this.logs.map((log) => ({
      personId: log.person.identity.personId,
      name: log.name,
      encryptionKey: toBase64Url(log.person.identity.encryptionPublicKey),
    }));
  }

  /** Posts signed so far. */
  get signed(): number {
    return this.next;
  }

  /** Signs the next `count` posts (plus, the first time, each friend's profile). */
  async sign(count: number): Promise<SignedChunk> {
    const entries: string[] = [];
    const posts: SeededPost[] = [];
    if (!this.profilesSigned) {
      this.profilesSigned = true;
      for (const log of this.logs) {
        const doc = newDoc(log.person.device.yjsClientId);
        writeProfile(doc, { name: log.name });
        entries.push(await this.append(log, docIdOf({ kind: 'profile' }), doc, SEED_EPOCH));
      }
    }
    for (let n = 0; n < count; n++) {
      const index = this.next++;
      const log = this.logs[index % this.logs.length]!;
      const postId = newPostId();
      const createdAt = seededTime(index);
      const text = seededText(index);
      const doc = newDoc(log.person.device.yjsClientId);
      writeNewPost(doc, { text, photos: [], audience: 'public', createdAt });
      entries.push(await this.append(log, docIdOf({ kind: 'post', postId }), doc, createdAt));
      posts.push({ index, key: postKey(log.person.identity.personId, postId), createdAt, text });
    }
    return { entries, posts };
  }

  private async append(
    log: FriendLog,
    docId: ReturnType<typeof docIdOf>,
    doc: Y.Doc,
    timestamp: number,
  ): Promise<string> {
    const device: DeviceSession = log.person.device;
    log.seq += 1;
    const entry = await signEntry(device, {
      seq: log.seq,
      prev: log.prev,
      timestamp,
      docId,
      payloadKind: 'yjs-update',
      payload: Y.encodeStateAsUpdate(doc),
    });
    log.prev = entry.hash;
    return toBase64Url(entry.bytes);
  }
}

/** `window.kithTest` as the page sees it. */
type TestWindow = { kithTest?: Running };

/** Waits until the app in `page` exposes its test hooks (a person is onboarded). */
export async function waitForTestHooks(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    () => (window as unknown as TestWindow).kithTest !== undefined,
    undefined,
    { timeout },
  );
}

/** Makes the page's person friends with every seeded friend (fresh rendezvous secrets). */
export async function befriendAll(page: Page, friends: readonly SeededFriend[]): Promise<void> {
  await page.evaluate(async (list) => {
    const kith = (window as unknown as TestWindow).kithTest!;
    // No named helpers in here: under tsx they would reference its `__name`, absent in the page.
    for (const friend of list) {
      await kith.peer.addFriend({
        personId: friend.personId,
        encryptionKey: Uint8Array.from(
          atob(friend.encryptionKey.replace(/-/g, '+').replace(/_/g, '/')),
          (c) => c.charCodeAt(0),
        ),
        rendezvous: crypto.getRandomValues(new Uint8Array(32)),
      });
    }
  }, friends);
}

/** Entries per `ingest` call. */
const INGEST_BATCH = 500;

/**
 * Hands a chunk's entries to the page's `Ingestor` in batches and waits for the views after
 * each; throws if any entry is refused.
 */
export async function ingestChunk(page: Page, chunk: SignedChunk): Promise<void> {
  for (let i = 0; i < chunk.entries.length; i += INGEST_BATCH) {
    const batch = chunk.entries.slice(i, i + INGEST_BATCH);
    const refused = await page.evaluate(async (list) => {
      const kith = (window as unknown as TestWindow).kithTest!;
      const report = await kith.ingestor.ingest(
        list.map((text) =>
          Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)),
        ),
      );
      await kith.peer.settled();
      return report.rejected.map((r) => String(r.reason));
    }, batch);
    if (refused.length > 0) {
      throw new Error(`the app refused ${refused.length} seeded entries: ${refused[0]}`);
    }
  }
}

/** Counts the rows of the page's home timeline, page by page through the store's index. */
export async function countTimeline(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const kith = (window as unknown as TestWindow).kithTest!;
    let count = 0;
    let before: { createdAt: number; id: string } | undefined;
    for (;;) {
      const got = await kith.store.timelinePage({ before, limit: 500 });
      count += got.items.length;
      if (!got.next) return count;
      before = got.next;
    }
  });
}
