/**
 * A `fetch` that gives each attempt a timeout and the whole call a deadline, repeats retryable
 * failures with backoff, and refuses redirects and oversized answers.
 *
 * Two doors to one loop: {@linkcode createRetryingCall} takes the request in parts and answers
 * a light {@linkcode UpstreamAnswer} (the client's own calls: no web `Request` or `Response` is
 * built for them but the one `Request` per attempt that a `fetch` transport needs), and
 * {@linkcode createRetryingFetch} is the same loop as a `fetch` (`Request` in, `Response` out).
 *
 * @module
 */
import { readCappedBody } from "./_read_body.ts";
import { type AnswerHead, type Outbound, partsExchangeOf, type ReadAnswer } from "./_transport.ts";
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

const decoder = new TextDecoder();

/**
 * The answer a retrying call resolves with: the last attempt's status and headers, its body
 * read whole (within `maxResponseBytes`), and how it came about. It has what openapi-fetch reads
 * of a `Response` (`status`, `ok`, `headers`, `text()`), so it flows through it as one.
 *
 * @example Read an answer's status, attempts and text
 * ```ts
 * import { UpstreamAnswer } from "./retrying_fetch.ts";
 *
 * const head = { status: 200, ok: true, headers: new Headers() };
 * const answer = new UpstreamAnswer(head, new TextEncoder().encode("{}"), 1, false);
 * console.log(answer.status, answer.attempts, await answer.text());
 * ```
 */
export class UpstreamAnswer implements AnswerHead, AttemptOutcome {
  /** A 2xx status. */
  readonly ok: boolean;

  /**
   * @param head The last attempt's status and headers.
   * @param bytes Its whole body.
   * @param attempts Attempts made, retries included.
   * @param retryable The retry decision's verdict.
   */
  constructor(
    readonly head: AnswerHead,
    readonly bytes: Uint8Array<ArrayBuffer>,
    readonly attempts: number,
    readonly retryable: boolean,
  ) {
    this.ok = head.status >= 200 && head.status < 300;
  }

  /** The HTTP status. */
  get status(): number {
    return this.head.status;
  }

  /** The answer's headers. */
  get headers(): AnswerHead["headers"] {
    return this.head.headers;
  }

  /**
   * The body as text (UTF-8), as `Response.text()` reads it.
   *
   * @returns The text.
   */
  text(): Promise<string> {
    return Promise.resolve(decoder.decode(this.bytes));
  }
}

// Keyed by the response itself, so the verdict travels with it through openapi-fetch.
const outcomes = new WeakMap<object, AttemptOutcome>();

/**
 * How `response` came about: the attempts made and whether the retry decision that stopped on
 * it found it retryable.
 *
 * @param response A response returned by a retrying fetch, or an answer of a retrying call.
 * @returns Its outcome, or `undefined` for a response neither returned (one a caller's
 * openapi-fetch middleware replaced, say).
 */
