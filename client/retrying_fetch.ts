/**
 * A `fetch` that gives each attempt a deadline and repeats retryable failures with backoff.
 *
 * @module
 */
import { StripeApiError } from "./errors.ts";
import { type AttemptResult, backoffMs, isRetryable, parseRetryAfterMs } from "./retry.ts";

/** The transport and timing seams of the client, replaceable in tests. */
export interface Deps {
  /** Sends one HTTP request. @default {globalThis.fetch} */
  fetch?: (request: Request) => Promise<Response>;
  /** Waits between attempts. @default {a setTimeout-based delay} */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source, a number in [0, 1). @default {Math.random} */
  random?: () => number;
  /** The clock, for `Retry-After` dates. @default {Date.now} */
  now?: () => number;
  /** Makes an `Idempotency-Key` for each create. @default {crypto.randomUUID} */
  randomId?: () => string;
}

/** Options of {@linkcode createRetryingFetch}. */
export interface RetryingFetchOptions {
  /** The deadline of one attempt, headers and body included. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxNetworkRetries: number;
  /** The longest `Retry-After` worth waiting for; a longer one ends the retries. */
  maxRetryAfterMs: number;
  /** Replaceable transport and timing. */
  deps: Deps;
}

const attemptCounts = new WeakMap<Response, number>();

/**
 * How many attempts produced `response` (1 when it came straight through).
 *
 * @param response A response returned by a retrying fetch.
 * @returns The attempt count.
 */
export function attemptsOf(response: Response): number {
  return attemptCounts.get(response) ?? 1;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function attemptOnce(
  request: Request,
  send: (request: Request) => Promise<Response>,
  timeoutMs: number,
): Promise<AttemptResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  // Rejects at the deadline even when a transport does not tie the body to the signal.
  const deadline = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason));
  });
  deadline.catch(() => {}); // only observed through the races below
  try {
    const response = await Promise.race([
      send(new Request(request, { signal: controller.signal })),
      deadline,
    ]);
    // Read the whole body under the same deadline: a stalled body is a timeout too, and a
    // buffered response can be read again by whoever inspects it next.
    const body = await Promise.race([response.arrayBuffer(), deadline]).catch((error) => {
      response.body?.cancel().catch(() => {});
      throw error;
    });
    return { response: new Response(body, response) };
  } catch {
    return { failure: timedOut ? "timeout" : "network" };
  } finally {
    clearTimeout(timer);
  }
}

function connectionError(failure: "network" | "timeout", attempts: number, timeoutMs: number) {
  const message = failure === "timeout"
    ? `Stripe did not answer within ${timeoutMs} ms (${attempts} attempt(s))`
    : `Could not reach Stripe (${attempts} attempt(s))`;
  return new StripeApiError({
    type: "api_connection_error",
    code: failure === "timeout" ? "timeout" : "connection_error",
    message,
    retryable: true,
    attempts,
  });
}

/**
 * Wraps a `fetch` with a per-attempt deadline and retries with exponential backoff and jitter
 * (rules in `retry.ts`). The same `Request` (and so the same `Idempotency-Key`) is sent on
 * every attempt.
 *
 * @param options Deadline, retry budget and injectable dependencies.
 * @returns A fetch that resolves with the last response, or rejects with a
 * {@linkcode StripeApiError} of type `api_connection_error` when no attempt got an answer.
 */
export function createRetryingFetch(
  options: RetryingFetchOptions,
): (request: Request) => Promise<Response> {
  const { timeoutMs, maxNetworkRetries, maxRetryAfterMs, deps } = options;
  return async function retryingFetch(request) {
    const send = deps.fetch ?? globalThis.fetch;
    const sleep = deps.sleep ?? defaultSleep;
    const random = deps.random ?? Math.random;
    const now = deps.now ?? Date.now;
    for (let retriesMade = 0;; retriesMade++) {
      const result = await attemptOnce(request.clone(), send, timeoutMs);
      const attempts = retriesMade + 1;
      let waitMs = backoffMs(retriesMade, random());
      if ("response" in result) {
        const retryAfterMs = parseRetryAfterMs(result.response.headers.get("retry-after"), now());
        if (retryAfterMs !== undefined) waitMs = Math.max(waitMs, retryAfterMs);
        const giveUp = retriesMade >= maxNetworkRetries || !isRetryable(result) ||
          (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs);
        if (giveUp) {
          attemptCounts.set(result.response, attempts);
          return result.response;
        }
      } else if (retriesMade >= maxNetworkRetries) {
        throw connectionError(result.failure, attempts, timeoutMs);
      }
      await sleep(waitMs);
    }
  };
}
