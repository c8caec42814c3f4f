/**
 * Seeds the running app's store with many friends' posts through the core's own API, as the
 * design asks for large stores (section 8): real friend identities, real signed and chained
 * entries whose payloads are the Yjs updates the app itself writes for a public post, handed to
 * the app's `Ingestor` in the page, with the friends added through `Peer.addFriend`. Nothing is
 * written into the views directly: the app's materializer turns every entry into its row.
 *
 * Signing runs in Node (`PostSigner`, in chunks, so 100,000 posts never sit in memory at once);
 * `ingestChunk` carries each chunk into the page in one round trip (the entries concatenated
 * into one byte array), ingests it in batches (two calls in flight), and waits once, at the
 * chunk's end, until the peer has settled, so the materializer's queue stays bounded by a
 * chunk. The page must have loaded the app with `localStorage['kith:test-hooks'] = '1'` and a
 * person onboarded (`window.kithTest` present).
 *
 * Used by the timeline paging e2e (`tests/e2e/timeline-paging.e2e.ts`) and by `bench/app.ts`.
 */
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import type { Running } from '../src/boot.ts';
import { toBase64Url } from '../src/core/bytes.ts';
import { ManualClock } from '../src/core/clock.ts';
import { docIdOf } from '../src/core/kinds/registry.ts';
import { writeNewPost } from '../src/core/docs/post-doc.ts';
import { writeProfile } from '../src/core/docs/small-docs.ts';
import { newDoc } from '../src/core/docs/yjs-change.ts';
import { signEntry } from '../src/core/feed/entry-verifier.ts';
import type { DeviceSession, IdentityOnDevice } from '../src/core/identity/device-setup.ts';
import { createIdentity } from '../src/core/identity/device-setup.ts';
import { newPostId, postKey, type EntryHash, type PersonId } from '../src/core/ids.ts';

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

/** A chunk of signed entries (their encoded bytes) and the posts among them. */
export interface SignedChunk {
  readonly entries: readonly Uint8Array[];
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
    const entries: Uint8Array[] = [];
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
  ): Promise<Uint8Array> {
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
    return entry.bytes;
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

/**
 * Makes the page's person friends with every seeded friend (fresh rendezvous secrets), in one
 * `addFriends` call, as a restore from a backup adds a whole list: one friend at a time costs a
 * friend-list write and an epoch sealed to all so far per friend (19 s for 299 friends).
 */
export async function befriendAll(page: Page, friends: readonly SeededFriend[]): Promise<void> {
  await page.evaluate(async (list) => {
    const kith = (window as unknown as TestWindow).kithTest!;
    // No named helpers in here: under tsx they would reference its `__name`, absent in the page.
    await kith.peer.addFriends(
      list.map((friend) => ({
        personId: friend.personId,
        encryptionKey: Uint8Array.from(
          atob(friend.encryptionKey.replace(/-/g, '+').replace(/_/g, '/')),
          (c) => c.charCodeAt(0),
        ),
        rendezvous: crypto.getRandomValues(new Uint8Array(32)),
      })),
    );
  }, friends);
}

/** Entries per `ingest` call. */
const INGEST_BATCH = 500;
/** `ingest` calls in flight at once. */
const INGEST_IN_FLIGHT = 2;

/** Where the page spent a chunk's time (ms, measured in the page). */
export interface ChunkTimes {
  /** Splitting the transferred bytes into entries. */
  readonly unpackMs: number;
  /** The `Ingestor`: decoding, verifying, chain checks and the store writes. */
  readonly ingestMs: number;
  /** Waiting, after the last batch was ingested, until the materializer caught up. */
  readonly settleMs: number;
}

/**
 * Hands a chunk's entries to the page's `Ingestor` in batches, without waiting for the views
 * between batches (the materializer works on one batch while the next is verified), then waits
 * once until the views hold the whole chunk. Throws if any entry is refused.
 */
export async function ingestChunk(page: Page, chunk: SignedChunk): Promise<ChunkTimes> {
  // One byte array (Playwright carries typed arrays natively) instead of one base64 string
  // per entry: one round trip, no per-character decoding in the page.
  const lengths = chunk.entries.map((e) => e.length);
  const packed = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const entry of chunk.entries) {
    packed.set(entry, at);
    at += entry.length;
  }
  const result = await page.evaluate(
    async ({ packed, lengths, batch, inFlight }) => {
      const kith = (window as unknown as TestWindow).kithTest!;
      let start = performance.now();
      const entries: Uint8Array[] = [];
      let offset = 0;
      for (const length of lengths) {
        // A copy, not a view: the store keeps what it is given, and a view would keep (and
        // structured-clone) the whole chunk's buffer.
        entries.push(packed.slice(offset, offset + length));
        offset += length;
      }
      const unpackMs = performance.now() - start;
      start = performance.now();
      const refused: string[] = [];
      // Two calls in flight, as pipelined sync delivers them: the workers verify the next
      // batch while the ingestor writes this one.
      const running = new Set<Promise<void>>();
      for (let i = 0; i < entries.length; i += batch) {
        const call: Promise<void> = kith.ingestor
          .ingest(entries.slice(i, i + batch))
          .then((report) => {
            running.delete(call);
            for (const r of report.rejected) refused.push(String(r.reason));
          });
        running.add(call);
        if (running.size >= inFlight) await Promise.race(running);
      }
      await Promise.all(running);
      const ingestMs = performance.now() - start;
      start = performance.now();
      await kith.peer.settled();
      return { refused, times: { unpackMs, ingestMs, settleMs: performance.now() - start } };
    },
    { packed, lengths, batch: INGEST_BATCH, inFlight: INGEST_IN_FLIGHT },
  );
  if (result.refused.length > 0) {
    throw new Error(
      `the app refused ${result.refused.length} seeded entries: ${result.refused[0]}`,
    );
  }
  return result.times;
}