export function outcomeOf(response: object): AttemptOutcome | undefined {
  return response instanceof UpstreamAnswer ? response : outcomes.get(response);
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A 3xx, whether the transport handed it over (`redirect: "manual"`), made it opaque (browsers
// do), or followed it anyway (a platform `fetch` that drops the mode): Stripe's API never
// redirects, and whatever sits at the other end is not Stripe.
function isRedirect(head: AnswerHead): boolean {
  return head.redirected === true || head.type === "opaqueredirect" ||
    (head.status >= 300 && head.status < 400);
}

// Deno refuses a connection its permissions do not allow with `Deno.errors.NotCapable` (named
// `PermissionDenied` before Deno 2); read by name, so that no other runtime needs `Deno`.
function isPermissionRefusal(error: unknown): boolean {
  return error instanceof Error &&
    (error.name === "NotCapable" || error.name === "PermissionDenied");
}

// One attempt through a `fetch`: the answer's body is read whole under the same signal (a
// stalled body is a timeout too) and within the bound; a redirect's is not read at all.
async function fetchAndRead(
  pending: Promise<Response>,
  signal: AbortSignal,
  maxResponseBytes: number,
  onCancel: (cancel: () => void) => void,
): Promise<ReadAnswer> {
  const response = await pending;
  if (isRedirect(response)) {
    response.body?.cancel().catch(() => {});
    return { head: response, body: new Uint8Array(0) };
  }
  return {
    head: response,
    body: await readCappedBody(response, maxResponseBytes, signal, onCancel),
  };
}

// The headers as a plain record: a `Request` or `fetch` takes one in about half the time it
// takes to copy a `Headers` (whose iterator it walks pair by pair, checking each).
function headerRecord(headers: Headers): Record<string, string> {
  // No prototype: a header named `__proto__` is a key like any other.
  const record: Record<string, string> = Object.create(null);
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

async function attemptOnce(
  outbound: Outbound,
  // `undefined`: the platform's own `fetch`, given the parts (a `Request` built only to be
  // taken apart again costs a copy of every header and a second signal).
  send: ((request: Request) => Promise<Response>) | undefined,
  attemptMs: number,
  maxResponseBytes: number,
): Promise<AttemptResult> {
  const exchange = send === undefined ? undefined : partsExchangeOf(send);
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let answer: ReadAnswer;
  try {
    if (exchange !== undefined) {
      // A transport that takes the parts: no Request, no signal; the timer ends it directly.
      const pending = exchange(outbound, maxResponseBytes);
      answer = await new Promise<ReadAnswer>((resolve, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          pending.cancel();
          reject(new Error("The attempt's time is up"));
        }, attemptMs);
        pending.answer.then(resolve, reject);
      });
    } else {
      // `manual`: a redirect comes back as the 3xx it is, never followed with our key.
      const controller = new AbortController();
      const init: RequestInit = {
        method: outbound.method,
        headers: headerRecord(outbound.headers),
        body: outbound.body ?? null,
        redirect: "manual",
        signal: controller.signal,
      };
      // A `Request` the platform refuses to build throws here, before the attempt's timer.
      // `globalThis.fetch` is looked up on each attempt, never at module load: Workers forbid
      // timers and randomness in global scope, and a fetch stubbed after the client was built is
      // still honoured.
      let start: () => Promise<Response>;
      if (send === undefined) {
        start = () => globalThis.fetch(outbound.url, init);
      } else {
        const request = new Request(outbound.url, init);
        start = () => send(request);
      }
      // Rejects at the attempt's end even when a transport does not tie its promise to the
      // signal, and cancels the body's read, once there is one.
      let cancelRead: (() => void) | undefined;
      answer = await new Promise<ReadAnswer>((resolve, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
          cancelRead?.();
          reject(controller.signal.reason);
        }, attemptMs);
        const pending = start();
        fetchAndRead(pending, controller.signal, maxResponseBytes, (cancel) => {
          cancelRead = cancel;
        }).then(resolve, reject);
      });
    }
  } catch (error) {
    // A request the platform refuses to build (a bad header) is a local fault, never a
    // failure to reach Stripe: it surfaces as it is. Otherwise only the transport and the
    // body's stream fail here: no answer came back.
    if (timer === undefined) throw error;
    if (isPermissionRefusal(error)) return { failure: "not_permitted" };
    return { failure: timedOut ? "timeout" : "network" };
  } finally {
    clearTimeout(timer);
  }
  if (isRedirect(answer.head)) return { fault: "redirect", response: answer.head };
  if (answer.body === undefined) return { fault: "too_large", response: answer.head };
  return { response: answer.head, body: answer.body };
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
  response: AnswerHead,
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
 * Gives each attempt of a call a timeout and the whole call a deadline, repeats what
 * `decideRetry` (in `retry.ts`) says to repeat, waiting as long as it says, and refuses what
 * no caller should get: redirects (never followed) and bodies over `maxResponseBytes`. The
 * same request (and so the same `Idempotency-Key`) is sent on every attempt, from its parts: a
 * `fetch` transport gets a fresh `Request` each time, and a transport that carries a parts
 * exchange (`transports/node.ts`) gets the parts themselves.
 *
 * @example One call, retried up to twice, each attempt within 2 s
 * ```ts
 * import { createRetryingCall } from "./retrying_fetch.ts";
 *
 * const call = createRetryingCall({
 *   timeoutMs: 2_000,
 *   deadlineMs: 10_000,
 *   maxNetworkRetries: 2,
 *   maxRetryAfterMs: 5_000,
 *   maxResponseBytes: 1_048_576,
 *   fetch: () => Promise.resolve(Response.json({ id: "cos_123" })),
 * });
 * const answer = await call({
 *   url: "https://api.stripe.com/v1/crypto/onramp_sessions/cos_123",
 *   method: "GET",
 *   headers: new Headers(),
 *   body: undefined,
 * });
 * console.log(answer.status, await answer.text());
 * ```
 *
 * @param options Timeouts, retry budget, body bound, transport and (for tests) clock, timer
 * and jitter.
 * @returns A call that resolves with the last answer, its body read; or rejects with a
 * {@linkcode StripeApiError}: of type `api_connection_error` when no attempt got an answer, of
 * code `upstream_redirect` or `upstream_response_too_large` for a refused one.
 */
