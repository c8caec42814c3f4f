import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, parseArgs, runCli, UsageError } from './cli.ts';
import { RELAY_STATE_FILE } from './relay-state.ts';

/** Runs the CLI and keeps what it wrote. */
async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, '9.9.9');
  return { code, out, err };
}

const base = mkdtempSync(path.join(tmpdir(), 'kith-home-cli-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('parseArgs', () => {
  it.each([
    [['--help'], { kind: 'help' }],
    [['-h'], { kind: 'help' }],
    [['--version'], { kind: 'version' }],
    [['--check'], { kind: 'check' }],
    [['home'], { kind: 'run', folder: 'home', json: false, pair: false, caps: {} }],
    [['home', '--json'], { kind: 'run', folder: 'home', json: true, pair: false, caps: {} }],
    [['home', '--pair'], { kind: 'run', folder: 'home', json: false, pair: true, caps: {} }],
    [
      ['--quota', '20GB', 'home', '--max-connections=4'],
      {
        kind: 'run',
        folder: 'home',
        json: false,
        pair: false,
        caps: { quotaBytes: 20e9, maxConnections: 4 },
      },
    ],
    [['--help', 'home'], { kind: 'help' }],
  ])('%j', (argv, command) => {
    expect(parseArgs(argv)).toEqual(command);
  });

  it.each([
    [[], /give a FOLDER/],
    [['a', 'b'], /one FOLDER/],
    [['--pear', 'home'], /unknown option --pear/],
    [['--check', 'home'], /--check takes no FOLDER/],
    [['--check', '--version'], /not several/],
    [['--check', '--json'], /--json goes with FOLDER/],
    [['--version', '--pair'], /--pair goes with FOLDER/],
    [['--version', '--quota', '5GB'], /caps go with FOLDER, not --version/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('runCli', () => {
  it('shows help and the version', async () => {
    const help = await run('--help');
    expect(help.code).toBe(EXIT.ok);
    expect(help.out.join('\n')).toMatch(/^Usage: node kith-home\.mjs FOLDER/);
    const version = await run('--version');
    expect(version).toMatchObject({ code: EXIT.ok, err: [] });
    expect(version.out).toEqual([`kith-home 9.9.9 (Node ${process.versions.node})`]);
  });

  it('answers a bad flag with one line and status 2', async () => {
    const result = await run('--frobnicate');
    expect(result).toEqual({
      code: EXIT.usage,
      out: [],
      err: ['kith-home: unknown option --frobnicate (see --help)'],
    });
  });

  it.each([
    [['home', '--quota'], 'kith-home: --quota needs a value'],
    [
      ['home', '--quota', 'lots'],
      'kith-home: --quota takes a size such as 500MB or 20GB, not lots',
    ],
    [['home', '--quota=10kB'], 'kith-home: --quota must be at least 1MB'],
    [['home', '--quota', '1GB', '--quota', '2GB'], 'kith-home: give --quota once'],
    [
      ['home', '--max-connections', '0'],
      'kith-home: --max-connections takes a whole number from 1 to 256, not 0',
    ],
    [
      ['home', '--max-connections=2.5'],
      'kith-home: --max-connections takes a whole number from 1 to 256, not 2.5',
    ],
  ])('answers the bad cap %j with one line and status 2, FOLDER untouched', async (argv, line) => {
    const folder = path.join(base, 'caps');
    const result = await run(...argv.map((arg) => (arg === 'home' ? folder : arg)));
    expect(result).toEqual({ code: EXIT.usage, out: [], err: [line] });
    expect(existsSync(folder)).toBe(false);
  });

  it('answers a FOLDER it cannot use with one line and status 2', async () => {
    const file = path.join(base, 'a-file');
    writeFileSync(file, 'not a folder');
    for (const folder of [file, path.join(file, 'below')]) {
      const result = await run(folder);
      expect(result.code).toBe(EXIT.usage);
      expect(result.out).toEqual([]);
      expect(result.err).toHaveLength(1);
      expect(result.err[0]).toMatch(new RegExp(`^kith-home: cannot use ${file}.* as FOLDER: `));
    }
  });

  it('answers a saved relay state it cannot read with one line and status 2', async () => {
    const folder = path.join(base, 'spoiled');
    mkdirSync(folder);
    writeFileSync(path.join(folder, RELAY_STATE_FILE), JSON.stringify({ version: 7 }));
    const result = await run(folder);
    expect(result.code).toBe(EXIT.usage);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual(['kith-home: the saved relay state is version 7, not 1']);
  });

  it('answers a FOLDER whose files it cannot read with one line and status 2', async () => {
    const folder = path.join(base, 'odd');
    mkdirSync(path.join(folder, RELAY_STATE_FILE), { recursive: true });
    const result = await run(folder);
    expect(result).toEqual({
      code: EXIT.usage,
      out: [],
      err: [`kith-home: cannot use ${folder} as FOLDER: EISDIR`],
    });
  });

  it('makes a missing FOLDER for its owner only, then says it is not paired and how to pair it (status 3)', async () => {
    const folder = path.join(base, 'new', 'home');
    const result = await run(folder);
    expect(result.code).toBe(EXIT.notPaired);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toContain('pair it with --pair');
    const info = statSync(folder);
    expect(info.isDirectory()).toBe(true);
    expect(info.mode & 0o777).toBe(0o700);
  });

  it('--check opens WebRTC over loopback and says OK', async () => {
    const result = await run('--check');
    expect(result.err).toEqual([]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toHaveLength(1);
    expect(result.out[0]).toMatch(/^OK: WebRTC works here: .* 1 MiB each way intact$/);
  });
});
