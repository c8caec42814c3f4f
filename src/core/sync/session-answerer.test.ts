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
import { Outbox } from './outbox.ts';
import { SessionAnswerer } from './session-answerer.ts';
import type { SessionContext } from './session-context.ts';
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

/** An answerer over an empty store, its context real where the answerer uses it. */
function answererWith(onSent: (message: EntriesMessage) => void) {
  const tasks: Promise<void>[] = [];
  const ctx = {
    host: {
      store: new MemoryStorageAdapter(),
      config: { limits: { maxBudgetBytes: 1 << 20 }, maxQueuedRequests: 8, maxBatchBytes: 1 << 16 },
    },
    outbox: new Outbox({} as Transport),
    closed: false,
    messageCapacity: 1 << 16,
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
