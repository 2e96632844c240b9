/**
 * A `fetch` that gives each attempt a timeout and the whole call a deadline, repeats retryable
 * failures with backoff, and refuses redirects and oversized answers.
 *
 * @module
 */
import { readCappedBody } from "./_read_body.ts";
import { StripeApiError, upstreamFault } from "./errors.ts";
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
  /** The clock, for `Retry-After` dates and the call's deadline. @default {Date.now} */
  now?: () => number;
  /** Makes an `Idempotency-Key` for each create. @default {crypto.randomUUID} */
  randomId?: () => string;
}

/** Options of {@linkcode createRetryingFetch}. */
export interface RetryingFetchOptions {
  /** The time one attempt may take, headers and body included, in milliseconds. */
  timeoutMs: number;
  /**
   * The time the whole call may take, every attempt and wait between them included, in
   * milliseconds. Each attempt gets the smaller of `timeoutMs` and what is left; a retry whose
   * wait would end at or after the deadline is not made.
   */
  deadlineMs: number;
  /** Retries after the first attempt. */
  maxNetworkRetries: number;
  /** The longest `Retry-After` worth waiting for; a longer one ends the retries. */
  maxRetryAfterMs: number;
  /** The largest body accepted, in bytes, counted decoded. */
  maxResponseBytes: number;
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

// A 3xx, whether the transport handed it over (`redirect: "manual"`), made it opaque (browsers
// do), or followed it anyway (a platform `fetch` that drops the mode): Stripe's API never
// redirects, and whatever sits at the other end is not Stripe.
function isRedirect(response: Response): boolean {
  return response.redirected || response.type === "opaqueredirect" ||
    (response.status >= 300 && response.status < 400);
}

// Deno refuses a connection its permissions do not allow with `Deno.errors.NotCapable` (named
// `PermissionDenied` before Deno 2); read by name, so that no other runtime needs `Deno`.
function isPermissionRefusal(error: unknown): boolean {
  return error instanceof Error &&
    (error.name === "NotCapable" || error.name === "PermissionDenied");
}

async function attemptOnce(
  request: Request,
  send: (request: Request) => Promise<Response>,
  controller: AbortController,
  maxResponseBytes: number,
): Promise<AttemptResult> {
  // Rejects at the deadline even when a transport does not tie its promise to the signal.
  const deadline = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason));
  });
  deadline.catch(() => {}); // only observed through the race below
  let response: Response;
  let body: Uint8Array<ArrayBuffer> | undefined;
  try {
    response = await Promise.race([send(request), deadline]);
    if (isRedirect(response)) {
      response.body?.cancel().catch(() => {});
      return { fault: "redirect", response };
    }
    // The whole body under the same deadline (a stalled body is a timeout too) and within the
    // bound, so that a buffered response can be read again by whoever inspects it next.
    body = await readCappedBody(response, maxResponseBytes, controller.signal);
  } catch (error) {
    // Only the transport and the body's stream fail here: no answer came back.
    if (isPermissionRefusal(error)) return { failure: "not_permitted" };
    return { failure: controller.signal.aborted ? "timeout" : "network" };
  }
  if (body === undefined) return { fault: "too_large", response };
  // A 204 or 205 may not carry a body, not even an empty one.
  const nullBody = response.status === 204 || response.status === 205;
  return { response: new Response(nullBody ? null : body, response) };
}

function connectionError(
  failure: "network" | "timeout" | "not_permitted",
  outcome: AttemptOutcome,
  attemptMs: number,
  cutByDeadline: boolean,
  host: string,
): StripeApiError {
  const { attempts, retryable } = outcome;
  if (failure === "not_permitted") {
    return new StripeApiError({
      type: "api_connection_error",
      code: "not_permitted",
      message: `The runtime may not connect to ${host}: grant it network access ` +
        `(Deno: --allow-net=${host})`,
      retryable,
      attempts,
    });
  }
  const message = failure === "network"
    ? `Could not reach Stripe (${attempts} attempt(s))`
    : cutByDeadline
    ? `Stripe did not answer before the call's deadline (${attempts} attempt(s), the last one ${attemptMs} ms)`
    : `Stripe did not answer within ${attemptMs} ms (${attempts} attempt(s))`;
  return new StripeApiError({
    type: "api_connection_error",
    code: failure === "timeout" ? "timeout" : "connection_error",
    message,
    retryable,
    attempts,
  });
}

