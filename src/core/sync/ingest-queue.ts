/**
 * Entry batches of one sync session being ingested, a few at a time: the next batch is decoded
 * and verified while the previous one is checked and written (the ingestor's lock keeps the
 * check-and-write steps one at a time), so the session's inbox keeps draining while the store
 * writes. Outcomes are taken in the order the batches arrived, whatever order their ingests end
 * in, so a request is completed only after every earlier message of its answer was counted.
 *
 * It uses only the ingestor's public `ingest`; what one batch costs is the ingestor's concern.
 */
import type { IngestOptions, IngestReport, Ingestor } from './ingest.ts';

/** Ingests batches with at most `depth` in flight; `take` gets each report in arrival order. */
export class IngestQueue<Context> {
  private inFlight = 0;
  private tail: Promise<void> = Promise.resolve();
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly ingestor: Pick<Ingestor, 'ingest'>,
    private readonly depth: number,
    /** Takes the report of a batch, after those of every batch added before it. */
    private readonly take: (report: IngestReport, context: Context) => void,
    /** A batch's ingest or its `take` failed (a store error ...): the session closes. */
    private readonly failed: (error: unknown) => void,
  ) {
    if (!Number.isSafeInteger(depth) || depth < 1) throw new RangeError('bad depth');
  }

  /** Batches added and not yet taken. */
  get size(): number {
    return this.inFlight;
  }

  /** Starts ingesting `list`; resolves once fewer than `depth` batches are in flight. */
  async add(list: readonly Uint8Array[], options: IngestOptions, context: Context): Promise<void> {
    this.inFlight++;
    const ingest = this.ingestor.ingest(list, options);
    // Observed in order below; this keeps an early failure from being reported as unhandled.
    ingest.catch(() => {});
    this.tail = this.tail.then(async () => {
      try {
        this.take(await ingest, context);
      } catch (err) {
        this.failed(err);
      } finally {
        this.inFlight--;
        for (const wake of this.waiters.splice(0)) wake();
      }
    });
    while (this.inFlight >= this.depth) await new Promise<void>((r) => this.waiters.push(r));
  }
}
