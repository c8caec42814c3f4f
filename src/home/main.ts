/**
 * The home peer's entry point: `node kith-home.mjs FOLDER` (built by `npm run build` into
 * `dist/kith-home.mjs`, one file with everything inside) or `npm run home -- FOLDER` (tsx).
 * Everything it does is in `cli.ts`; this shell only binds it to the process.
 */
import { version } from '../../package.json';
import { runCli } from './cli.ts';

/** A FOLDER run ends cleanly (network stopped, store closed, lock released) on either signal. */
const stopped = new Promise<void>((resolve) => {
  process.once('SIGTERM', () => resolve());
  process.once('SIGINT', () => resolve());
});

process.exitCode = await runCli(
  process.argv.slice(2),
  {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  },
  version,
  stopped,
);
// Nothing else is to run: the signal handlers and any socket left closing must not hold the exit.
process.exit();
