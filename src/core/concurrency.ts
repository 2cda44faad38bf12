// How many captures run at once when LINKSNAP_CONCURRENCY is not set. One per core is right when
// captures are bound by CPU (pages served fast), but on real sites most of a capture is waiting on
// the network, and the cores sit idle. So: start at one per core, add a capture while the machine
// has idle CPU, the browser is within its memory budget and every slot is busy, and give slots
// back when the CPU is saturated or the browser outgrows its budget, never leaving [min, max].
import os from 'node:os';

export interface AdaptiveConcurrencyOptions {
  min: number;
  max: number;
  /** How often the machine is sampled. */
  sampleMs?: number;
  /** Captures running now; growth is only considered while every slot is taken. */
  active: () => number;
  /** Fraction of CPU time idle since the last call, over all cores; os.cpus() by default. */
  idleFraction?: () => number;
  /** Bytes of memory free on the machine; os.freemem by default. */
  freeMemory?: () => number;
  /** Bytes the browser holds now (PSS of its processes), or null when unknown. */
  browserMemory?: () => number | null;
  /** What the browser may hold before growth stops (LINKSNAP_BROWSER_MEMORY_MB). */
  memoryBudget?: number;
  /** Told each change of the limit, with the (smoothed) idle share that caused it. */
  onChange?: (limit: number, idle: number) => void;
}

/**
 * Above this much idle CPU a busy pool grows; below the low mark it shrinks. On two cores 15% is
 * a third of a core: enough for one more capture that mostly waits on the network. Between the
 * marks the limit holds, so it settles instead of oscillating.
 */
const GrowIdle = 0.15;
const ShrinkIdle = 0.05;
/** Weight of the newest sample: one slow page or a burst of screenshots does not move the limit. */
const Smoothing = 0.5;
/** Free machine memory a further capture needs (a renderer and its page), with room to spare. */
const MemoryPerCapture = 512 * 1024 * 1024;

export class AdaptiveConcurrency {
  readonly #options: AdaptiveConcurrencyOptions;
  readonly #idleFraction: () => number;
  readonly #freeMemory: () => number;
  #limit: number;
  #idle: number | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: AdaptiveConcurrencyOptions) {
    this.#options = options;
    this.#limit = options.min;
    this.#idleFraction = options.idleFraction ?? cpuIdleSampler();
    this.#freeMemory = options.freeMemory ?? os.freemem;
  }

  get limit(): number {
    return this.#limit;
  }

  start(): void {
    if (this.#timer) return;
    this.#idleFraction();
    this.#timer = setInterval(() => this.sample(), this.#options.sampleMs ?? 2_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One adjustment step (exposed so tests can drive it without waiting). */
  sample(): number {
    const { min, max, active } = this.#options;
    const latest = this.#idleFraction();
    const idle = (this.#idle = this.#idle === null ? latest : Smoothing * latest + (1 - Smoothing) * this.#idle);
    const before = this.#limit;
    const running = active();
    const memory = this.#memory(running);
    if ((idle < ShrinkIdle || memory === 'over') && this.#limit > min) this.#limit -= 1;
    else if (idle > GrowIdle && running >= this.#limit && this.#limit < max && memory === 'room' && this.#freeMemory() > MemoryPerCapture) this.#limit += 1;
    if (this.#limit !== before) this.#options.onChange?.(this.#limit, idle);
    return this.#limit;
  }

  /** 'room' when one more capture, costing what the running ones cost on average, fits the budget. */
  #memory(running: number): 'room' | 'full' | 'over' {
    const { browserMemory, memoryBudget } = this.#options;
    const used = browserMemory?.() ?? null;
    if (used === null || !memoryBudget) return 'room';
    if (used > memoryBudget) return 'over';
    return used + used / Math.max(1, running) <= memoryBudget ? 'room' : 'full';
  }
}

/** Idle share of all cores between calls, from the kernel's per-core counters. */
export function cpuIdleSampler(): () => number {
  let last = totals();
  return () => {
    const now = totals();
    const busy = now.busy - last.busy;
    const idle = now.idle - last.idle;
    last = now;
    return busy + idle > 0 ? idle / (busy + idle) : 1;
  };
}

function totals(): { busy: number; idle: number } {
  let busy = 0;
  let idle = 0;
  for (const cpu of os.cpus()) {
    const { user, nice, sys, irq, idle: free } = cpu.times;
    busy += user + nice + sys + irq;
    idle += free;
  }
  return { busy, idle };
}
