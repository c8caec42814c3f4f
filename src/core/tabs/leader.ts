/**
 * One tab per browser profile holds the network role (signaling, connections, sync); the others
 * follow through the shared store and `tab-link.ts`. The role is an exclusive Web Lock held for
 * as long as the tab lives: when the leader closes, the browser grants the lock to the next tab
 * waiting, which starts the network.
 */

/** The part of `navigator.locks` used here. */
export interface LockManagerLike {
  request(
    name: string,
    options: { signal: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

/** A claim on the network role. */
export interface Leadership {
  /** Resolves once this tab holds the role and `start` has finished. */
  readonly leading: Promise<void>;
  /** Gives the role up (or stops waiting for it), stopping the network if it was started. */
  stop(): Promise<void>;
}

/** Waits for the network role, then runs `start`, whose result stops the network again. */
export function holdLeadership(
  locks: LockManagerLike,
  name: string,
  start: () => Promise<() => Promise<void>>,
): Leadership {
  const abort = new AbortController();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let granted!: () => void;
  const leading = new Promise<void>((resolve) => (granted = resolve));
  let stopNetwork: (() => Promise<void>) | null = null;
  const held = locks
    .request(name, { signal: abort.signal }, async () => {
      stopNetwork = await start();
      granted();
      await released;
    })
    .catch((error: unknown) => {
      // Stopping while still waiting aborts the request; that is the only expected failure.
      if (!(error instanceof DOMException && error.name === 'AbortError')) throw error;
    });
  return {
    leading,
    async stop() {
      abort.abort();
      await stopNetwork?.();
      release();
      await held;
    },
  };
}
