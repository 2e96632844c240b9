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

/**
 * Throws a `RangeError` in std's shape unless `value` is a positive integer.
 *
 * @param subject What is being created, e.g. `"onramp handler"`.
 * @param name The option's name as the caller wrote it.
 * @param value Its value.
 */
export function assertPositiveInteger(subject: string, name: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(
      `Cannot create ${subject} as '${name}' must be a positive integer: current value is ${
        typeof value === "string" ? JSON.stringify(value) : String(value)
      }`,
    );
  }
}
