/**
 * Ingest into the home peer's folder store (`FsLogStore`), in Node, beside the page's IndexedDB
 * figure: the same 10,000 signed entries of 10 authors (200-byte payloads) in batches of 256 as
 * the sync hands them over. `storeOnlyPerSec` is `putEntries` of verified entries alone (each
 * batch one fsynced frame); `ingestPerSec` goes through the `Ingestor` (verification, chain
 * checks, two batches in flight), like `verifiedPerSec`. The folder is a fresh temporary one.
 * `measureFsIngest()` is reusable; `tsx bench/core-fs.ts` prints the figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EntryVerifier, type VerifiedEntry } from '../src/core/feed/entry-verifier.ts';
import { Ingestor } from '../src/core/sync/ingest.ts';
import { TestPerson } from '../src/core/sync/test-helpers.ts';
import { FsLogStore } from '../src/home/fs-log-store.ts';

/** Result of one measurement. */
export interface FsIngestResult {
  readonly entries: number;
  readonly batch: number;
  /** Entries/s through `putEntries` alone. */
  readonly storeOnlyPerSec: number;
  /** Entries/s through the `Ingestor` (verify + store). */
  readonly ingestPerSec: number;
  /** Bytes of the journal holding them. */
  readonly journalBytes: number;
}

async function inFreshFolder<T>(run: (store: FsLogStore) => Promise<T>): Promise<T> {
  const base = await mkdtemp(path.join(tmpdir(), 'kith-bench-fs-'));
  const store = await FsLogStore.open({ folder: path.join(base, 'home') });
  try {
    return await run(store);
  } finally {
    await store.close();
    await rm(base, { recursive: true, force: true });
  }
}

/** Signs the entries, then times storing them alone and through the ingestor. */
export async function measureFsIngest(
  count = 10_000,
  authors = 10,
  batch = 256,
): Promise<FsIngestResult> {
  const people = await Promise.all(
    Array.from({ length: authors }, (_, i) => TestPerson.create(`author-${i}`)),
  );
  const perAuthor = Math.ceil(count / authors);
  await Promise.all(people.map((p) => p.append(perAuthor, { payloadBytes: 200 })));
  const bytes = people.flatMap((p) => p.log.map((e) => e.bytes)).slice(0, count);
  const checks = await new EntryVerifier().verifyMany(bytes);
  const verified = checks.filter((c): c is VerifiedEntry => !(c instanceof Error));
  if (verified.length !== bytes.length) throw new Error('an entry failed to verify');

  const storeOnly = await inFreshFolder(async (store) => {
    const start = performance.now();
    for (let i = 0; i < verified.length; i += batch) {
      await store.putEntries(verified.slice(i, i + batch));
    }
    const ms = performance.now() - start;
    return { ms, journalBytes: await store.diskBytes() };
  });

  const ingestMs = await inFreshFolder(async (store) => {
    const ingestor = new Ingestor(store, new EntryVerifier());
    let stored = 0;
    const running = new Set<Promise<void>>();
    const start = performance.now();
    for (let i = 0; i < bytes.length; i += batch) {
      const run: Promise<void> = ingestor.ingest(bytes.slice(i, i + batch)).then((report) => {
        running.delete(run);
        if (report.rejected.length > 0) throw new Error(`ingest refused ${report.rejected.length}`);
        stored += report.accepted.length;
      });
      running.add(run);
      if (running.size >= 2) await Promise.race(running);
    }
    await Promise.all(running);
    if (stored !== bytes.length) throw new Error(`stored ${stored} of ${bytes.length}`);
    return performance.now() - start;
  });

  return {
    entries: bytes.length,
    batch,
    storeOnlyPerSec: (bytes.length / storeOnly.ms) * 1000,
    ingestPerSec: (bytes.length / ingestMs) * 1000,
    journalBytes: storeOnly.journalBytes,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await measureFsIngest();
  console.log(
    `folder store, ${r.entries} entries in batches of ${r.batch}: putEntries alone ${r.storeOnlyPerSec.toFixed(0)} /s, ` +
      `through the Ingestor ${r.ingestPerSec.toFixed(0)} /s, journal ${r.journalBytes} bytes`,
  );
}
