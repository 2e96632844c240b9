/**
 * A `fetch` that gives each attempt a deadline and repeats retryable failures with backoff.
 *
 * @module
 */
import { StripeApiError } from "./errors.ts";
import { type AttemptResult, decideRetry } from "./retry.ts";

/**
 * The clock, timer and randomness of the client. Internal: tests replace them to pin waits,
 * jitter and keys; the library's users never need to, so no public option exposes them.
 */
export interface ClientSeams {
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
  /** Sends one HTTP request. @default {globalThis.fetch} */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** The clock, timer and jitter, for tests. @default {the platform's own} */
  seams?: ClientSeams;
}

/** How a response returned by a retrying fetch came about. */
export interface AttemptOutcome {
  /** Attempts made, retries included (1 when it came straight through). */
  readonly attempts: number;
  /** The retry decision's verdict: whether the same request may succeed later. */
  readonly retryable: boolean;
}

// Keyed by the response itself, so the verdict travels with it through openapi-fetch.
const outcomes = new WeakMap<Response, AttemptOutcome>();

/**
 * How `response` came about: the attempts made and whether the retry decision that stopped on
 * it found it retryable.
 *
 * @param response A response returned by a retrying fetch.
 * @returns Its outcome, or `undefined` for a response the retrying fetch did not return (one a
 * caller's openapi-fetch middleware replaced, say).
 */
export function outcomeOf(response: Response): AttemptOutcome | undefined {
  return outcomes.get(response);
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

function connectionError(
  failure: "network" | "timeout",
  outcome: AttemptOutcome,
  timeoutMs: number,
): StripeApiError {
  const { attempts, retryable } = outcome;
  const message = failure === "timeout"
    ? `Stripe did not answer within ${timeoutMs} ms (${attempts} attempt(s))`
    : `Could not reach Stripe (${attempts} attempt(s))`;
  return new StripeApiError({
    type: "api_connection_error",
    code: failure === "timeout" ? "timeout" : "connection_error",
    message,
    retryable,
    attempts,
  });
}

/**
 * Wraps a `fetch` with a per-attempt deadline and repeats what `decideRetry` (in `retry.ts`)
 * says to repeat, waiting as long as it says. The same `Request` (and so the same
 * `Idempotency-Key`) is sent on every attempt.
 *
 * @param options Deadline, retry budget, transport and (for tests) clock, timer and jitter.
 * @returns A fetch that resolves with the last response, its {@linkcode outcomeOf} recorded,
 * or rejects with a {@linkcode StripeApiError} of type `api_connection_error` when no attempt
 * got an answer.
 */
export function createRetryingFetch(
  options: RetryingFetchOptions,
): (request: Request) => Promise<Response> {
  const { timeoutMs, maxNetworkRetries, maxRetryAfterMs, fetch, seams = {} } = options;
  return async function retryingFetch(request) {
    // Looked up on each call, never at module load: Workers forbid timers and randomness in
    // global scope, and a fetch stubbed after the client was built is still honoured.
    const send = fetch ?? globalThis.fetch;
    const sleep = seams.sleep ?? defaultSleep;
    const random = seams.random ?? Math.random;
    const now = seams.now ?? Date.now;
    for (let retriesMade = 0;; retriesMade++) {
      const result = await attemptOnce(request.clone(), send, timeoutMs);
      const decision = decideRetry(result, {
        retriesMade,
        maxNetworkRetries,
        maxRetryAfterMs,
        random: random(),
        nowMs: now(),
      });
      if (decision.action === "retry") {
        await sleep(decision.waitMs);
        continue;
      }
      const outcome = { attempts: retriesMade + 1, retryable: decision.retryable };
      if ("failure" in result) throw connectionError(result.failure, outcome, timeoutMs);
      outcomes.set(result.response, outcome);
      return result.response;
    }
  };
}
