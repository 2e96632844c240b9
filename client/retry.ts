/**
 * The one decision of whether to repeat a Stripe request, and how long to wait first. Pure
 * functions: the random number and the clock are passed in, so tests pin them.
 *
 * The rules follow Stripe's Node library (`_shouldRetry` in stripe-node's `RequestSender.ts`)
 * with one deliberate difference: a 429 is retried too, after the longer of our backoff and
 * Stripe's `Retry-After` (https://docs.stripe.com/rate-limits).
 *
 * @module
 */
import type { AnswerHead } from "./_transport.ts";

/** What came back from one attempt. */
export type AttemptResult =
  /** An answer, its body read whole (and within `maxResponseBytes`). */
  | { readonly response: AnswerHead; readonly body?: Uint8Array<ArrayBuffer> }
  /**
   * No answer: the connection failed, the attempt's time ran out, or the runtime refused to
   * open the connection at all (a Deno run without `--allow-net` for Stripe's host).
   */
  | { readonly failure: "network" | "timeout" | "not_permitted" }
  /** An answer the client refuses: a redirect, or a body over `maxResponseBytes`. */
  | { readonly fault: "redirect" | "too_large"; readonly response: AnswerHead };

/** The longest backoff between two attempts, in milliseconds. */
export const MAX_BACKOFF_MS = 5_000;
/**
 * The longest `Retry-After` the client waits for by default, in milliseconds. A separate idea
 * from {@linkcode MAX_BACKOFF_MS}: how long Stripe may ask us to hold a request, not how long
 * we back off on our own.
 */
export const DEFAULT_MAX_RETRY_AFTER_MS = 5_000;
const INITIAL_BACKOFF_MS = 500;

/** Why {@linkcode decideRetry} decided as it did. */
export type RetryReason =
  /** A 2xx: nothing to repeat. */
  | "success"
  /** No answer: the connection failed or dropped. */
  | "network_error"
  /** No answer within the attempt's deadline. */
  | "timeout"
  /** Stripe said `Stripe-Should-Retry: true`. */
  | "stripe_should_retry"
  /** Stripe said `Stripe-Should-Retry: false`. */
  | "stripe_should_not_retry"
  /** A 409: another request held a lock on the same object. */
  | "lock_conflict"
  /** A 429: rate limited. */
  | "rate_limited"
  /** A 5xx: a failure on Stripe's side. */
  | "server_error"
  /** Any other status (400, 401, 402, 403, 404, …): the same request fails the same way. */
  | "not_retryable_status"
  /** A retryable outcome, but every retry of the budget was used. */
  | "retries_exhausted"
  /** A retryable outcome, but Stripe asked for a longer wait than `maxRetryAfterMs`. */
  | "retry_after_too_long"
  /** A retryable outcome, but the wait would reach the call's deadline (`deadlineMs`). */
  | "deadline_exceeded"
  /** A 3xx, or an answer reached through one: never followed, never repeated. */
  | "redirect"
  /** A body over `maxResponseBytes`: the same request would get it again. */
  | "response_too_large"
  /** The runtime may not reach Stripe (a missing permission): a configuration error. */
  | "not_permitted";

/** What to do after an attempt: wait and send the same request again, or stop. */
export type RetryDecision =
  | {
    /** Send the same request again after `waitMs`. */
    readonly action: "retry";
    /** The wait before the next attempt, in milliseconds. */
    readonly waitMs: number;
    /** Why the outcome is worth repeating. */
    readonly reason: RetryReason;
  }
  | {
    /** Send nothing more; the outcome is final. */
    readonly action: "stop";
    /** Whether repeating the same request later may still succeed. */
    readonly retryable: boolean;
    /** Why the client stopped here. */
    readonly reason: RetryReason;
  };

/** Everything besides the outcome that {@linkcode decideRetry} weighs. */
export interface RetryContext {
  /** Retries already made (0 after the first attempt). */
  readonly retriesMade: number;
  /** The retry budget: retries allowed after the first attempt. */
  readonly maxNetworkRetries: number;
  /** The longest `Retry-After` worth waiting for, in milliseconds. */
  readonly maxRetryAfterMs: number;
  /** A number in [0, 1) for the jitter, e.g. `Math.random()`. */
  readonly random: number;
  /** The current time, in milliseconds since the epoch, for `Retry-After` dates. */
  readonly nowMs: number;
  /**
   * The time left before the call's deadline, in milliseconds: a retry is made only if its
   * wait ends before then.
   *
   * @default {Infinity}
   */
  readonly remainingMs?: number;
}