function refusedAnswer(
  fault: "redirect" | "too_large",
  response: Response,
  attempts: number,
  maxResponseBytes: number,
): StripeApiError {
  if (fault === "too_large") {
    return upstreamFault(
      "upstream_response_too_large",
      `Stripe's answer (HTTP ${response.status}) is larger than ${maxResponseBytes} bytes`,
      response,
      attempts,
    );
  }
  const how = response.status >= 300 && response.status < 400
    ? `answered HTTP ${response.status}, a redirect`
    : "answered through a redirect that the transport followed";
  return upstreamFault(
    "upstream_redirect",
    `Stripe ${how}; redirects are never followed`,
    response,
    attempts,
  );
}

/**
 * Wraps a `fetch` with a per-attempt timeout and a whole-call deadline, repeats what
 * `decideRetry` (in `retry.ts`) says to repeat, waiting as long as it says, and refuses what
 * no caller should get: redirects (never followed) and bodies over `maxResponseBytes`. The
 * same request (and so the same `Idempotency-Key`) is sent on every attempt.
 *
 * @param options Timeouts, retry budget, body bound, transport and (for tests) clock, timer
 * and jitter.
 * @returns A fetch that resolves with the last response, its body read and its
 * {@linkcode outcomeOf} recorded; or rejects with a {@linkcode StripeApiError}: of type
 * `api_connection_error` when no attempt got an answer, of code `upstream_redirect` or
 * `upstream_response_too_large` for a refused one.
 */
export function createRetryingFetch(
  options: RetryingFetchOptions,
): (request: Request) => Promise<Response> {
  const {
    timeoutMs,
    deadlineMs,
    maxNetworkRetries,
    maxRetryAfterMs,
    maxResponseBytes,
    fetch,
    seams = {},
  } = options;
  return async function retryingFetch(request) {
    // Looked up on each call, never at module load: Workers forbid timers and randomness in
    // global scope, and a fetch stubbed after the client was built is still honoured.
    const send = fetch ?? globalThis.fetch;
    const sleep = seams.sleep ?? defaultSleep;
    const random = seams.random ?? Math.random;
    const now = seams.now ?? Date.now;
    const deadlineAt = now() + deadlineMs;
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    for (let retriesMade = 0;; retriesMade++) {
      const attemptMs = Math.min(timeoutMs, Math.max(1, deadlineAt - now()));
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), attemptMs);
      let result: AttemptResult;
      try {
        // `manual`: a redirect comes back as the 3xx it is, never followed with our key. A body
        // is sent from a copy, so that the original is there for a retry. (Asked by method:
        // reading `request.body` would turn the body into a stream, which is slower to copy.)
        const attempt = new Request(hasBody ? request.clone() : request, {
          redirect: "manual",
          signal: controller.signal,
        });
        result = await attemptOnce(attempt, send, controller, maxResponseBytes);
      } finally {
        clearTimeout(timer);
      }
      const nowMs = now();
      let decision = decideRetry(result, {
        retriesMade,
        maxNetworkRetries,
        maxRetryAfterMs,
        random: random(),
        nowMs,
        remainingMs: deadlineAt - nowMs,
      });
      if (decision.action === "retry") {
        await sleep(decision.waitMs);
        // A late timer must not start a retry after the deadline either.
        if (now() < deadlineAt) continue;
        decision = { action: "stop", retryable: true, reason: "deadline_exceeded" };
      }
      const outcome = { attempts: retriesMade + 1, retryable: decision.retryable };
      if ("fault" in result) {
        throw refusedAnswer(result.fault, result.response, outcome.attempts, maxResponseBytes);
      }
      if ("failure" in result) {
        throw connectionError(
          result.failure,
          outcome,
          attemptMs,
          attemptMs < timeoutMs,
          new URL(request.url).host,
        );
      }
      outcomes.set(result.response, outcome);
      return result.response;
    }
  };
}
