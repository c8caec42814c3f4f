/**
 * Sync at the wire's pace: a requester keeps several pages of one log in flight, each a range of
 * seqs not asked yet, so the answerer always has the next page queued and neither side waits a
 * round trip between pages; and a page cut short by its budget leaves the rest to a later page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../net/memory-network.ts';
import type { SeqRange } from '../feed/seq-ranges.ts';
import { encodeEntries, encodeHave, type RequestMessage } from './messages.ts';
import { countRanges, intersectRanges } from './range-math.ts';
import type { SyncConfig } from './sync-session.ts';
import { TestPerson, TestReplica, waitFor, scriptedPeer } from './test-helpers.ts';

let alice: TestPerson;

beforeAll(async () => {
  alice = await TestPerson.create('alice');
  await alice.append(200);
});

/** Bob, a friend of Alice, connected to a peer whose end of the link the test drives. */
async function bobAndPeer(config: Partial<SyncConfig>, author: TestPerson = alice) {
  const network = new MemoryNetwork();
  const bob = new TestReplica('bob', (await TestPerson.create('bob')).id, {
    friends: [author.id],
    config,
  });
  const { session, peer: tp, requests } = scriptedPeer(network, bob.engine, 'bob', 'peer');
  await tp.send(
    encodeHave([
      {
        author: author.id,
        device: author.log[0]!.device,
        ranges: [{ start: 1, end: author.log.length }],
      },
    ]),
  );
  return { bob, session, tp, requests };
}

/** What an honest answerer sends for `request`: its seqs in its order, up to its budget. */
function honestAnswer(request: RequestMessage, author: TestPerson = alice): Uint8Array[] {
  const seqs = request.ranges.flatMap((r) =>
    Array.from({ length: r.end - r.start + 1 }, (_, i) => r.start + i),
  );
  if (request.order === 'descending') seqs.reverse();
  const out: Uint8Array[] = [];
  let bytes = 0;
  for (const seq of seqs) {
    if (bytes >= request.budgetBytes) break;
    const entry = author.log[seq - 1]!.bytes;
    out.push(entry);
    bytes += entry.byteLength;
  }
  return out;
}

function disjoint(lists: readonly (readonly SeqRange[])[]): boolean {
  for (let i = 0; i < lists.length; i++) {
    for (let j = i + 1; j < lists.length; j++) {
      if (intersectRanges(lists[i]!, lists[j]!).length > 0) return false;
    }
  }
  return true;
}

describe('pipelined requests', () => {
  it('keeps several disjoint pages of older history in flight without waiting for answers', async () => {
    const page = 2000;
    const { tp, requests } = await bobAndPeer({
      firstBudgetBytes: page,
      pageBudgetBytes: page,
      maxOutstandingRequests: 4,
    });
    await waitFor(() => requests.length === 1);
    const first = requests[0]!;
    await tp.send(encodeEntries({ reqId: first.reqId, last: false, pins: true, entries: [] }));
    await tp.send(
      encodeEntries({ reqId: first.reqId, last: true, pins: false, entries: honestAnswer(first) }),
    );
    // Four pages asked before any of them is answered.
    await waitFor(() => requests.length === 5);
    const pages = requests.slice(1);
    expect(pages.every((r) => r.order === 'descending' && r.budgetBytes === page)).toBe(true);
    expect(disjoint(pages.map((r) => r.ranges))).toBe(true);
    // Newest first: each page is below the one asked before it.
    for (let i = 1; i < pages.length; i++) {
      expect(pages[i]!.ranges.at(-1)!.end).toBeLessThan(pages[i - 1]!.ranges[0]!.start);
    }
    // Cut to about one budget of entries each, from the size of the entries answered so far.
    const perPage = Math.ceil(page / alice.log[0]!.bytes.byteLength);
    for (const r of pages) expect(countRanges(r.ranges)).toBeLessThanOrEqual(perPage + 1);
  });

  it('asks again for the part of a page its budget cut short, and converges', async () => {
    // Older entries five times the size of the newer ones the page size was learned from: each
    // older page reaches its budget before its last seqs, which a later page asks for again.
    const dora = await TestPerson.create('dora');
    await dora.append(60, { payloadBytes: 1000 });
    await dora.append(60, { payloadBytes: 100 });
    const { bob, session, tp, requests } = await bobAndPeer(
      { firstBudgetBytes: 3000, pageBudgetBytes: 3000, maxOutstandingRequests: 4 },
      dora,
    );
    let answered = 0;
    const deadline = Date.now() + 20_000;
    while ((await bob.held(dora)).length < 120 && !session.closed && Date.now() < deadline) {
      while (answered < requests.length) {
        const request = requests[answered++]!;
        if (request.pins) {
          await tp.send(
            encodeEntries({ reqId: request.reqId, last: false, pins: true, entries: [] }),
          );
        }
        const entries = honestAnswer(request, dora);
        await tp.send(encodeEntries({ reqId: request.reqId, last: true, pins: false, entries }));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(session.closed).toBe(false);
    expect(await bob.held(dora)).toEqual(dora.log.map((_, i) => i + 1));
    // Some seqs were asked twice: a page cut short by its budget, its rest asked again.
    const asked = requests.reduce((n, r) => n + countRanges(r.ranges), 0);
    expect(asked).toBeGreaterThan(120);
  });
});
