/**
 * What the author of a post re-publishes of the replies it receives (data-model.md, "Comments
 * reach every reader of the post"). Every re-published reply is an entry of the author's own
 * log, kept and synced forever, so a reply is re-published only when:
 *
 * - the post exists here and is not deleted;
 * - its writer can read the post: anyone for a public post, a friend for a friends-only one
 *   (a removed friend may still hold the key of an old post; they are no reader any more);
 * - its writer is within their rate on that post: {@link REPUBLISH_PER_HOUR} an hour and
 *   {@link REPUBLISH_PER_DAY} a day. The times are kept in the store, so a restart does not
 *   reset them: a flood of replies cannot grow the author's log without bound.
 *
 * A reply over the rate still shows to the author; only its re-publishing is skipped.
 *
 * A reply to a public post also carries its writer's profile: the post is read by friends of
 * the author's friends, who do not replicate a writer two hops further, and would not know the
 * writer's name. (A friends-only post's readers are the author's friends, who replicate every
 * other friend's log as a window: they hold the writer's profile already.)
 */
import type { Clock } from '../clock.ts';
import type { ReplyTag } from '../crypto/reply-tag.ts';
import { docIdOf } from '../kinds/registry.ts';
import { readPost } from '../docs/post-doc.ts';
import type { DocId, PersonId, PostId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { StorageAdapter, StoredEntry } from '../store/storage-adapter.ts';
import { newestOfEachDevice } from '../sync/pins.ts';
import type { DocCache } from './doc-cache.ts';
import type { Answering } from '../kinds/kind.ts';
import type { OwnLog } from './own-log.ts';
import { threadCovers } from './thread-covers.ts';

const log = createLogger('kith:republish');

/** Most replies of one person to one post re-published within an hour. */
export const REPUBLISH_PER_HOUR = 20;
/** Most replies of one person to one post re-published within a day. */
export const REPUBLISH_PER_DAY = 50;

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** Re-publishes readers' replies to this person's posts, within their rate. */
export class Republisher {
  constructor(
    private readonly me: PersonId,
    private readonly store: StorageAdapter,
    private readonly docs: DocCache,
    private readonly ownLog: OwnLog,
    private readonly clock: Clock,
    /** Whether `person` is a friend now (a reader of friends-only posts). */
    private readonly isFriend: (person: PersonId) => boolean,
    /** The reply tag of one of my posts (friends-only: its thread is named by it). */
    private readonly tagOf: (post: Answering) => Promise<ReplyTag | null>,
  ) {}

  /** Re-publishes `entry` (a reply by someone else to one of my posts) once, if it may. */
  async offer(entry: StoredEntry, ref: Answering): Promise<void> {
    const marker = `republished/${entry.hash}`;
    if (await this.store.getSetting(marker)) return;
    const post = readPost(
      await this.docs.get(this.me, docIdOf({ kind: 'post', postId: ref.postId })),
    );
    if (!post || post.deleted) return;
    if (post.audience !== 'public' && !this.isFriend(entry.author)) return;
    const now = this.clock.now();
    const budgetKey = `republish-times/${ref.postId}/${entry.author}`;
    const times = recentTimes(await this.store.getSetting(budgetKey), now);
    const lastHour = times.filter((t) => t > now - HOUR).length;
    if (lastHour >= REPUBLISH_PER_HOUR || times.length >= REPUBLISH_PER_DAY) {
      log.debug('reply over its writer’s rate, not re-published', {
        author: entry.author,
        post: ref.postId,
      });
      return;
    }
    // A friends-only post's thread names it by its reply tag: a relay does not learn which it is.
    const tag = post.audience === 'public' ? null : await this.tagOf(ref);
    const thread = tag
      ? { kind: 'thread' as const, tag }
      : { kind: 'thread' as const, postId: ref.postId };
    const threadDocId = docIdOf(thread);
    if (!tag) await this.republishProfile(threadDocId, ref.postId, entry.author);
    const covers = await threadCovers(this.store, this.me, threadDocId, entry);
    await this.ownLog.append(threadDocId, 'embedded-entry', entry.bytes, covers);
    await this.store.setSetting(marker, true);
    await this.store.setSetting(budgetKey, [...times, now]);
  }

  /**
   * Re-publishes the newest profile entry of each of `writer`'s devices into the thread, each
   * version once per thread: a new name rides with the writer's next reply.
   */
  private async republishProfile(
    threadDocId: DocId,
    postId: PostId,
    writer: PersonId,
  ): Promise<void> {
    const held = await this.store.getDocEntries(writer, docIdOf({ kind: 'profile' }));
    for (const profile of newestOfEachDevice(held)) {
      const marker = `republished/${postId}/${profile.hash}`;
      if (await this.store.getSetting(marker)) continue;
      await this.ownLog.append(threadDocId, 'embedded-entry', profile.bytes);
      await this.store.setSetting(marker, true);
    }
  }
}

/** The stored re-publishing times still within a day of `now` (anything malformed: none). */
function recentTimes(saved: unknown, now: number): number[] {
  if (!Array.isArray(saved)) return [];
  return saved.filter((t): t is number => typeof t === 'number' && t > now - DAY && t <= now);
}