export function createRetryingCall(
  options: RetryingFetchOptions,
): (request: Outbound) => Promise<UpstreamAnswer> {
  const {
    timeoutMs,
    deadlineMs,
    maxNetworkRetries,
    maxRetryAfterMs,
    maxResponseBytes,
    fetch,
    seams = {},
  } = options;
  return async function retryingCall(outbound) {
    const sleep = seams.sleep ?? defaultSleep;
    const random = seams.random ?? Math.random;
    const now = seams.now ?? Date.now;
    const deadlineAt = now() + deadlineMs;
    for (let retriesMade = 0;; retriesMade++) {
      const attemptMs = Math.min(timeoutMs, Math.max(1, deadlineAt - now()));
      const result = await attemptOnce(outbound, fetch, attemptMs, maxResponseBytes);
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
      const attempts = retriesMade + 1;
      if ("fault" in result) {
        throw refusedAnswer(result.fault, result.response, attempts, maxResponseBytes);
      }
      if ("failure" in result) {
        throw connectionError(
          result.failure,
          { attempts, retryable: decision.retryable },
          attemptMs,
          attemptMs < timeoutMs,
          new URL(outbound.url).host,
        );
      }
      return new UpstreamAnswer(
        result.response,
        result.body ?? new Uint8Array(0),
        attempts,
        decision.retryable,
      );
    }
  };
}

/**
 * {@linkcode createRetryingCall} as a `fetch`: the request's body is read once, then sent
 * on every attempt; the answer comes back as a `Response` whose body is already read (so it
 * can be read again by whoever inspects it next) and whose {@linkcode outcomeOf} is recorded.
 *
 * @param options As for {@linkcode createRetryingCall}.
 * @returns A fetch that resolves with the last response, or rejects as the call does.
 */
export function createRetryingFetch(
  options: RetryingFetchOptions,
): (request: Request) => Promise<Response> {
  const call = createRetryingCall(options);
  return async function retryingFetch(request) {
    // Asked by method: reading `request.body` would turn a body into a stream, slower to read.
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const body = hasBody ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const answer = await call({
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: body === undefined || body.byteLength === 0 ? undefined : body,
    });
    // A 204 or 205 may not carry a body, not even an empty one.
    const nullBody = answer.status === 204 || answer.status === 205;
    const response = new Response(nullBody ? null : answer.bytes, {
      status: answer.status,
      statusText: answer.head.statusText ?? "",
      headers: [...answer.headers],
    });
    outcomes.set(response, answer);
    return response;
  };
}
