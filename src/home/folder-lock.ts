/**
 * One process per folder: a lock file created exclusively (`O_EXCL`) holding the owner's pid.
 * A second process finds it and fails with `FolderLockedError` (the home peer's command line
 * exits with code 2). A lock left by a process that died (SIGKILL, power loss) names a pid that
 * no longer runs and is taken over. Node has no `flock`; the pid check is the portable stand-in
 * (a reused pid makes a stale lock look held: the error names the file to delete).
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** The lock file's name inside the folder. */
export const LOCK_FILE = 'kith.lock';

/** Another running process holds the folder. */
export class FolderLockedError extends Error {
  override readonly name = 'FolderLockedError';
  /** What the home peer's command line exits with when it meets this error. */
  readonly exitCode = 2;
  /** The pid written in the lock file. */
  readonly pid: number;

  constructor(folder: string, pid: number) {
    super(
      `${folder} is in use by process ${pid} (if that process is not Kith, delete ${join(folder, LOCK_FILE)})`,
    );
    this.pid = pid;
  }
}

/** A held folder lock. */
export interface FolderLock {
  /** Removes the lock file. */
  release(): Promise<void>;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock, or throws `FolderLockedError` when a running process holds it. */
export async function lockFolder(folder: string): Promise<FolderLock> {
  const path = join(folder, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      await file.writeFile(String(process.pid));
      await file.sync();
      await file.close();
      return { release: () => unlink(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    // A second find after taking a stale lock over: another process was quicker.
    if (attempt > 0 || (Number.isSafeInteger(pid) && pid > 0 && isRunning(pid))) {
      throw new FolderLockedError(folder, pid);
    }
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}
