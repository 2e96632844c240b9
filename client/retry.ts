/**
 * When to retry a Stripe request and how long to wait first. Pure functions: the random
 * source and the clock are passed in, so tests pin them.
 *
 * The rules follow Stripe's Node library (facts §7) with one deliberate difference: a 429 is
 * retried too, after the longer of our backoff and Stripe's `Retry-After`.
 *
 * @module
 */

/** What came back from one attempt. */
export type AttemptResult =
  | { readonly response: Response }
  | { readonly failure: "network" | "timeout" };

/** The longest backoff between two attempts, in milliseconds. */
export const MAX_BACKOFF_MS = 5_000;
const INITIAL_BACKOFF_MS = 500;

/**
 * Whether an attempt's outcome is worth repeating with the same request (and so the same
 * `Idempotency-Key`, which makes repeating a create safe).
 *
 * @param result What the attempt returned.
 * @returns `true` when the same request may succeed later.
 */
export function isRetryable(result: AttemptResult): boolean {
  // No answer at all: the request may or may not have reached Stripe; the idempotency key
  // makes a repeat safe either way.
  if ("failure" in result) return true;
  const { response } = result;
  // Stripe says explicitly; it knows better than the status code (facts §7, step 4).
  const shouldRetry = response.headers.get("stripe-should-retry");
  if (shouldRetry === "true") return true;
  if (shouldRetry === "false") return false;
  // A 409 is a lock conflict on the same object: a concurrent request held it.
  if (response.status === 409) return true;
  // Rate limited: repeat after the wait Stripe asks for (see retryDelayMs).
  if (response.status === 429) return true;
  // Stripe-side failures are transient by nature.
  if (response.status >= 500) return true;
  // Everything else (400 validation, 401, 402, 403, 404) will fail the same way again.
  return false;
}

/**
 * Parses a `Retry-After` header (delay-seconds or an HTTP date) into milliseconds from `nowMs`.
 *
 * @param header The header's value, or `null` when absent.
 * @param nowMs The current time, in milliseconds since the epoch.
 * @returns The wait in milliseconds, or `undefined` when absent or unreadable.
 */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its day and month ("Wed, 25 Nov 2026 14:00:03 GMT"); Date.parse alone
  // would also take "-1" as a year.
  const date = /[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * Exponential backoff with jitter: `min(500 ms × 2^retriesMade, 5 s)` scaled by a random
 * factor in [0.5, 1], so that clients that failed together do not retry together.
 *
 * @param retriesMade Retries already made (0 before the first retry).
 * @param random A number in [0, 1), e.g. `Math.random()`.
 * @returns The wait before the next attempt, in milliseconds.
 */
export function backoffMs(retriesMade: number, random: number): number {
  const ceiling = Math.min(INITIAL_BACKOFF_MS * 2 ** retriesMade, MAX_BACKOFF_MS);
  return Math.round(ceiling * (0.5 + random / 2));
}
