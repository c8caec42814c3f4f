/**
 * The home peer's FOLDER run for the crash test (`relay-crash.test.ts`): what `main.ts FOLDER
 * --json` runs, with ICE on loopback only, so that the test's WebRTC stays on this machine. Stops
 * cleanly on SIGTERM; the test also kills it with SIGKILL.
 */
import { runRelay } from './relay-run.ts';

const folder = process.argv[2];
if (!folder) throw new Error('usage: relay-crash.fixture.ts FOLDER');
const stopped = new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
const result = await runRelay(
  folder,
  { out: (line) => process.stdout.write(`${line}\n`) },
  { json: true, stopped, ice: { loopbackOnly: true } },
);
process.exitCode = result === 'stopped' ? 0 : 3;
process.exit();
