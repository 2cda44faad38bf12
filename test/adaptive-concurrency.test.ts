// The governor behind the default LINKSNAP_CONCURRENCY: grows a busy pool while the CPU idles and
// memory is free, shrinks it when the CPU is saturated, and never leaves its range.
import { expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { AdaptiveConcurrency } from '../src/core/concurrency.js';

function governor(state: { idle: number; active: number; free: number }) {
  return new AdaptiveConcurrency({ min: 2, max: 4, active: () => state.active, idleFraction: () => state.idle, freeMemory: () => state.free });
}

it('adds captures while every slot is busy and the CPU idles, up to the ceiling', () => {
  const state = { idle: 0.6, active: 2, free: 8 * 1024 ** 3 };
  const g = governor(state);
  expect(g.limit).toBe(2);
  state.active = 2;
  expect(g.sample()).toBe(3);
  state.active = 3;
  expect(g.sample()).toBe(4);
  state.active = 4;
  expect(g.sample()).toBe(4);
});

it('does not grow when slots are free, memory is short, or the CPU is busy; shrinks when saturated', () => {
  const state = { idle: 0.6, active: 1, free: 8 * 1024 ** 3 };
  const g = governor(state);
  expect(g.sample()).toBe(2);
  state.active = 2;
  state.free = 100 * 1024 ** 2;
  expect(g.sample()).toBe(2);
  state.free = 8 * 1024 ** 3;
  state.idle = 0.2;
  expect(g.sample()).toBe(2);
  state.idle = 0.6;
  expect(g.sample()).toBe(3);
  state.idle = 0.02;
  expect(g.sample()).toBe(2);
  expect(g.sample()).toBe(2);
});

it('LINKSNAP_CONCURRENCY: unset or auto is a range from the cores up, a number fixes it', () => {
  const auto = loadConfig({});
  expect(auto.concurrencyMax).toBe(auto.concurrency * 4);
  expect(loadConfig({ LINKSNAP_CONCURRENCY: 'auto' }).concurrencyMax).toBe(auto.concurrencyMax);
  const fixed = loadConfig({ LINKSNAP_CONCURRENCY: '3' });
  expect([fixed.concurrency, fixed.concurrencyMax]).toEqual([3, 3]);
  expect(() => loadConfig({ LINKSNAP_CONCURRENCY: 'lots' })).toThrow(/LINKSNAP_CONCURRENCY/);
});
