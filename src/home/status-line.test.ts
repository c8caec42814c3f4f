import { describe, expect, it } from 'vitest';
import { StatusReporter, statusLine, stoppedLine, type RelayStatus } from './status-line.ts';

const running: RelayStatus = {
  signaling: true,
  friendsOnline: 1,
  friends: 3,
  entries: 1234,
  diskBytes: 2_500_000,
};

describe('status lines', () => {
  it('says paired, signaling, friends online, entries held and disk used, of the quota if any', () => {
    expect(statusLine(running, false)).toBe(
      'paired, signaling connected, friends online 1/3, entries held 1234, disk used 2.5 MB',
    );
    expect(statusLine({ ...running, signaling: false, quotaBytes: 20e9 }, false)).toBe(
      'paired, signaling unreachable, friends online 1/3, entries held 1234, ' +
        'disk used 2.5 MB of 20.0 GB',
    );
  });

  it('is one JSON object per line for scripts', () => {
    expect(JSON.parse(statusLine({ ...running, quotaBytes: 5e9 }, true))).toEqual({
      status: 'running',
      signaling: true,
      friendsOnline: 1,
      friends: 3,
      entries: 1234,
      diskBytes: 2_500_000,
      quotaBytes: 5e9,
    });
    expect(JSON.parse(stoppedLine(true))).toEqual({ status: 'stopped' });
    expect(stoppedLine(false)).toBe('stopped');
  });
});

describe('StatusReporter', () => {
  /** A reporter over a status the test changes; resolves `wrote` at each line. */
  function reporter(heartbeatMs: number) {
    let status = running;
    let reads = 0;
    const lines: string[] = [];
    let waiting: (() => void) | undefined;
    const next = () => new Promise<void>((resolve) => (waiting = resolve));
    const readsPast = async (n: number) => {
      while (reads < n) await new Promise((resolve) => setTimeout(resolve, 1));
    };
    const it = new StatusReporter(
      async () => {
        reads++;
        return status;
      },
      (line) => {
        lines.push(line);
        waiting?.();
      },
      false,
      { checkMs: 1, heartbeatMs },
    );
    return {
      it,
      lines,
      next,
      readsPast,
      set: (s: RelayStatus) => (status = s),
      reads: () => reads,
    };
  }

  it('shows a line at start, none while nothing changes, and one when something did', async () => {
    const r = reporter(Infinity);
    await r.it.start();
    expect(r.lines).toEqual([statusLine(running, false)]);
    await r.readsPast(5);
    expect(r.lines).toHaveLength(1);
    const changed = r.next();
    r.set({ ...running, entries: 1300 });
    await changed;
    await r.it.stop();
    expect(r.lines).toEqual([
      statusLine(running, false),
      statusLine({ ...running, entries: 1300 }, false),
    ]);
    const after = r.reads();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(r.reads()).toBe(after);
  });

  it('repeats an unchanged line once the heartbeat is due', async () => {
    const r = reporter(0);
    await r.it.start();
    await r.next();
    await r.it.stop();
    expect(r.lines.length).toBeGreaterThanOrEqual(2);
    expect(new Set(r.lines)).toEqual(new Set([statusLine(running, false)]));
  });
});
