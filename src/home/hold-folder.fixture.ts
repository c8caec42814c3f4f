/**
 * A second process for the folder-lock tests (`fs-log-store.test.ts`): opens the store in the
 * folder given, says `opened`, holds it until its standard input ends, then closes it. Exits
 * with the error's exit code when the folder is locked.
 */
import { FolderLockedError } from './folder-lock.ts';
import { FsLogStore } from './fs-log-store.ts';

const folder = process.argv[2];
if (!folder) throw new Error('usage: hold-folder.fixture.ts FOLDER');
try {
  const store = await FsLogStore.open({ folder });
  process.stdout.write('opened\n');
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  await store.close();
} catch (err) {
  if (!(err instanceof FolderLockedError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = err.exitCode;
}
