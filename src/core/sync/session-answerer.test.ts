/**
 * The answerer answers every request it is sent, whenever it comes: one that arrives just as the
 * answer before it ends (a few microtasks later, as a session's inbox hands it on) is answered
 * too, never left queued with nothing to answer it (seen as a sync property run that never
 * settled: three peers each waiting on the other's unanswered request).
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../bytes.ts';
import { deviceIdFromKey, personIdFromKey } from '../ids.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { EntriesMessage, RequestMessage } from './messages.ts';
import { ENTRIES_OVERHEAD_BYTES, ENTRY_FRAMING_BYTES } from './messages.ts';
import { Outbox } from './outbox.ts';
import { SessionAnswerer } from './session-answerer.ts';
import type { SessionContext } from './session-context.ts';
import { TestPerson } from './test-helpers.ts';
import type { Transport } from './transport.ts';

const author = personIdFromKey(randomBytes(32));
const device = deviceIdFromKey(randomBytes(32));

function request(reqId: number): RequestMessage {
  return {
    type: 'request',
    reqId,
    author,
    device,
    ranges: [{ start: 1, end: 10 }],
    order: 'ascending',
    budgetBytes: 1 << 20,
    pins: false,
  };
}

/** An answerer over `store` (empty unless given), its context real where the answerer uses it. */
function answererWith(
  onSent: (message: EntriesMessage) => void,
  store = new MemoryStorageAdapter(),
) {
  const tasks: Promise<void>[] = [];
  const ctx = {
    host: {
      store,
      config: { limits: { maxBudgetBytes: 1 << 20 }, maxQueuedRequests: 8, maxBatchBytes: 1 << 16 },
    },
    outbox: new Outbox({} as Transport),
    closed: false,
    messageCapacity: 1 << 20,
    spawn: (task: Promise<void>) => void tasks.push(task),
    changed: () => undefined,
    sendEntries: async (message: EntriesMessage) => onSent(message),
  } as unknown as SessionContext;
  return { answerer: new SessionAnswerer(ctx), tasks };
}

async function microtasks(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await Promise.resolve();
}

describe('the answerer', () => {
  it("sends an answer's last few entries with the message before, not as a message of their own", async () => {
    const person = await TestPerson.create('alice');
    const log = await person.append(300, { payloadBytes: 200 });
    const store = new MemoryStorageAdapter();
    await store.putEntries(log);
    const size = log[0]!.bytes.byteLength;
    const perMessage = Math.floor(
      ((1 << 16) - ENTRIES_OVERHEAD_BYTES) / (size + ENTRY_FRAMING_BYTES),
    );
    for (const tail of [1, 3, 6]) {
      // A budget two full messages of entries and `tail` more reach: the answer stops after
      // the entry that reaches it.
      const budgetBytes = (2 * perMessage + tail) * size - 1;
      const sent: EntriesMessage[] = [];
      const { answerer, tasks } = answererWith((message) => void sent.push(message), store);
      answerer.onRequest({
        ...request(1),
        author: person.id,
        device: log[0]!.device,
        ranges: [{ start: 1, end: 300 }],
        budgetBytes,
      });
      while (!sent.at(-1)?.last) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        await Promise.all(tasks);
      }
      expect({ tail, counts: sent.map((m) => m.entries.length) }).toEqual({
        tail,
        counts: [perMessage, perMessage + tail],
      });
      expect(sent.flatMap((m) => m.entries)).toEqual(
        log.slice(0, 2 * perMessage + tail).map((e) => e.bytes),
      );
    }
  });

  it('answers a request that comes any number of microtasks after the one before was answered', async () => {
    for (let delay = 0; delay < 40; delay++) {
      const answered: number[] = [];
      let second: Promise<void> | undefined;
      const { answerer, tasks } = answererWith((message) => {
        if (message.last) answered.push(message.reqId);
        // The first answer's last message is out: the next request comes `delay` later.
        if (message.reqId === 1)
          second = microtasks(delay).then(() => answerer.onRequest(request(2)));
      });
      answerer.onRequest(request(1));
      await new Promise((resolve) => setTimeout(resolve, 0));
      await second;
      await Promise.all(tasks);
      await new Promise((resolve) => setTimeout(resolve, 0));
      await Promise.all(tasks);
      expect({ delay, answered, busy: answerer.busy }).toEqual({
        delay,
        answered: [1, 2],
        busy: false,
      });
    }
  });
});
