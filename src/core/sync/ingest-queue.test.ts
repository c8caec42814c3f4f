import { describe, expect, it } from 'vitest';
import type { IngestOptions, IngestReport, Ingestor } from './ingest.ts';
import { IngestQueue } from './ingest-queue.ts';

/** An ingestor whose batches end when the test says, in any order. */
class HeldIngestor implements Pick<Ingestor, 'ingest'> {
  readonly started: { list: readonly Uint8Array[]; end: (fail?: Error) => void }[] = [];

  ingest(list: readonly Uint8Array[], _options?: IngestOptions): Promise<IngestReport> {
    return new Promise((resolve, reject) => {
      this.started.push({
        list,
        end: (fail) =>
          fail ? reject(fail) : resolve({ accepted: [], duplicates: [], rejected: [], forks: [] }),
      });
    });
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('IngestQueue', () => {
  it('ingests up to its depth at once and takes the reports in arrival order', async () => {
    const ingestor = new HeldIngestor();
    const taken: number[] = [];
    const queue = new IngestQueue<number>(
      ingestor,
      2,
      (_, n) => taken.push(n),
      () => {},
    );
    await queue.add([], {}, 1);
    let room = false;
    const adding = queue.add([], {}, 2).then(() => (room = true));
    await flush();
    // Two in flight: the caller waits for room before it adds another.
    expect(ingestor.started.length).toBe(2);
    expect(room).toBe(false);
    ingestor.started[1]!.end();
    await flush();
    expect(taken).toEqual([]);
    ingestor.started[0]!.end();
    await adding;
    await flush();
    expect(taken).toEqual([1, 2]);
    expect(queue.size).toBe(0);
  });

  it('reports a failed ingest and still takes the batches after it', async () => {
    const ingestor = new HeldIngestor();
    const taken: number[] = [];
    const failures: unknown[] = [];
    const queue = new IngestQueue<number>(
      ingestor,
      3,
      (_, n) => taken.push(n),
      (err) => failures.push(err),
    );
    await queue.add([], {}, 1);
    await queue.add([], {}, 2);
    ingestor.started[0]!.end(new Error('quota'));
    ingestor.started[1]!.end();
    await flush();
    expect(failures).toHaveLength(1);
    expect(taken).toEqual([2]);
    expect(queue.size).toBe(0);
  });
});
