/**
 * The home peer's command line: `node kith-home.mjs FOLDER` (the one built file) or
 * `npm run home -- FOLDER` in a clone. `runCli` returns the exit status instead of exiting, so
 * tests drive it as a function; `main.ts` is the thin shell around it.
 *
 * Exit statuses (docs/home-peer.md): 0 done, 1 the self-test failed, 2 bad usage or an unusable
 * FOLDER or saved state, or a pairing that failed (one line on standard error), 3 FOLDER holds
 * no paired relay (`--pair` pairs it), 4 its person unpaired it (FOLDER can be deleted, or
 * paired again with `--pair`).
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { WebSocket } from 'ws';
import type { WebSocketConstructor } from '../core/net/signaling-client.ts';
import { CapFlagError, takeCaps, type RelayCaps } from './caps.ts';
import { FolderLockedError } from './folder-lock.ts';
import { PairingError, pairFolder, readStdinLine } from './pairing.ts';
import { RelayStateError } from './relay-state.ts';
import { runRelay } from './relay-run.ts';
import { selfCheck } from './self-check.ts';

/** Exit statuses of the home peer. */
export const EXIT = { ok: 0, checkFailed: 1, usage: 2, notPaired: 3, unpaired: 4 } as const;

/** What the command line asks for. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'check' }
  | {
      readonly kind: 'run';
      readonly folder: string;
      readonly json: boolean;
      /** Pair FOLDER first (`pairing.ts`), the link read from standard input. */
      readonly pair: boolean;
      readonly caps: RelayCaps;
    };

/** A command line that cannot be run as given; its message is the one line shown. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Where the CLI writes: a line at a time. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** The text of `--help`. */
export const HELP = `Usage: node kith-home.mjs FOLDER [--pair] [--json] [--quota SIZE] [--max-connections N]
       node kith-home.mjs --check | --help | --version

Kith's home peer: keeps your posts reachable while your phone sleeps. It holds your and your
friends' entries in FOLDER, encrypted as they travel, and never a key that opens them.

  FOLDER      where the home peer keeps what it holds (made if missing); runs until
              SIGTERM or Ctrl-C, showing a status line as it works
  --pair      pair FOLDER with you first: paste the pairing link from Settings → Home peer
              (read from standard input), then confirm the code it shows in Settings
  --json      status lines as JSON objects, one per line, for scripts
  --quota SIZE
              most disk FOLDER may take, e.g. 20GB (at least 1MB); when it is reached,
              friends-of-friends windows go first, then the oldest photos; your own and
              your friends' posts are never dropped (default: no quota)
  --max-connections N
              most devices connected at once, 1 to 256 (default 16)
  --check     test WebRTC on this machine: two peers in this process, over loopback only
  --help      show this text
  --version   show the version

Exit status: 0 done, 1 the check failed, 2 bad usage or unusable FOLDER,
3 FOLDER is not paired (pair it with --pair), 4 you unpaired it (delete FOLDER,
or pair it again with --pair).`;

/**
 * Parses the arguments (without `node` and the script); throws {@link UsageError}, or
 * {@link CapFlagError} for a cap flag's value.
 */
export function parseArgs(args: readonly string[]): Command {
  const { caps, rest: argv } = takeCaps(args);
  const capsGiven = argv.length < args.length;
  const json = argv.includes('--json');
  const pair = argv.includes('--pair');
  const modifiers = ['--json', '--pair'];
  const flags = argv.filter(
    (arg) => arg.startsWith('-') && arg !== '-' && !modifiers.includes(arg),
  );
  const positional = argv.filter((arg) => !flags.includes(arg) && !modifiers.includes(arg));
  const unknown = flags.find((flag) => !['--help', '-h', '--version', '--check'].includes(flag));
  if (unknown !== undefined) throw new UsageError(`unknown option ${unknown} (see --help)`);
  if (flags.includes('--help') || flags.includes('-h')) return { kind: 'help' };
  if (flags.length > 1) throw new UsageError(`give one of ${flags.join(', ')}, not several`);
  if (flags[0] === '--version' || flags[0] === '--check') {
    if (positional.length > 0) throw new UsageError(`${flags[0]} takes no FOLDER`);
    if (json || pair) {
      throw new UsageError(`${json ? '--json' : '--pair'} goes with FOLDER, not ${flags[0]}`);
    }
    if (capsGiven) throw new UsageError(`caps go with FOLDER, not ${flags[0]}`);
    return { kind: flags[0] === '--version' ? 'version' : 'check' };
  }
  if (positional.length === 0) throw new UsageError('give a FOLDER (see --help)');
  if (positional.length > 1) throw new UsageError('give one FOLDER, not several');
  return { kind: 'run', folder: positional[0]!, json, pair, caps };
}

