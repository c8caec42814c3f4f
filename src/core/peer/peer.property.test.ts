/**
 * Random social activity by three honest people and an adversary, exchanged in random partial
 * syncs and then fully: afterwards every honest person sees exactly what the authors wrote (the
 * same posts, texts and replies as the authors themselves see), and nothing the adversary made
 * up reaches anyone's view of someone else's post.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { docIdOf } from '../kinds/registry.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { decodeEntry, entryHasPayload } from '../feed/entry-codec.ts';
import { signEntry } from '../feed/entry-verifier.ts';
import { startNewDevice } from '../identity/device-setup.ts';
import { postSummary } from '../kinds/post.ts';
import type { PostRef } from './peer.ts';
import { befriend, entriesOf, makePeople, testClock, type TestPerson } from './test-people.ts';

type Op =
  | { kind: 'post'; who: number; audience: 'friends' | 'public' }
  | { kind: 'edit'; who: number; pick: number }
  | { kind: 'delete'; who: number; pick: number }
  | { kind: 'comment'; who: number; pick: number }
  | { kind: 'react'; who: number; pick: number }
  | { kind: 'sync'; from: number; to: number }
  | { kind: 'attack'; pick: number; mode: 'delete-set' | 'forged' | 'tampered' };

const person = fc.integer({ min: 0, max: 2 });
const pick = fc.nat();
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('post' as const),
    who: person,
    audience: fc.constantFrom('friends' as const, 'public' as const),
  }),
  fc.record({ kind: fc.constant('edit' as const), who: person, pick }),
  fc.record({ kind: fc.constant('delete' as const), who: person, pick }),
  fc.record({ kind: fc.constant('comment' as const), who: person, pick }),
  fc.record({ kind: fc.constant('react' as const), who: person, pick }),
  fc.record({
    kind: fc.constant('sync' as const),
    from: fc.integer({ min: 0, max: 3 }),
    to: person,
  }),
  fc.record({
    kind: fc.constant('attack' as const),
    pick,
    mode: fc.constantFrom('delete-set' as const, 'forged' as const, 'tampered' as const),
  }),
);

/** Hands `to` everything `from` holds; refusals are expected only for the adversary's forgeries. */
async function exchange(from: TestPerson, to: TestPerson): Promise<void> {
  await to.ingestor.ingest(await entriesOf(from));
  await to.peer.settled();
}

/** What a person's timeline shows: author/post → text, and the replies under each. */
async function seen(p: TestPerson): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const page = await p.peer.timelinePage({ limit: 500 });
  for (const view of page.items) {
    const ref = { author: view.author, postId: view.postId.split('/')[1]! } as PostRef;
    const replies = (await p.peer.replies(ref)).map(
      (r) => `${r.author}:${JSON.stringify(r.summary)}`,
    );
    out.set(view.postId, `${postSummary(view).text} | ${replies.join(' ; ')}`);
  }
  return out;
}

describe('random activity with an adversary', () => {
  it('honest people converge on what the authors wrote, and nothing forged reaches them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        const [alice, bob, carol, mallory] = await makePeople('alice', 'bob', 'carol', 'mallory');
        const honest = [alice, bob, carol];
        await befriend(alice, bob);
        await befriend(bob, carol);
        await befriend(alice, carol);
        await befriend(alice, mallory);
        const posts: PostRef[] = [];
        const attackDevice = await startNewDevice(mallory.identity, { clock: testClock });
        let attackSeq = 0;
        let attackPrev: Parameters<typeof signEntry>[1]['prev'];
        const everyone = [alice, bob, carol, mallory];
        for (const o of ops) {
          testClock.advance(1000);
          const target =
            posts.length > 0 ? posts[('pick' in o ? o.pick : 0) % posts.length] : undefined;
          if (o.kind === 'post') {
            posts.push(
              await honest[o.who]!.peer.createPost({
                text: `post ${posts.length}`,
                audience: o.audience,
              }),
            );
          } else if (o.kind === 'sync') {
            await exchange(everyone[o.from]!, honest[o.to]!);
          } else if (!target) {
            continue;
          } else if (o.kind === 'edit' || o.kind === 'delete') {
            const author = honest.find((h) => h.id === target.author)!;
            const view = await author.peer.post(target);
            if (!view) continue;
            if (o.kind === 'edit')
              await author.peer.editPost(target.postId, {
                text: `${postSummary(view).text}, edited`,
              });
            else await author.peer.deletePost(target.postId);
          } else if (o.kind === 'comment' || o.kind === 'react') {
            const who = honest[o.who]!;
            if (!(await who.peer.post(target))) continue; // cannot read it (not held, or not a friend)
            if (o.kind === 'comment') await who.peer.comment(target, `comment by ${who.name}`);
            else await who.peer.react(target, 'like');
          } else {
            // The adversary: a non-owner Yjs update deleting the target's text, in her own log
            // under the target's doc id; or an entry forged in the author's name; or tampering.
            const author = honest.find((h) => h.id === target.author)!;
            // Entries whose payload was dropped (covered by a later whole state) carry none to copy.
            const entries = (await entriesOf(author, [author.id]))
              .filter(entryHasPayload)
              .map(decodeEntry)
              .filter((e) => e.docId === docIdOf({ kind: 'post', postId: target.postId }));
            const last = entries.at(-1);
            if (!last) continue;
            if (o.mode === 'delete-set' && last.payloadKind === 'yjs-update') {
              const copy = newDoc(77);
              Y.applyUpdate(copy, last.payload);
              const sv = Y.encodeStateVector(copy);
              const text = copy.getMap('post').get('text');
              if (text instanceof Y.Text) text.delete(0, text.length);
              const signed = await signEntry(attackDevice, {
                seq: ++attackSeq,
                prev: attackPrev,
                timestamp: testClock.now(),
                docId: last.docId,
                payloadKind: 'yjs-update',
                payload: Y.encodeStateAsUpdate(copy, sv),
              });
              attackPrev = signed.hash;
              await mallory.ingestor.ingest([signed.bytes]);
            } else {
              const forged = last.bytes.slice();
              const at = o.mode === 'forged' ? forged.length - 10 : Math.floor(forged.length / 2);
              forged[at] = (forged[at] ?? 0) ^ 0xff;
              for (const h of honest) {
                const report = await h.ingestor.ingest([forged]);
                expect(report.accepted).toHaveLength(0);
              }
            }
          }
        }
        // Heal: full exchange rounds between everyone (the adversary relays too).
        for (let round = 0; round < 3; round++) {
          for (const from of everyone)
            for (const to of honest) if (from !== to) await exchange(from, to);
        }
        // Every honest person sees each post exactly as its author does (text and replies).
        const views = await Promise.all(honest.map(seen));
        for (const [i, who] of honest.entries()) {
          for (const [key, value] of views[i]!) {
            const author = honest.find((h) => key.startsWith(`${h.id}/`));
            expect(author, `${who.name} shows a post of nobody honest: ${key}`).toBeDefined();
            const authorsView = views[honest.indexOf(author!)]!.get(key);
            expect(value).toBe(authorsView);
          }
          // And misses nothing its friends wrote (all honest people are friends here).
          const expected = new Set(honest.flatMap((_, j) => [...views[j]!.keys()]));
          expect(new Set(views[i]!.keys())).toEqual(expected);
        }
      }),
      { numRuns: 20 },
    );
  }, 120_000);
});
