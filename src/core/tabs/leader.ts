/**
 * One tab per browser profile holds the network role (signaling, connections, sync); the others
 * follow through the shared store and `tab-link.ts`. The role is an exclusive Web Lock held for
 * as long as the tab lives: when the leader closes, the browser grants the lock to the next tab
 * waiting, which starts the network.
 */

/** The options of a lock request used here. */
export interface LockOptions {
  readonly signal?: AbortSignal;
  /** Grant the lock only if it is free now; otherwise call back at once with `null`. */
  readonly ifAvailable?: boolean;
}

/** The part of `navigator.locks` used here. */
export interface LockManagerLike {
  request(
    name: string,
    options: LockOptions,
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

/**
 * Waits for the network role, then runs `start`, whose result stops the network again.
 * `onFollowing` is called at once if another tab holds the role (so the screen can say so
 * rather than "connecting"), before waiting for it.
 */
export function holdLeadership(
  locks: LockManagerLike,
  name: string,
  start: () => Promise<() => Promise<void>>,
  onFollowing: () => void = () => undefined,
): Leadership {
  const abort = new AbortController();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let granted!: () => void;
  const leading = new Promise<void>((resolve) => (granted = resolve));
  let stopNetwork: (() => Promise<void>) | null = null;
  const lead = async () => {
    // Granted after `stop`: a lock request cannot be aborted once granted.
    if (abort.signal.aborted) return;
    const stopStarted = await start();
    // Stopped while starting: the network that just started stops, and the role is let go.
    if (abort.signal.aborted) return stopStarted();
    stopNetwork = stopStarted;
    granted();
    await released;
  };
  const held = locks
    .request(name, { ifAvailable: true }, async (lock) => {
      if (abort.signal.aborted) return;
      if (lock) return lead();
      onFollowing();
      return locks.request(name, { signal: abort.signal }, lead);
    })
    .catch((error: unknown) => {
      // Stopping while still waiting aborts the request; that is the only expected failure.
      if (!(error instanceof DOMException && error.name === 'AbortError')) throw error;
    });
  return {
    leading,
    async stop() {
      abort.abort();
      const stopping = stopNetwork;
      stopNetwork = null;
      await stopping?.();
      release();
      await held;
    },
  };
}
