/**
 * The home peer's status lines: what it says as it works (paired, signaling, friends online,
 * entries held, disk used), for people or, with `--json`, one JSON object per line for scripts.
 * A line is shown at start, then whenever what it says changed (looked at every few seconds),
 * and at least every ten minutes, so a log shows both the work and that the peer still runs.
 */
import { createLogger } from '../core/log.ts';
import type { NodeNetwork } from '../core/node.ts';
import { formatBytes } from './caps.ts';
import type { FsLogStore } from './fs-log-store.ts';

/** What a status line says. */
export interface RelayStatus {
  readonly signaling: boolean;
  readonly friendsOnline: number;
  readonly friends: number;
  /** Positions held in all logs. */
  readonly entries: number;
  /** Bytes of the store's journal and blobs. */
  readonly diskBytes: number;
  /** The `--quota`, when one was given. */
  readonly quotaBytes?: number;
}

/** The relay's status now. */
export async function relayStatus(
  store: FsLogStore,
  network: NodeNetwork,
  quotaBytes?: number,
): Promise<RelayStatus> {
  const status = network.mesh.status();
  const states = [...status.friends.values()];
  const logs = await store.listLogs();
  return {
    signaling: status.signaling,
    friendsOnline: states.filter((s) => s !== 'offline').length,
    friends: states.length,
    entries: logs.reduce((sum, log) => sum + log.entries, 0),
    diskBytes: await store.diskBytes(),
    ...(quotaBytes === undefined ? {} : { quotaBytes }),
  };
}

/** One status line: for people, or a JSON object for scripts (`--json`). */
export function statusLine(status: RelayStatus, json: boolean): string {
  if (json) return JSON.stringify({ status: 'running', ...status });
  const quota = status.quotaBytes === undefined ? '' : ` of ${formatBytes(status.quotaBytes)}`;
  return (
    `paired, signaling ${status.signaling ? 'connected' : 'unreachable'}, ` +
    `friends online ${status.friendsOnline}/${status.friends}, ` +
    `entries held ${status.entries}, disk used ${formatBytes(status.diskBytes)}${quota}`
  );
}

/** The line shown once a FOLDER run stopped cleanly. */
export function stoppedLine(json: boolean): string {
  return json ? JSON.stringify({ status: 'stopped' }) : 'stopped';
}

/** How often the status is looked at, and the longest silence between two lines. */
export interface StatusTiming {
  readonly checkMs: number;
  readonly heartbeatMs: number;
}

const DEFAULT_TIMING: StatusTiming = { checkMs: 5_000, heartbeatMs: 10 * 60_000 };

const log = createLogger('home:status');

/**
 * Shows status lines while the relay runs (module doc). Reads never overlap: a check that comes
 * while a read waits on the store (busy with a large batch) is skipped.
 */
export class StatusReporter {
  private timer: ReturnType<typeof setInterval> | undefined;
  private last = '';
  private lastAt = -Infinity;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly read: () => Promise<RelayStatus>,
    private readonly write: (line: string) => void,
    private readonly json: boolean,
    private readonly timing: StatusTiming = DEFAULT_TIMING,
  ) {}

  /** Shows the first line, then starts looking. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => {
      if (this.reading !== undefined) return;
      this.check().catch((error: unknown) => log.warn('could not read the status', { error }));
    }, this.timing.checkMs);
  }

  /** Stops looking; resolves once a read under way has ended (the store may close then). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.reading;
  }

  private check(): Promise<void> {
    this.reading = (async () => {
      const line = statusLine(await this.read(), this.json);
      const now = performance.now();
      if (line === this.last && now - this.lastAt < this.timing.heartbeatMs) return;
      this.last = line;
      this.lastAt = now;
      this.write(line);
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }
}