/**
 * Makes `folder` if it is missing (readable by its owner only) and checks that this process may
 * read and write it; throws {@link UsageError} saying why not.
 */
export async function prepareFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    if (!(await stat(folder)).isDirectory()) throw new Error('not a directory');
    await access(folder, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot use ${folder} as FOLDER: ${reason}`);
  }
}

/** Runs the command line `argv`; resolves with the exit status. A FOLDER run ends on `stopped`. */
export async function runCli(
  argv: readonly string[],
  output: CliOutput,
  version: string,
  stopped: Promise<void> = new Promise(() => undefined),
  readLink: () => Promise<string> = readStdinLine,
): Promise<number> {
  let command: Command;
  try {
    command = parseArgs(argv);
    if (command.kind === 'run') await prepareFolder(command.folder);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof CapFlagError)) throw error;
    output.err(`kith-home: ${error.message}`);
    return EXIT.usage;
  }
  switch (command.kind) {
    case 'help':
      output.out(HELP);
      return EXIT.ok;
    case 'version':
      output.out(`kith-home ${version} (Node ${process.versions.node})`);
      return EXIT.ok;
    case 'check': {
      const result = await selfCheck();
      if (result.ok) {
        output.out(`OK: ${result.detail}`);
        return EXIT.ok;
      }
      output.err(`kith-home: check failed: ${result.detail}`);
      return EXIT.checkFailed;
    }
    case 'run':
      return run(command, output, stopped, readLink);
  }
}

/** The FOLDER run (`relay-run.ts`), its failures to start told in one line. */
async function run(
  command: Extract<Command, { kind: 'run' }>,
  output: CliOutput,
  stopped: Promise<void>,
  readLink: () => Promise<string>,
): Promise<number> {
  try {
    if (command.pair) {
      await pairFolder(command.folder, {
        readLink,
        out: (line) => output.out(line),
        WebSocket: WebSocket as unknown as WebSocketConstructor,
      });
    }
    const result = await runRelay(command.folder, output, {
      json: command.json,
      stopped,
      caps: command.caps,
    });
    if (result === 'stopped') return EXIT.ok;
    if (result === 'unpaired') return EXIT.unpaired;
  } catch (error) {
    if (isSystemError(error)) {
      const where = error.path === undefined ? '' : ` (${error.path})`;
      output.err(`kith-home: cannot use ${command.folder} as FOLDER: ${error.code}${where}`);
      return EXIT.usage;
    }
    const oneLine =
      error instanceof FolderLockedError ||
      error instanceof RelayStateError ||
      error instanceof PairingError;
    if (!oneLine) throw error;
    output.err(`kith-home: ${error.message}`);
    return EXIT.usage;
  }
  output.err(
    `kith-home: ${command.folder} is not paired yet, so there is nothing to serve: pair it ` +
      'with --pair and the link from Settings → Home peer. `--check` tests WebRTC here.',
  );
  return EXIT.notPaired;
}

/** A system call on FOLDER's files failed (another owner, a full disk, a directory for a file). */
function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const e = error as NodeJS.ErrnoException | undefined;
  return typeof e?.code === 'string' && typeof e.syscall === 'string';
}
