/**
 * The storage contract of the rate limiter: one fixed-window counter per key.
 *
 * @module
 */

/** What a {@linkcode RateLimitStore} reports after counting one request. */
export interface RateLimitHit {
  /** The key's count in the current window, this request included (1 for the first). */
  count: number;
  /** When the current window ends, in milliseconds since the Unix epoch. */
  resetAtMs: number;
}

/**
 * Where the rate limiter keeps its counters: a fixed-window counter per key.
 *
 * Windows are aligned to the Unix epoch: the window holding `nowMs` starts at
 * `Math.floor(nowMs / windowMs) * windowMs` and ends `windowMs` later. Every store, and every
 * instance sharing a store, therefore agrees on the windows without coordinating.
 *
 * **Atomicity.** `hit` must be an atomic increment-and-read: when `n` hits of one key race,
 * from one process or from many instances sharing the store, they must get the counts `1…n`,
 * each exactly once, so exactly `limit` requests pass. A read followed by a separate write
 * loses updates under concurrency and lets bursts through; use the backend's atomic primitive
 * (a compare-and-set loop, a transaction, or a single-threaded owner such as a Durable Object).
 *
 * **Failure.** `hit` rejects when the backend cannot be reached; the middleware then allows or
 * refuses the request as its `onStoreError` option says. It must not resolve with a made-up
 * count.
 *
 * **Memory.** A store must evict or expire the counters of ended windows, so keys that come
 * once (an attacker rotating IPv6 addresses) cannot grow it without bound.
 *
 * @example A store that counts nothing (allows everything)
 * ```ts
 * import type { RateLimitStore } from "./store.ts";
 *
 * const unlimited: RateLimitStore = {
 *   hit(_key, windowMs, nowMs) {
 *     const resetAtMs = (Math.floor(nowMs / windowMs) + 1) * windowMs;
 *     return Promise.resolve({ count: 1, resetAtMs });
 *   },
 * };
 * ```
 */
export interface RateLimitStore {
  /**
   * Counts one request for `key` in the window that holds `nowMs`.
   *
   * @param key Whose request it is, e.g. the customer's IP address.
   * @param windowMs The window's length in milliseconds (a positive integer).
   * @param nowMs The time of the request, in milliseconds since the Unix epoch.
   * @returns The count after this request and the end of its window.
   */
  hit(key: string, windowMs: number, nowMs: number): Promise<RateLimitHit>;
}
