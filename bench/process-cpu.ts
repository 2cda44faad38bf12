// CPU time and memory of a process tree (a process and every process below it: Chromium's browser,
// renderers, GPU and utility processes), read from /proc. Renderers come and go with each capture,
// so the tree is sampled every 20 ms and a process keeps the last figure seen for it; a renderer's
// final few ms may be missed, the same way for every side of a comparison. Linux only: null elsewhere.
//
// Sampling is cheap on purpose: each tick lists /proc but reads the stat file only of processes in
// the tree and of processes not seen before (to learn their parent). Reading every process's stat
// every 20 ms cost ~12% of a core on this machine (this way: ~4%), CPU a benchmark on 2 cores
// cannot spare.
//
// Memory: the peak over the samples of the tree's summed RSS (shared pages, such as Chromium's
// code mapped by every renderer, count once per process, so this overstates what the tree takes
// from the machine), and the peak of the summed PSS (shared pages divided among their users, read
// from smaps_rollup once a second, as reading it costs ~1.5 ms for a large process; closer to
// the real footprint, but a peak shorter than a second may be missed).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { pssBytes } from '../src/core/capture/process-tree.js';

const TicksPerSecond = 100; // USER_HZ on Linux
const PageBytes = 4096;

export interface CpuMeter {
  /** CPU milliseconds used since the meter started. */
  stop(): number;
}

export interface TreeUsage {
  /** CPU milliseconds used by the tree since the meter started. */
  cpuMs: number;
  /** Highest summed RSS of the tree seen, in bytes. */
  peakRssBytes: number;
  /** Highest summed PSS of the tree seen, in bytes (0 when smaps_rollup is unreadable). */
  peakPssBytes: number;
  /** Processes seen in the tree over the measurement. */
  processes: number;
}

export interface TreeMeter {
  /** Usage so far, without stopping. */
  read(): TreeUsage;
  stop(): TreeUsage;
}

/** CPU of this process and its descendants (the original API, kept for other callers). */
export function startCpuMeter(): CpuMeter | null {
  const meter = startTreeMeter(process.pid);
  return meter && { stop: () => meter.stop().cpuMs };
}

interface Stat {
  ppid: number;
  cpuMs: number;
  rssBytes: number;
}

/** Meters `rootPid` and every process below it. */
export function startTreeMeter(rootPid: number = process.pid, options: { intervalMs?: number; pssEveryMs?: number } = {}): TreeMeter | null {
  if (!existsSync(`/proc/${rootPid}/stat`)) return null;
  const intervalMs = options.intervalMs ?? 20;
  const pssEveryMs = options.pssEveryMs ?? 1000;
  /** Every pid listed in /proc at the last tick: true when it is in the tree. */
  const membership = new Map<number, boolean>();
  const baseline = new Map<number, number>();
  const latest = new Map<number, number>();
  let peakRss = 0;
  let peakPss = 0;
  let lastPss = 0;
  let first = true;

  const tick = () => {
    const listed = new Set<number>();
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (Number.isInteger(pid) && pid > 0) listed.add(pid);
    }
    for (const pid of membership.keys()) if (!listed.has(pid)) membership.delete(pid);
    // Newcomers: read their parent. A child appears after its parent, so resolving in rounds
    // (parents first) places every newcomer whose parent is still alive.
    const fresh = new Map<number, Stat>();
    for (const pid of listed) {
      if (membership.has(pid)) continue;
      const stat = readStat(pid);
      if (stat) fresh.set(pid, stat);
    }
    let pending = [...fresh.keys()];
    for (let round = 0; round < 16 && pending.length; round++) {
      const next: number[] = [];
      for (const pid of pending) {
        const { ppid } = fresh.get(pid)!;
        if (pid === rootPid || membership.get(ppid) === true) membership.set(pid, true);
        else if (membership.get(ppid) === false || !fresh.has(ppid) || ppid <= 1) membership.set(pid, false);
        else next.push(pid);
      }
      if (next.length === pending.length) break;
      pending = next;
    }
    for (const pid of pending) membership.set(pid, false);

    let rss = 0;
    const members: number[] = [];
    for (const [pid, mine] of membership) {
      if (!mine) continue;
      const stat = fresh.get(pid) ?? readStat(pid);
      if (!stat) continue;
      members.push(pid);
      if (first) baseline.set(pid, stat.cpuMs);
      latest.set(pid, stat.cpuMs);
      rss += stat.rssBytes;
    }
    first = false;
    peakRss = Math.max(peakRss, rss);
    const now = performance.now();
    if (now - lastPss >= pssEveryMs) {
      lastPss = now;
      let pss = 0;
      for (const pid of members) pss += pssBytes(pid) ?? 0;
      peakPss = Math.max(peakPss, pss);
    }
  };

  const usage = (): TreeUsage => {
    let cpuMs = 0;
    for (const [pid, ms] of latest) cpuMs += ms - (baseline.get(pid) ?? 0);
    return { cpuMs: Math.round(cpuMs), peakRssBytes: peakRss, peakPssBytes: peakPss, processes: latest.size };
  };

  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  let stopped: TreeUsage | null = null;
  return {
    read() {
      return stopped ?? usage();
    },
    stop() {
      if (stopped) return stopped;
      tick();
      clearInterval(timer);
      stopped = usage();
      return stopped;
    },
  };
}

/** Busy CPU milliseconds of the whole machine so far (all cores, from /proc/stat); null off Linux. */
export function machineBusyMs(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [, ...fields] = line.trim().split(/\s+/);
    const ticks = fields.slice(0, 8).map(Number);
    const idle = ticks[3] + ticks[4]; // idle + iowait
    const total = ticks.reduce((a, b) => a + b, 0);
    return ((total - idle) * 1000) / TicksPerSecond;
  } catch {
    return null;
  }
}

function readStat(pid: number): Stat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TicksPerSecond,
      rssBytes: Number(fields[21]) * PageBytes,
    };
  } catch {
    return null; // The process ended between listing and reading.
  }
}

