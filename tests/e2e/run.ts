/**
 * The e2e runner: `tsx tests/e2e/run.ts [vitest args or files...]` (`npm run test:e2e` builds the
 * app first, then runs this).
 *
 * Unless already inside one, it re-executes itself inside the project's private network
 * namespace (./netns.ts) so that the signaling server, Chromium and the tests all run there: WebRTC
 * finds a host candidate and no test packet leaves the machine. Where no namespace can be made it
 * runs anyway, says why, and the WebRTC files skip themselves (under CI=true they fail instead).
 * Then it runs vitest with vitest.e2e.config.ts. Given files, one vitest runs them one at a time.
 * Given none, two run side by side, each one file at a time: the "net" lane (files that open WebRTC
 * connections) and the "side" lane (files of one person without WebRTC, then a few WebRTC files
 * of two or three people: vitest.e2e.config.ts), whose output is held back and printed when the
 * net lane is done, so neither interleaves; then the "alone" lane (the chaos run, which changes the
 * namespace's links: nothing else may load a page meanwhile). Its exit status is vitest's (the
 * first failing one's). `KITH_E2E_JSON=FILE` adds a JSON report written to FILE, or with the lanes
 * to FILE's name with `.net`, `.side` and `.alone` before its extension.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NETNS_ENV, netnsCommand, whyNoNetns } from './netns.ts';
import { REPO_ROOT } from './paths.ts';

const args = process.argv.slice(2);

/**
 * Runs a child with no stdin (CI has none) and our stdout/stderr, or both into `logFile`; resolves
 * with its exit code.
 */
function run(
  command: string,
  commandArgs: readonly string[],
  env: NodeJS.ProcessEnv,
  logFile?: string,
): Promise<number> {
  const log = logFile === undefined ? 'inherit' : openSync(logFile, 'w');
  const child: ChildProcess = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', log, log],
  });
  if (typeof log === 'number') closeSync(log);
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolvePromise) => {
    child.on('error', (error) => {
      console.error(`e2e: cannot run ${command}: ${error.message}`);
      resolvePromise(127);
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolvePromise(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

/**
 * The lanes of vitest.e2e.config.ts when no file is named: "net" and "side" side by side, then
 * "alone" (files that change the namespace's links).
 */
type Group = 'net' | 'side' | 'alone';

/** The JSON report's path for `group`, or the one report's when the files run as one group. */
function reportPath(group: Group | undefined): string | undefined {
  const report = process.env.KITH_E2E_JSON;
  if (report === undefined) return undefined;
  return resolve(group === undefined ? report : report.replace(/(\.json)?$/, `.${group}.json`));
}

/** Vitest's arguments: our config, our reporters, and the caller's files made repo-relative. */
function vitestArgs(group: Group | undefined): string[] {
  const passed = args.map((arg) =>
    !arg.startsWith('-') && existsSync(arg) ? relative(REPO_ROOT, resolve(arg)) : arg,
  );
  const report = reportPath(group);
  const reporters = report
    ? ['--reporter=default', '--reporter=json', `--outputFile.json=${report}`]
    : [];
  return ['run', '--config', 'vitest.e2e.config.ts', ...reporters, ...passed];
}

/**
 * Runs the two lanes side by side: the WebRTC files leave much of the second core idle while they
 * wait on the network, and the side lane's files fit in it, so the run is shorter by about the
 * side lane's length.
 */
async function runGroups(vitest: string): Promise<number> {
  mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true });
  const sideLog = join(REPO_ROOT, '.tmp', 'e2e-side.log');
  const runGroup = (group: Group, logFile?: string): Promise<number> =>
    run(
      process.execPath,
      [vitest, ...vitestArgs(group)],
      { ...process.env, KITH_E2E_GROUP: group },
      logFile,
    );
  const [net, side] = await Promise.all([runGroup('net'), runGroup('side', sideLog)]);
  console.log(`\ne2e: the side lane, run beside the net lane:\n`);
  console.log(readFileSync(sideLog, 'utf8'));
  console.log(`\ne2e: the files that change the namespace's links, alone:\n`);
  const alone = await runGroup('alone');
  return [net, side, alone].find((code) => code !== 0) ?? 0;
}

async function main(): Promise<number> {
  if (process.env[NETNS_ENV] !== '1') {
    const why = whyNoNetns();
    if (why === undefined) {
      console.log('e2e: entering a private network namespace (veth 10.77.0.1 <-> 10.77.0.2)');
      const self = fileURLToPath(import.meta.url);
      const [command, commandArgs] = netnsCommand(process.execPath, [
        ...process.execArgv,
        self,
        ...args,
      ]);
      return run(command, commandArgs, process.env);
    }
    console.warn(
      `e2e: no private network namespace (${why}).\n` +
        '  Running without one: WebRTC e2e files will be skipped, since WebRTC must never use ' +
        "the machine's real network" +
        (process.env.CI === 'true' || process.env.CI === '1'
          ? '; under CI=true they fail instead.'
          : '.'),
    );
  }
  const started = performance.now();
  const vitest = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const namesFiles = args.some((arg) => !arg.startsWith('-'));
  const code = namesFiles
    ? await run(process.execPath, [vitest, ...vitestArgs(undefined)], process.env)
    : await runGroups(vitest);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`e2e: vitest finished in ${seconds} s with exit status ${code}`);
  return code;
}

process.exitCode = await main();
