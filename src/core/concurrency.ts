// How many captures run at once when LINKSNAP_CONCURRENCY is not set. One per core is right when
// captures are bound by CPU (pages served fast), but on real sites most of a capture is waiting on
// the network, and the cores sit idle. So: start at one per core, add a capture while the machine
// has idle CPU and free memory and every slot is busy, and give slots back when the CPU is
// saturated, never leaving [min, max].
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
  /** Bytes of memory free; os.freemem by default. */
  freeMemory?: () => number;
  /** Told each change of the limit, with the idle share that caused it. */
  onChange?: (limit: number, idle: number) => void;
}

/** Above this much idle CPU a busy pool grows; below the low mark it shrinks. */
const GrowIdle = 0.3;
const ShrinkIdle = 0.1;
/** Memory a further capture may need (a renderer and its page), with room to spare. */
const MemoryPerCapture = 512 * 1024 * 1024;

export class AdaptiveConcurrency {
  readonly #options: AdaptiveConcurrencyOptions;
  readonly #idleFraction: () => number;
  readonly #freeMemory: () => number;
  #limit: number;
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
    const idle = this.#idleFraction();
    const before = this.#limit;
    if (idle < ShrinkIdle && this.#limit > min) this.#limit -= 1;
    else if (idle > GrowIdle && active() >= this.#limit && this.#limit < max && this.#freeMemory() > MemoryPerCapture) this.#limit += 1;
    if (this.#limit !== before) this.#options.onChange?.(this.#limit, idle);
    return this.#limit;
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
