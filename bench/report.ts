/**
 * The one benchmark report (`npm run bench` writes it after the runs; `npx tsx bench/report.ts`
 * writes it again from the JSON already in bench/results/): every figure the issues name, its
 * goal where one is set, and where it came from, as bench/results/latest.json and latest.md.
 * A figure no run wrote says "not measured" rather than disappearing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

/** One benchmark run by bench/all.ts. */
export interface BenchRun {
  readonly script: string;
  /** `null` when it was stopped at the deadline or never started. */
  readonly exitCode: number | null;
  readonly seconds: number;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

/** A figure of the report: which results file, which field, what it means, its goal. */
interface Figure {
  readonly file: 'signaling' | 'core' | 'mesh' | 'app';
  /** Dotted path into the file's JSON. */
  readonly field: string;
  readonly label: string;
  readonly unit: string;
  /** The goal an issue sets, as text (e.g. ">= 10,000"), and a check of a value against it. */
  readonly goal?: { readonly text: string; readonly met: (value: number) => boolean };
}

const atLeast = (bound: number) => ({
  text: `>= ${bound.toLocaleString('en')}`,
  met: (v: number) => v >= bound,
});
const atMost = (bound: number) => ({
  text: `<= ${bound.toLocaleString('en')}`,
  met: (v: number) => v <= bound,
});
const under = (bound: number) => ({
  text: `< ${bound.toLocaleString('en')}`,
  met: (v: number) => v < bound,
});

/** The signaling servers side by side, as bench/signaling.ts names them in its runs. */
const SIGNALING_SERVERS = ['kith', 'kith-redis', 'ywebrtc'] as const;

const FIGURES: readonly Figure[] = [
  // Latency at the calm level (1,000 clients, every relay delivered) and throughput at the
  // saturated one (5,000 clients offer 250,000 relays/s): a p50 of seconds at saturation says
  // only that the queue was full, so each is read where it means something.
  ...SIGNALING_SERVERS.flatMap((server): Figure[] => [
    {
      file: 'signaling',
      field: `levels.${server}.5000.msgsPerSec`,
      label: `signaling relays delivered at 5,000 clients (saturated), ${server}`,
      unit: '/s',
    },
    {
      file: 'signaling',
      field: `levels.${server}.1000.p50Ms`,
      label: `signaling p50 at 1,000 clients, ${server}`,
      unit: 'ms',
    },
    {
      file: 'signaling',
      field: `levels.${server}.1000.p99Ms`,
      label: `signaling p99 at 1,000 clients, ${server}`,
      unit: 'ms',
    },
    {
      file: 'signaling',
      field: `levels.${server}.5000.bytesPerConn`,
      label: `signaling memory per connection, ${server}`,
      unit: 'B',
    },
  ]),
  {
    file: 'signaling',
    field: 'manyTopics.rssBytes',
    label: 'hundreds of friends: server RSS peak',
    unit: 'B',
    goal: atMost(1_000_000_000),
  },
  {
    file: 'core',
    field: 'verifiedPerSec',
    label: 'entries verified and stored (Chromium, IDB)',
    unit: '/s',
    goal: atLeast(10_000),
  },
  {
    file: 'core',
    field: 'extra.ingest.coldStartPerSec',
    label: 'the same, the checking workers starting in the timed run (as before session 17)',
    unit: '/s',
  },
  {
    file: 'core',
    field: 'extra.ingest.cpu.boundPerSec',
    label: "the same: the most its CPU time allows on this machine's cores",
    unit: '/s',
  },
  {
    file: 'core',
    field: 'materializedPerSec',
    label: 'posts materialized into views',
    unit: '/s',
    goal: atLeast(5_000),
  },
  {
    file: 'core',
    field: 'sync10k.ratio',
    label: 'sync 10k (Node, memory) / verify floor, median of 3 rounds',
    unit: 'x',
    goal: atMost(1.2),
  },
  { file: 'core', field: 'firstPage.ratio', label: 'first page, 100k / 10k posts', unit: 'x' },
  {
    file: 'core',
    field: 'newcomerBytes.ratio',
    label: 'newcomer bytes, 20k / 1k history',
    unit: 'x',
  },
  {
    file: 'core',
    field: 'keyRecordOpenMs',
    label: 'key record of 1,000: open as member',
    unit: 'ms',
  },
  {
    file: 'core',
    field: 'extra.fsIngest.ingestPerSec',
    label: 'home peer: entries verified and stored in its folder (Node)',
    unit: '/s',
  },
  { file: 'mesh', field: 'sync10k.ratio', label: 'sync 10k over a data channel / raw', unit: 'x' },
  {
    file: 'mesh',
    field: 'sync10kIdb.vsFloor',
    label: 'sync 10k, IDB both sides / floor',
    unit: 'x',
    goal: atMost(1.3),
  },
  {
    file: 'mesh',
    field: 'sync10kIdb.cpu.vsFloors',
    label: 'sync 10k, IDB both sides: its CPU time / CPU of floor + raw',
    unit: 'x',
  },
  {
    file: 'mesh',
    field: 'sync10kShaped.ratio',
    label: 'sync 10k at 40 Mbit/s / raw',
    unit: 'x',
    goal: atMost(1.5),
  },
  {
    file: 'mesh',
    field: 'connectionsCreatedPerHour',
    label: 'connections created per hour (churn: cap 3, 5 friends, 150 s)',
    unit: '',
  },
  {
    file: 'mesh',
    field: 'connectionsPerHourCalm.perArrival',
    label: 'connections per arrival (calm churn, --calm)',
    unit: '',
    goal: atMost(1.2),
  },
  {
    file: 'app',
    field: 'appSeed100kSeconds',
    label: '100,000 posts through the app path',
    unit: 's',
    goal: under(60),
  },
  {
    file: 'app',
    field: 'homeLongestTaskMs',
    label: 'longest task on Home, 100k posts (0: none of 50 ms or more)',
    unit: 'ms',
    goal: under(50),
  },
  {
    file: 'app',
    field: 'initialJsGzipBytes',
    label:
      'initial JS, gzipped: static graph only (the core chunk it loads at once is not counted)',
    unit: 'B',
    goal: atMost(80_000),
  },
  { file: 'app', field: 'firstPageMs100k', label: 'first page with 100k posts', unit: 'ms' },
  { file: 'app', field: 'photoEndToEndMs', label: 'photo end to end', unit: 'ms' },
  {
    file: 'app',
    field: 'searchMs',
    label: 'search with 100k posts (median of 20 queries)',
    unit: 'ms',
    goal: atMost(100),
  },
];

function read(file: Figure['file'] | 'latest'): Record<string, unknown> | undefined {
  const at = path.join(RESULTS, `${file}.json`);
  return existsSync(at)
    ? (JSON.parse(readFileSync(at, 'utf8')) as Record<string, unknown>)
    : undefined;
}

/** One signaling run as bench/signaling.ts records it (the fields read here). */
interface SignalingRun {
  readonly server: string;
  readonly clients: number;
  readonly msgsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly bytesPerConn: number;
}

/**
 * The median run (by relays delivered) of each server at each client count, as
 * `levels.<server>.<clients>`, from the signaling file's `runs`.
 */
function withLevels(
  json: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const runs = json?.runs;
  if (!Array.isArray(runs)) return json;
  const levels: Record<string, Record<number, SignalingRun>> = {};
  const groups = new Map<string, SignalingRun[]>();
  for (const run of runs as SignalingRun[]) {
    const key = `${run.server}\u0000${run.clients}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  for (const same of groups.values()) {
    const sorted = same.sort((a, b) => a.msgsPerSec - b.msgsPerSec);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    if (median === undefined) continue;
    (levels[median.server] ??= {})[median.clients] = median;
  }
  return { ...json, levels };
}

function pick(json: unknown, field: string): number | undefined {
  let value: unknown = json;
  for (const key of field.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** When a results file says it was written (its `extra.date` or `date`). */
function dateOf(json: Record<string, unknown> | undefined): string | undefined {
  const extra = json?.extra as Record<string, unknown> | undefined;
  const date = extra?.date ?? json?.date;
  return typeof date === 'string' ? date : undefined;
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim();
    return dirty === '' ? head : `${head} (with uncommitted changes)`;
  } catch {
    return 'unknown';
  }
}

const format = (value: number, unit: string): string => {
  const digits = unit === 'x' ? 2 : Math.abs(value) < 10 ? 2 : 0;
  const text = value.toLocaleString('en', { maximumFractionDigits: digits });
  return unit === '' ? text : `${text} ${unit}`;
};

/** Writes latest.json and latest.md from the results files; returns the Markdown and paths. */
export function writeReport(
  runs: readonly BenchRun[],
  totalSeconds: number,
): { markdown: string; paths: string[] } {
  const files = new Map(
    (['signaling', 'core', 'mesh', 'app'] as const).map((file) => [
      file,
      file === 'signaling' ? withLevels(read(file)) : read(file),
    ]),
  );
  const figures = FIGURES.map((figure) => {
    const value = pick(files.get(figure.file), figure.field);
    return {
      file: figure.file,
      field: figure.field,
      label: figure.label,
      value: value ?? null,
      unit: figure.unit,
      goal: figure.goal?.text ?? null,
      met: value === undefined || figure.goal === undefined ? null : figure.goal.met(value),
      measuredAt: dateOf(files.get(figure.file)) ?? null,
    };
  });
  const report = {
    date: new Date().toISOString(),
    commit: commit(),
    cpus: cpus().length,
    loadAverageNow: loadavg().map((v) => Number(v.toFixed(2))),
    totalSeconds,
    runs,
    figures,
  };
  const rows = figures.map(
    (f) =>
      `| ${f.label} | ${f.value === null ? 'not measured' : format(f.value, f.unit)} | ` +
      `${f.goal ?? ''} | ${f.met === null ? '' : f.met ? 'met' : 'not met'} | ` +
      `${f.file}.json \`${f.field}\` | ${f.measuredAt?.slice(0, 16) ?? ''} |`,
  );
  const runRows = runs.map(
    (r) =>
      `| ${r.script} | ${r.exitCode === 0 ? 'ok' : `exit ${String(r.exitCode)}`} | ${r.seconds} s | ` +
      `${r.loadBefore.join(' / ')} | ${r.loadAfter.join(' / ')} |`,
  );
  const markdown = [
    '# Kith benchmarks: latest run',
    '',
    `Commit ${report.commit}, ${report.date}, ${report.cpus} cores, ${totalSeconds} s in all. ` +
      'Figures are from the JSON each benchmark wrote (its date beside it); history and method ' +
      'are in docs/benchmarks.md.',
    '',
    ...(runRows.length > 0
      ? [
          '| run | result | time | load before (1/5/15 min) | load after |',
          '| --- | --- | ---: | --- | --- |',
          ...runRows,
          '',
        ]
      : []),
    '| figure | value | goal | | from | measured |',
    '| --- | ---: | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  const json = path.join(RESULTS, 'latest.json');
  const md = path.join(RESULTS, 'latest.md');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, markdown);
  return {
    markdown,
    paths: [path.relative(process.cwd(), json), path.relative(process.cwd(), md)],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Written again from the results files: the runs and total time of the last `npm run bench`
  // are kept from the report it wrote.
  const last = read('latest');
  const runs = Array.isArray(last?.runs) ? (last.runs as BenchRun[]) : [];
  const total = typeof last?.totalSeconds === 'number' ? last.totalSeconds : 0;
  const { paths } = writeReport(runs, total);
  console.log(`written to ${paths.join(' and ')}`);
}
