/**
 * CPU time of the Chromium browsers this process launched, thread by thread, read from Linux's
 * `/proc` (every process of each browser, every thread of each process). A benchmark takes a
 * snapshot before and after what it measures: on a machine of two cores shared by both peers, a
 * run that keeps them busy cannot be faster than its CPU time allows, whatever its code waits
 * for, and the threads say whose work it was (the page, its checking workers, V8's background
 * threads, IndexedDB's backend in the browser process, WebRTC and the network service).
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of `/proc`'s CPU times (`getconf CLK_TCK`: 100 on Linux). */
const TICK_MS = 10;

/** One thread's CPU time so far: its browser (the side), its process's role, its name. */
interface ThreadTime {
  readonly side: string;
  readonly role: string;
  readonly thread: string;
  readonly ticks: number;
}

/** A snapshot: CPU ticks so far by side, process role and thread name. */
export type CpuSnapshot = ReadonlyMap<string, ThreadTime>;

/** CPU time spent between two snapshots. */
export interface CpuSpent {
  readonly totalMs: number;
  /** By browser (side). */
  readonly bySide: Readonly<Record<string, number>>;
  /** By side, process role and thread name, most first; threads under 30 ms left out. */
  readonly threads: readonly { readonly thread: string; readonly ms: number }[];
}

interface ProcessInfo {
  readonly ppid: number;
  readonly cmdline: string;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name, in parentheses, may hold spaces: fields are counted after its closing one.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return { ppid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') };
  } catch {
    return undefined; // Gone meanwhile.
  }
}

/** A Chromium process's role: its `--type` (and a utility's service), else the browser itself. */
function roleOf(cmdline: string): string {
  const type = /--type=([a-z-]+)/.exec(cmdline)?.[1];
  if (!type) return 'browser';
  const service = /--utility-sub-type=([a-z_]+)/.exec(cmdline)?.[1];
  return service ? `${type}:${service}` : type;
}

/**
 * Snapshot of the CPU time of every thread of the browsers launched by this process;
 * `sideOf(cmdline)` names a browser from its command line (say, by its profile folder).
 */
export function chromiumCpu(sideOf: (browserCmdline: string) => string): CpuSnapshot {
  const processes = new Map<number, ProcessInfo>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name));
    if (info) processes.set(Number(name), info);
  }
  // A browser is a child of this process; its renderers, GPU and utility processes descend
  // from it (through its zygotes).
  const browserOf = (pid: number): number | undefined => {
    for (let at = pid, depth = 0; depth < 8; depth++) {
      const info = processes.get(at);
      if (!info) return undefined;
      if (info.ppid === process.pid) return at;
      at = info.ppid;
    }
    return undefined;
  };
  const out = new Map<string, ThreadTime>();
  for (const [pid, info] of processes) {
    const browser = browserOf(pid);
    if (browser === undefined) continue;
    const side = sideOf(processes.get(browser)!.cmdline);
    const role = roleOf(info.cmdline);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      } catch {
        continue;
      }
      // Pool threads are numbered ("ThreadPoolForeg", "DedicatedWorker"): counted together.
      const thread = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime: fields 14 and 15 of stat, 12 and 13 after the name.
      const ticks = Number(fields[11]) + Number(fields[12]);
      const key = `${side} ${role} ${thread}`;
      const sofar = out.get(key)?.ticks ?? 0;
      out.set(key, { side, role, thread, ticks: sofar + ticks });
    }
  }
  return out;
}

/** What was spent from `before` to `after` (threads that ended meanwhile are not counted). */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): CpuSpent {
  const bySide: Record<string, number> = {};
  const threads: { thread: string; ms: number }[] = [];
  let totalMs = 0;
  for (const [key, now] of after) {
    const ms = (now.ticks - (before.get(key)?.ticks ?? 0)) * TICK_MS;
    if (ms <= 0) continue;
    totalMs += ms;
    bySide[now.side] = (bySide[now.side] ?? 0) + ms;
    if (ms >= 30) threads.push({ thread: key, ms });
  }
  threads.sort((a, b) => b.ms - a.ms);
  return { totalMs, bySide, threads };
}