/** Where the page spent the time of a whole seeding (ms, measured in the page). */
export interface SeedAheadTimes {
  /** Posts ingested and materialized. */
  readonly posts: number;
  /** Signing every post in Node, before the page's clock starts (not page time). */
  readonly signMs: number;
  /** The page's own time over all chunks: unpacking, ingesting and waiting for the views. */
  readonly pageMs: number;
  /** Of which the `Ingestor`. */
  readonly ingestMs: number;
  /** Of which waiting for the materializer after each chunk's last batch. */
  readonly settleMs: number;
  /** Wall-clock time of the chunks' round trips from Node (transfer included). */
  readonly wallMs: number;
}

/**
 * Signs `posts` posts of `signer`'s friends in Node first, then hands them to the page chunk by
 * chunk (`ingestChunk`): the page's time is then ingest and materialization alone, with no
 * signing competing for the cores. The friends must be befriended already.
 */
export async function seedAhead(
  page: Page,
  signer: PostSigner,
  posts: number,
  chunkSize: number,
): Promise<SeedAheadTimes> {
  let start = performance.now();
  const chunks: SignedChunk[] = [];
  for (let n = 0; n < posts; n += chunkSize) {
    chunks.push(await signer.sign(Math.min(chunkSize, posts - n)));
  }
  const signMs = performance.now() - start;
  start = performance.now();
  let pageMs = 0;
  let ingestMs = 0;
  let settleMs = 0;
  // Handed over one at a time, and dropped once ingested: the page holds one chunk at once.
  while (chunks.length > 0) {
    const times = await ingestChunk(page, chunks.shift()!);
    pageMs += times.unpackMs + times.ingestMs + times.settleMs;
    ingestMs += times.ingestMs;
    settleMs += times.settleMs;
  }
  const wallMs = performance.now() - start;
  return { posts, signMs, pageMs, ingestMs, settleMs, wallMs };
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
