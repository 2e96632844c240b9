/**
 * The subset of the `@std/assert` API that this project's tests use, implemented over
 * `node:assert/strict` because JSR (where `@std/assert` lives) is not reachable from every
 * machine we build on.
 *
 * Tests import from the bare specifier `@std/assert`; `deno.json` maps it here. Where JSR is
 * reachable, map `@std/assert` to `jsr:@std/assert@^1` instead and nothing else changes.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Thrown when an assertion fails, like std's `AssertionError`. */
export const AssertionError = nodeAssert.AssertionError;

/** Asserts that `expr` is truthy. */
export function assert(expr: unknown, msg?: string): asserts expr {
  nodeAssert.ok(expr, msg);
}

/** Asserts that `expr` is falsy. */
export function assertFalse(expr: unknown, msg?: string): void {
  nodeAssert.ok(!expr, msg);
}

/** Asserts deep equality, comparing structure rather than identity. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, msg);
}

/** Asserts deep inequality. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, msg);
}

/** Asserts `Object.is` equality. */
export function assertStrictEquals<T>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is T {
  nodeAssert.strictEqual(actual, expected, msg);
}

/** Asserts that `actual` is neither `null` nor `undefined`. */
export function assertExists<T>(actual: T, msg?: string): asserts actual is NonNullable<T> {
  nodeAssert.ok(actual !== null && actual !== undefined, msg ?? "Expected actual to be defined");
}

/** Asserts that `actual` contains `expected` as a substring. */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  nodeAssert.ok(
    actual.includes(expected),
    msg ?? `Expected actual: "${actual}" to contain: "${expected}"`,
  );
}

/** Asserts that `actual` matches the regular expression `expected`. */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  nodeAssert.match(actual, expected, msg);
}

/** Asserts that `actual` does not match the regular expression `expected`. */
export function assertNotMatch(actual: string, expected: RegExp, msg?: string): void {
  nodeAssert.doesNotMatch(actual, expected, msg);
}

/** Asserts that `actual` has every key of `expected` with a deeply equal value. */
export function assertObjectMatch(
  actual: Record<PropertyKey, unknown>,
  expected: Record<PropertyKey, unknown>,
  msg?: string,
): void {
  const picked = Object.fromEntries(Object.keys(expected).map((key) => [key, actual[key]]));
  nodeAssert.deepStrictEqual(picked, expected, msg);
}

/** Asserts that `actual` is within `tolerance` of `expected`. */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-7,
  msg?: string,
): void {
  nodeAssert.ok(
    Math.abs(actual - expected) <= tolerance,
    msg ??
      `Expected actual: "${actual}" to be close to "${expected}": delta is ${
        Math.abs(actual - expected)
      }`,
  );
}

/** Asserts that `actual` is greater than `expected`. */
export function assertGreater<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.ok(actual > expected, msg ?? `Expect ${actual} > ${expected}`);
}

/** Asserts that `actual` is less than or equal to `expected`. */
export function assertLessOrEqual<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.ok(actual <= expected, msg ?? `Expect ${actual} <= ${expected}`);
}

/** Asserts that `actual` is an instance of `expectedType`. */
export function assertInstanceOf<T extends abstract new (...args: never[]) => unknown>(
  actual: unknown,
  expectedType: T,
  msg?: string,
): asserts actual is InstanceType<T> {
  nodeAssert.ok(
    actual instanceof expectedType,
    msg ?? `Expected object to be an instance of "${expectedType.name}"`,
  );
}

/** Fails the test with `msg`. */
export function fail(msg?: string): never {
  nodeAssert.fail(msg ?? "Failed assertion");
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

function checkError<E extends Error>(
  error: unknown,
  ErrorClass: ErrorClass<E> | undefined,
  msgIncludes: string | undefined,
): void {
  if (ErrorClass) assertInstanceOf(error, ErrorClass);
  if (msgIncludes !== undefined) {
    nodeAssert.ok(error instanceof Error, "Expected the thrown value to be an Error");
    assertStringIncludes(error.message, msgIncludes);
  }
}

/** Asserts that `fn` throws, optionally of class `ErrorClass` with a message containing `msgIncludes`. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  ErrorClass?: ErrorClass<E>,
  msgIncludes?: string,
): E {
  try {
    fn();
  } catch (error) {
    checkError(error, ErrorClass, msgIncludes);
    return error as E;
  }
  return fail("Expected function to throw");
}

/** Asserts that the promise `fn` returns rejects, optionally like {@linkcode assertThrows}. */
export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  ErrorClass?: ErrorClass<E>,
  msgIncludes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    checkError(error, ErrorClass, msgIncludes);
    return error as E;
  }
  return fail("Expected function to reject");
}
