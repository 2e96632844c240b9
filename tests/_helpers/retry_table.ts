/**
 * The README's "Retries" table as data: one row per upstream answer, with what the client must
 * do about it (attempts, waits, `retryable`) and what the browser must then be told. The client
 * tests and the route tests both walk it, so a row cannot be proven in one place and forgotten
 * in the other.
 */
import { type FakeUpstream, fakeUpstream, stripeError } from "./fake_upstream.ts";

/** One row of the retry table. */
export interface RetryRow {
  /** The README row it proves, and the answer, in plain words. */
  name: string;
  /** A fresh fake Stripe that gives this answer on every attempt. */
  upstream: () => FakeUpstream;
  /** Client options the row needs (a short deadline for timeouts). */
  options?: {
    timeoutMs?: number;
    deadlineMs?: number;
    maxNetworkRetries?: number;
    maxRetryAfterMs?: number;
    maxResponseBytes?: number;
  };
  /** Attempts made with the default budget of two retries. */
  attempts: number;
  /** The waits between them, with jitter pinned at 0.5 (a factor of 0.75). */
  waits: number[];
  /** `StripeApiError.retryable`: whether the same request may succeed later. */
  retryable: boolean;
  /** The browser's answer: its status and, when it is a 5xx, `error.retryable`. */
  browser: { status: number; retryable?: boolean };
}

/** Every retry rule of the README, each with the answers it covers. */
export const RETRY_TABLE: readonly RetryRow[] = [
  {
    name: "a dropped connection",
    upstream: () => fakeUpstream(new TypeError("connection reset")),
    attempts: 3,
    waits: [375, 750],
    retryable: true,
    browser: { status: 502, retryable: true },
  },
  {
    name: "a connection the runtime may not open (Deno without --allow-net)",
    upstream: () =>
      fakeUpstream(Object.assign(new Error("Requires net access"), { name: "NotCapable" })),
    attempts: 1,
    waits: [],
    retryable: false,
    browser: { status: 502, retryable: false },
  },
  {
    name: "no answer within timeoutMs",
    upstream: silentUpstream,
    options: { timeoutMs: 10 },
    attempts: 3,
    waits: [375, 750],
    retryable: true,
    browser: { status: 504, retryable: true },
  },
  {
    name: "a 500 with Stripe-Should-Retry: false",
    upstream: () =>
      fakeUpstream(
        stripeError(500, { type: "api_error", message: "no" }, { "stripe-should-retry": "false" }),
      ),
    attempts: 1,
    waits: [],
    retryable: false,
    browser: { status: 502, retryable: false },
  },
  {
    name: "a 429 with Stripe-Should-Retry: false",
    upstream: () =>
      fakeUpstream(
        stripeError(429, { type: "invalid_request_error", code: "rate_limit", message: "no" }, {
          "stripe-should-retry": "false",
        }),
      ),
    attempts: 1,
    waits: [],
    retryable: false,
    browser: { status: 503, retryable: false },
  },
  {
    name: "a 400 with Stripe-Should-Retry: true",
    upstream: () =>
      fakeUpstream(
        stripeError(400, { type: "invalid_request_error", message: "retry" }, {
          "stripe-should-retry": "true",
        }),
      ),
    attempts: 3,
    waits: [375, 750],
    retryable: true,
    browser: { status: 400 },
  },
  {
    name: "a 409 lock conflict",
    upstream: () =>
      fakeUpstream(
        stripeError(409, { type: "invalid_request_error", code: "lock_timeout", message: "busy" }),
      ),
    attempts: 3,
    waits: [375, 750],
    retryable: true,
    browser: { status: 503, retryable: true },
  },
  {
    name: "a 429 without Retry-After",
    upstream: () => fakeUpstream(rateLimited()),
    attempts: 3,
    waits: [375, 750],
    retryable: true,
    browser: { status: 503, retryable: true },
  },
  {
    name: "a 429 with a Retry-After longer than the backoff",
    upstream: () => fakeUpstream(rateLimited({ "retry-after": "2" })),
    attempts: 3,
    waits: [2000, 2000],
    retryable: true,
    browser: { status: 503, retryable: true },
  },
  {
    name: "a 429 with a Retry-After longer than maxRetryAfterMs",
    upstream: () => fakeUpstream(rateLimited({ "retry-after": "60" })),
    attempts: 1,
    waits: [],
    retryable: true,
    browser: { status: 503, retryable: true },
  },
  {
    name: "a 500 when the next wait would reach deadlineMs",
    upstream: () => fakeUpstream(stripeError(500, { type: "api_error", message: "boom" })),
    // The first wait (at most 500 ms) fits; the second (at least 500 ms) does not.
    options: { deadlineMs: 500 },
    attempts: 2,
    waits: [375],
    retryable: true,
    browser: { status: 502, retryable: true },
  },
  ...[301, 307, 308].map((status): RetryRow => ({
    name: `a ${status} redirect`,
    upstream: () =>
      fakeUpstream(
        new Response(null, { status, headers: { location: "https://elsewhere.test/v1/x" } }),
      ),
    attempts: 1,
    waits: [],
    retryable: false,
    browser: { status: 502, retryable: false },
  })),
  {
    name: "a 200 that is not the object asked for",
    upstream: () => fakeUpstream(Response.json({ redirect_url: null })),
    attempts: 1,
    waits: [],
    retryable: false,
    browser: { status: 502, retryable: false },
  },
  {
    name: "an answer over maxResponseBytes",
    upstream: () => fakeUpstream(stripeError(500, { type: "api_error", message: "x".repeat(200) })),
    options: { maxResponseBytes: 100 },
    attempts: 1,
    waits: [],
    retryable: false,
    browser: { status: 502, retryable: false },
  },
  ...[500, 502, 503].map((status): RetryRow => ({
    name: `a ${status}`,
    upstream: () => fakeUpstream(stripeError(status, { type: "api_error", message: "boom" })),
    attempts: 3,
    waits: [375, 750],
    retryable: true,
    browser: { status: 502, retryable: true },
  })),
  ...[[400, 400], [401, 502], [402, 402], [403, 502], [404, 404]].map(
    ([status = 0, browserStatus = 0]): RetryRow => ({
      name: `a ${status}`,
      upstream: () =>
        fakeUpstream(stripeError(status, { type: "invalid_request_error", message: "no" })),
      attempts: 1,
      waits: [],
      retryable: false,
      browser: browserStatus >= 500
        ? { status: browserStatus, retryable: false }
        : { status: browserStatus },
    }),
  ),
];

function rateLimited(headers: Record<string, string> = {}): Response {
  return stripeError(
    429,
    { type: "invalid_request_error", code: "rate_limit", message: "slow" },
    headers,
  );
}

/** A Stripe that never answers: each attempt ends at its deadline. */
function silentUpstream(): FakeUpstream {
  const requests: FakeUpstream["requests"] = [];
  return {
    requests,
    fetch(request) {
      requests.push({
        method: request.method,
        url: new URL(request.url),
        headers: request.headers,
        body: "",
      });
      return new Promise((_, reject) => {
        request.signal.addEventListener("abort", () => reject(request.signal.reason));
      });
    },
  };
}
