// The governor behind the default LINKSNAP_CONCURRENCY: grows a busy pool while the CPU idles and
// the browser is within its memory budget, shrinks it when the CPU is saturated or the browser
// outgrows the budget, and never leaves its range.
import { expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { treePssBytes } from '../src/core/capture/process-tree.js';
import { AdaptiveConcurrency } from '../src/core/concurrency.js';

const MB = 1024 * 1024;

function governor(state: { idle: number; active: number; free: number; browser?: number | null }, budget?: number) {
  return new AdaptiveConcurrency({
    min: 2,
    max: 4,
    active: () => state.active,
    idleFraction: () => state.idle,
    freeMemory: () => state.free,
    browserMemory: () => state.browser ?? null,
    memoryBudget: budget,
  });
}

it('adds captures while every slot is busy and the CPU idles, up to the ceiling', () => {
  const state = { idle: 0.6, active: 2, free: 8 * 1024 ** 3 };
  const g = governor(state);
  expect(g.limit).toBe(2);
  expect(g.sample()).toBe(3);
  state.active = 3;
  expect(g.sample()).toBe(4);
  state.active = 4;
  expect(g.sample()).toBe(4);
});

it('does not grow when slots are free, memory is short, or the CPU is busy; shrinks when saturated', () => {
  const state = { idle: 0.6, active: 1, free: 8 * 1024 ** 3 };
  const g = governor(state);
  expect(g.sample()).toBe(2); // idle, but a slot is free
  state.idle = 0.1;
  for (let i = 0; i < 4; i++) g.sample();
  state.active = 2;
  expect(g.sample()).toBe(2); // 10% idle sits between the marks: hold
  state.idle = 0.6;
  state.free = 100 * MB;
  expect(g.sample()).toBe(2); // idle, but the machine is short of memory
  state.free = 8 * 1024 ** 3;
  expect(g.sample()).toBe(3);
  state.idle = 0;
  for (let i = 0; i < 6; i++) g.sample();
  expect(g.limit).toBe(2); // saturated: back down, never below the floor
});

it('a single idle or busy sample does not move the limit; a sustained one does', () => {
  const state = { idle: 0.1, active: 2, free: 8 * 1024 ** 3 };
  const g = governor(state);
  g.sample();
  state.idle = 0.25; // one burst of idle time: smoothed to 0.175, just past the mark
  expect(g.sample()).toBe(3);
  state.active = 3;
  state.idle = 0.1;
  expect(g.sample()).toBe(3);
  state.idle = 0.02; // one saturated sample after idle ones: smoothed above the low mark
  expect(g.sample()).toBe(3);
  expect(g.sample()).toBe(2);
});

it('stops growing when another capture would not fit the browser memory budget, and gives one back when over it', () => {
  const state = { idle: 0.6, active: 2, free: 8 * 1024 ** 3, browser: 400 * MB as number | null };
  const g = governor(state, 1000 * MB);
  expect(g.sample()).toBe(3); // 400 MB for two: a third fits in 1000
  state.active = 3;
  state.browser = 800 * MB;
  expect(g.sample()).toBe(3); // 800 + 267 > 1000
  state.browser = 1100 * MB;
  expect(g.sample()).toBe(2);
  state.browser = null; // not measurable (not Linux, browser not launched): CPU alone decides
  state.active = 2;
  expect(g.sample()).toBe(3);
});

it('measures a real process tree by PSS', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-e', "require('child_process').spawn(process.execPath, ['-e', 'setTimeout(()=>{}, 10000)'], { stdio: 'inherit' }); setTimeout(()=>{}, 10000)"], { stdio: 'ignore' });
  try {
    // The grandchild starts when the child gets CPU: on a loaded machine that can take seconds.
    let tree = 0;
    for (const until = Date.now() + 15_000; Date.now() < until && tree <= 20 * MB; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      tree = treePssBytes(child.pid!) ?? 0;
    }
    const one = treePssBytes(process.pid)!;
    expect(one).toBeGreaterThan(10 * MB);
    // Two Node processes: more than one, but less than two RSS counts of one Node would be.
    expect(tree).toBeGreaterThan(20 * MB);
    expect(treePssBytes(2 ** 22 + 12345)).toBeNull();
  } finally {
    child.kill('SIGKILL');
  }
});

it('LINKSNAP_CONCURRENCY: unset or auto is a range from the cores up, a number fixes it', () => {
  const auto = loadConfig({});
  expect(auto.concurrencyMax).toBe(auto.concurrency * 4);
  expect(loadConfig({ LINKSNAP_CONCURRENCY: 'auto' }).concurrencyMax).toBe(auto.concurrencyMax);
  const fixed = loadConfig({ LINKSNAP_CONCURRENCY: '3' });
  expect([fixed.concurrency, fixed.concurrencyMax]).toEqual([3, 3]);
  expect(() => loadConfig({ LINKSNAP_CONCURRENCY: 'lots' })).toThrow(/LINKSNAP_CONCURRENCY/);
  expect(auto.browserMemoryBudget).toBe(1024 * MB);
  expect(loadConfig({ LINKSNAP_BROWSER_MEMORY_MB: '3000' }).browserMemoryBudget).toBe(3000 * MB);
  expect(() => loadConfig({ LINKSNAP_BROWSER_MEMORY_MB: 'big' })).toThrow(/LINKSNAP_BROWSER_MEMORY_MB/);
});
