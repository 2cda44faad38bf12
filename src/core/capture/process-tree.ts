// The browser as a tree of processes, read from /proc (Linux; elsewhere these do nothing):
// how much memory it really holds, and running it only on CPU time the service leaves free.
import fs from 'node:fs';
import { execFile } from 'node:child_process';

/**
 * Memory a tree really holds: the sum of each process's PSS, which splits pages shared between
 * Chromium's processes among them (the RSS sum says about twice what the browser costs).
 * PSS in bytes of `pid` and every process below it, or null when /proc is not there. */
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

/** PSS of one process in bytes, or null when it is gone or /proc cannot tell. */
export function pssBytes(pid: number): number | null {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Puts every thread of `pid` and the processes below it in SCHED_IDLE, the class that runs only on
 * CPU time nothing else wants; threads and processes started later inherit it. Nice values would
 * not do: Chromium sets its own threads' nice values (as root, up to -8 for its compositor and IO
 * threads), and SCHED_IDLE ignores them. A process the browser forks while this runs can escape, so
 * it is meant to be called again later; only processes with a thread outside the class are changed,
 * with util-linux's `chrt` (Node cannot set a scheduling policy). Resolves to how many processes
 * were changed; 0 where nothing needed it or it is not possible.
 */
export async function idleScheduleTree(pid: number): Promise<number> {
  let changed = 0;
  for (const p of descendants(pid) ?? []) {
    if (allTasksIdle(p)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      execFile('chrt', ['--all-tasks', '--idle', '--pid', '0', String(p)], { timeout: 5_000 }, (error) => resolve(!error));
    });
    if (ok) changed += 1;
  }
  return changed;
}

/** SCHED_IDLE in the policy field (the 41st) of /proc/…/stat. */
const SchedIdle = 5;

function allTasksIdle(pid: number): boolean {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).every((task) => {
      const stat = fs.readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at the 3rd; policy is the 41st.
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]) === SchedIdle;
    });
  } catch {
    return true; // gone meanwhile: nothing to change
  }
}
