// How much memory a process tree really holds: the sum of each process's PSS, which splits pages
// shared between Chromium's processes among them instead of counting them once per process (the
// RSS sum says twice what the browser costs). Linux only; null where /proc cannot tell.
import fs from 'node:fs';

/** PSS in bytes of `pid` and every process below it, or null when /proc is not there. */
export function treePssBytes(pid: number): number | null {
  const pids = descendants(pid);
  if (!pids) return null;
  let total = 0;
  for (const p of pids) total += pssBytes(p) ?? 0;
  return total;
}

function descendants(root: number): number[] | null {
  const seen: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      if (pid === root) return null;
      continue; // exited meanwhile
    }
    seen.push(pid);
    for (const task of tasks) {
      try {
        for (const child of fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ')) {
          const n = Number(child);
          if (n > 0) queue.push(n);
        }
      } catch {
        // the thread ended between the listing and the read
      }
    }
  }
  return seen;
}

function pssBytes(pid: number): number | null {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