/**
 * Decides, after one attempt, whether to send the same request again (and so the same
 * `Idempotency-Key`, which makes repeating a create safe) and after how long; or to stop, and
 * then whether the outcome is still `retryable` later. The one place the client's retry rules
 * live: the retrying fetch follows it, and the errors thrown report its `retryable`.
 *
 * @example Stripe says not to retry a 500
 * ```ts
 * import { decideRetry } from "./retry.ts";
 *
 * const response = new Response(null, { status: 500, headers: { "Stripe-Should-Retry": "false" } });
 * const decision = decideRetry({ response }, {
 *   retriesMade: 0,
 *   maxNetworkRetries: 2,
 *   maxRetryAfterMs: 5_000,
 *   random: 0.5,
 *   nowMs: Date.now(),
 * });
 * console.log(decision); // { action: "stop", retryable: false, reason: "stripe_should_not_retry" }
 * ```
 *
 * @param result What the attempt returned.
 * @param context The retries made, the budget, the `Retry-After` bound, jitter and clock.
 * @returns Retry after `waitMs`, or stop; with the reason either way.
 */
export function decideRetry(result: AttemptResult, context: RetryContext): RetryDecision {
  const { retriesMade, maxNetworkRetries, maxRetryAfterMs, random, nowMs } = context;
  const { remainingMs = Infinity } = context;
  let reason: RetryReason;
  let retryAfterMs: number | undefined;
  if ("fault" in result) {
    // Following a redirect would send the key and the body to wherever it points; repeating the
    // request gets the same redirect, or the same oversized answer, again.
    const why = result.fault === "redirect" ? "redirect" : "response_too_large";
    return { action: "stop", retryable: false, reason: why };
  } else if ("failure" in result && result.failure === "not_permitted") {
    // The runtime itself refused the connection: nothing reached Stripe, and nothing will until
    // the server is run with the permission. Repeating, now or later, cannot help.
    return { action: "stop", retryable: false, reason: "not_permitted" };
  } else if ("failure" in result) {
    // No answer at all: the request may or may not have reached Stripe; the idempotency key
    // makes a repeat safe either way (https://docs.stripe.com/api/idempotent_requests).
    reason = result.failure === "timeout" ? "timeout" : "network_error";
  } else {
    const { response } = result;
    // Success is final, whatever the headers say.
    if (response.ok) return { action: "stop", retryable: false, reason: "success" };
    const shouldRetry = response.headers.get("stripe-should-retry");
    if (shouldRetry === "false") {
      // Stripe says explicitly; it knows better than the status code
      // (https://docs.stripe.com/error-low-level).
      return { action: "stop", retryable: false, reason: "stripe_should_not_retry" };
    } else if (shouldRetry === "true") {
      // Same header, the other way: repeat even a status we would not repeat.
      reason = "stripe_should_retry";
    } else if (response.status === 409) {
      // A lock conflict on the same object: a concurrent request held it, and will let go.
      reason = "lock_conflict";
    } else if (response.status === 429) {
      // Rate limited: repeat after the wait Stripe asks for (https://docs.stripe.com/rate-limits).
      reason = "rate_limited";
    } else if (response.status >= 500) {
      // Failures on Stripe's side are transient by nature.
      reason = "server_error";
    } else {
      // Everything else (400 validation, 401, 402, 403, 404) will fail the same way again.
      return { action: "stop", retryable: false, reason: "not_retryable_status" };
    }
    retryAfterMs = parseRetryAfterMs(response.headers.get("retry-after"), nowMs);
  }
  // Stripe wants us to hold off (it sends Retry-After with its 429s) longer than we are willing
  // to hold the caller: answer now, and let the caller repeat once the wait is over.
  if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) {
    return { action: "stop", retryable: true, reason: "retry_after_too_long" };
  }
  // The outcome is worth repeating, only not by us: the budget is spent.
  if (retriesMade >= maxNetworkRetries) {
    return { action: "stop", retryable: true, reason: "retries_exhausted" };
  }
  // The longer of our backoff and Stripe's Retry-After: never sooner than Stripe asked.
  const waitMs = Math.max(backoffMs(retriesMade, random), retryAfterMs ?? 0);
  // A retry that would start at or after the deadline could not finish before it: answer now
  // with what we have, and let the caller repeat later.
  if (waitMs >= remainingMs) {
    return { action: "stop", retryable: true, reason: "deadline_exceeded" };
  }
  return { action: "retry", waitMs, reason };
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
