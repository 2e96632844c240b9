/**
 * The default rate limit store: counters in this instance's memory, bounded in size.
 *
 * @module
 */
import { assertPositiveInteger } from "../errors/option_checks.ts";
import { windowEndMs } from "./_window.ts";
import type { RateLimitStore } from "./store.ts";

/** Options of {@linkcode createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most keys (e.g. IP addresses) counted at once. When full, counters of ended windows
   * are dropped first, then the oldest window's, whose key starts afresh if it comes back.
   *
   * @default {10000}
   */
  maxKeys?: number;
}

interface Window {
  count: number;
  resetAtMs: number;
}

/**
 * Creates a {@linkcode RateLimitStore} that keeps its counters in a `Map` in this instance's
 * memory. Each instance (isolate, process) counts on its own, so a deployment on many
 * instances lets through up to `limit` per instance: share a store across instances to
 * enforce one limit.
 *
 * It sets no timers (Workers forbid them in global scope, and a timer would keep a process
 * alive): ended windows are dropped lazily, when their key comes back or room is needed. Its
 * size never exceeds `maxKeys`, so an attacker rotating through addresses cannot make it grow
 * without bound; at worst the oldest counters are forgotten early.
 *
 * Atomic by construction: JavaScript runs one `hit` at a time and `hit` does not await.
 *
 * @example Count in windows of a minute
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createMemoryStore } from "./memory_store.ts";
 *
 * const store = createMemoryStore({ maxKeys: 1_000 });
 * await store.hit("203.0.113.7", 60_000, 120_000);
 * const { count, resetAtMs } = await store.hit("203.0.113.7", 60_000, 150_000);
 * assertEquals([count, resetAtMs], [2, 180_000]);
 * ```
 *
 * @param options How many keys to keep at most.
 * @returns The store.
 * @throws {RangeError} When `maxKeys` is not a positive integer.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): RateLimitStore {
  const { maxKeys = 10_000 } = options;
  assertPositiveInteger("memory rate limit store", "maxKeys", maxKeys);
  // A Map iterates in insertion order, and a key is re-inserted whenever its window starts
  // afresh: the first entry holds the oldest window.
  const windows = new Map<string, Window>();
  // No window ends before this time (a lower bound), so a sweep before it would find nothing:
  // a store full of live windows (an attack) costs one eviction per new key, not a full scan.
  let earliestResetMs = Infinity;

  function makeRoom(nowMs: number): void {
    if (nowMs >= earliestResetMs) {
      earliestResetMs = Infinity;
      for (const [key, window] of windows) {
        if (window.resetAtMs <= nowMs) windows.delete(key);
        else earliestResetMs = Math.min(earliestResetMs, window.resetAtMs);
      }
    }
    if (windows.size >= maxKeys) {
      const oldest = windows.keys().next();
      if (oldest.done !== true) windows.delete(oldest.value);
    }
  }

  return {
    hit(key, windowMs, nowMs) {
      const current = windows.get(key);
      if (current !== undefined && nowMs < current.resetAtMs) {
        current.count += 1;
        return Promise.resolve({ count: current.count, resetAtMs: current.resetAtMs });
      }
      if (current !== undefined) windows.delete(key);
      else if (windows.size >= maxKeys) makeRoom(nowMs);
      const started = { count: 1, resetAtMs: windowEndMs(windowMs, nowMs) };
      windows.set(key, started);
      earliestResetMs = Math.min(earliestResetMs, started.resetAtMs);
      return Promise.resolve({ ...started });
    },
  };
}
