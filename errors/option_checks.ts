/**
 * The start-up checks of numeric options, in std's message shape, so that a typo fails the
 * deploy instead of a customer: `Cannot create onramp handler as 'maxBodyBytes' must be a
 * positive integer: current value is -1`.
 *
 * @module
 */

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * Throws a `RangeError` unless `value` is a positive safe integer.
 *
 * @example Check an option at start-up
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { assertPositiveInteger } from "./option_checks.ts";
 *
 * assertPositiveInteger("onramp handler", "maxBodyBytes", 32_768);
 * assertThrows(() => assertPositiveInteger("onramp handler", "maxBodyBytes", 0), RangeError);
 * ```
 *
 * @param subject What is being created, e.g. `"onramp handler"`.
 * @param name The option's name as the caller wrote it.
 * @param value Its value.
 * @throws {RangeError} When `value` is not a positive safe integer.
 */
export function assertPositiveInteger(subject: string, name: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(
      `Cannot create ${subject} as '${name}' must be a positive integer: current value is ${
        describe(value)
      }`,
    );
  }
}

/**
 * Throws a `RangeError` unless `value` is zero or a positive safe integer.
 *
 * @param subject What is being created, e.g. `"onramp client"`.
 * @param name The option's name as the caller wrote it.
 * @param value Its value.
 * @throws {RangeError} When `value` is not a non-negative safe integer.
 */
export function assertNonNegativeInteger(subject: string, name: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot create ${subject} as '${name}' must be a non-negative integer: current value is ${
        describe(value)
      }`,
    );
  }
}
