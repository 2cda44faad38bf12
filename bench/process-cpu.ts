// CPU time used by this process and every process below it (Chromium's browser, renderers, GPU and
// utility processes), read from /proc. Renderers come and go with each capture, so the tree is
// sampled every 20 ms and a process keeps the last figure seen for it; a renderer's final few ms
// may be missed, the same way for every side of a comparison. Linux only: null elsewhere.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const TicksPerSecond = 100; // USER_HZ on Linux

export interface CpuMeter {
  /** CPU milliseconds used since the meter started. */
  stop(): number;
}

export function startCpuMeter(): CpuMeter | null {
  if (!existsSync('/proc/self/stat')) return null;
  const baseline = new Map<number, number>();
  const latest = new Map<number, number>();
  const sample = (into: Map<number, number>) => {
    for (const [pid, ms] of descendants()) into.set(pid, ms);
  };
  sample(baseline);
  sample(latest);
  const selfStart = process.cpuUsage();
  const timer = setInterval(() => sample(latest), 20);
  timer.unref();
  return {
    stop() {
      sample(latest);
      clearInterval(timer);
      let total = 0;
      for (const [pid, ms] of latest) total += ms - (baseline.get(pid) ?? 0);
      const self = process.cpuUsage(selfStart);
      return total + (self.user + self.system) / 1000;
    },
  };
}

/** CPU ms of every live process descending from this one. */
function descendants(): Map<number, number> {
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which may itself hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      cpu.set(Number(entry), ((Number(fields[11]) + Number(fields[12])) * 1000) / TicksPerSecond);
    } catch {
      // The process ended between listing and reading.
    }
  }
  const mine = new Map<number, number>();
  for (const [pid, ms] of cpu) {
    let ancestor = parents.get(pid);
    for (let depth = 0; ancestor !== undefined && ancestor > 1 && depth < 16; depth++) {
      if (ancestor === process.pid) {
        mine.set(pid, ms);
        break;
      }
      ancestor = parents.get(ancestor);
    }
  }
  return mine;
}
