/**
 * The epoch-aligned fixed windows every rate limit store shares.
 *
 * @module
 */

/**
 * The end of the epoch-aligned window of length `windowMs` that holds `nowMs`: aligned windows
 * let instances that share a store agree on them without coordinating.
 *
 * @param windowMs The window's length in milliseconds.
 * @param nowMs A time in milliseconds since the Unix epoch.
 * @returns When that window ends, in milliseconds since the Unix epoch.
 */
export function windowEndMs(windowMs: number, nowMs: number): number {
  return (Math.floor(nowMs / windowMs) + 1) * windowMs;
}
