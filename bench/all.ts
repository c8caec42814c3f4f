/**
 * `npm run bench`: every benchmark, one after another (never two at once: two cores), then one
 * report of their figures. Each benchmark writes its own JSON in bench/results/; this script
 * records the load average before and after each, stops at a deadline, and writes
 * bench/results/latest.json and latest.md (bench/report.ts) from what the runs wrote. Long runs
 * (the calm churn: `npm run bench:mesh -- --calm`) keep their own flag and are not run here.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { writeReport, type BenchRun } from './report.ts';

/** The benchmarks, in the order they run (signaling first: it needs no build). */
const BENCHMARKS = ['bench:signaling', 'bench:core', 'bench:mesh', 'bench:app'] as const;

/** The whole run's bound (issue 30: every benchmark within 20 minutes on a 2-core machine). */
const DEADLINE_MS = 25 * 60_000;

const load = (): [number, number, number] =>
  loadavg().map((value) => Number(value.toFixed(2))) as [number, number, number];

function run(script: string, remainingMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    // Two repeats of each signaling run instead of three keep the whole run within 20 minutes.
    const env = { ...process.env, BENCH_REPEATS: process.env.BENCH_REPEATS ?? '2' };
    const child = spawn('npm', ['run', script], { stdio: 'inherit', env });
    const timer = setTimeout(() => {
      console.error(`${script} passed the run's deadline: stopped`);
      child.kill('SIGTERM');
    }, remainingMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

const started = Date.now();
const runs: BenchRun[] = [];
for (const script of BENCHMARKS) {
  const remaining = DEADLINE_MS - (Date.now() - started);
  if (remaining <= 0) {
    runs.push({ script, exitCode: null, seconds: 0, loadBefore: load(), loadAfter: load() });
    continue;
  }
  const loadBefore = load();
  const at = Date.now();
  const exitCode = await run(script, remaining);
  runs.push({
    script,
    exitCode,
    seconds: Math.round((Date.now() - at) / 1000),
    loadBefore,
    loadAfter: load(),
  });
}
const written = writeReport(runs, Math.round((Date.now() - started) / 1000));
console.log(`\n${written.markdown}\nwritten to ${written.paths.join(' and ')}`);
process.exitCode = runs.every((r) => r.exitCode === 0) ? 0 : 1;
