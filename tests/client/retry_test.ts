import { assertEquals } from "@std/assert";
import {
  type AttemptResult,
  backoffMs,
  decideRetry,
  parseRetryAfterMs,
  type RetryContext,
  type RetryDecision,
} from "../../client/retry.ts";

const answer = (status: number, headers: Record<string, string> = {}) => ({
  response: new Response(null, { status, headers }),
});

const NOW = Date.parse("Wed, 25 Nov 2026 14:00:00 GMT");
// Before the first retry of the default budget, jitter factor 0.75: the backoff is 375 ms.
const FIRST: RetryContext = {
  retriesMade: 0,
  maxNetworkRetries: 2,
  maxRetryAfterMs: 5_000,
  random: 0.5,
  nowMs: NOW,
};

const cases: ReadonlyArray<[name: string, result: AttemptResult, retry: boolean]> = [
  ["a network failure", { failure: "network" }, true],
  ["a timeout", { failure: "timeout" }, true],
  ["a 500", answer(500), true],
  ["a 502", answer(502), true],
  ["a 503", answer(503), true],
  ["a 409 lock conflict", answer(409), true],
  ["a 429 rate limit", answer(429), true],
  ["a 400 validation error", answer(400), false],
  ["a 401 bad key", answer(401), false],
  ["a 402", answer(402), false],
  ["a 403", answer(403), false],
  ["a 404", answer(404), false],
  ["a 500 with Stripe-Should-Retry: false", answer(500, { "stripe-should-retry": "false" }), false],
  ["a 400 with Stripe-Should-Retry: true", answer(400, { "stripe-should-retry": "true" }), true],
  ["a 200", answer(200), false],
];

for (const [name, result, retry] of cases) {
  Deno.test(`decideRetry() ${retry ? "retries" : "does not retry"} ${name}`, () => {
    assertEquals(decideRetry(result, FIRST).action, retry ? "retry" : "stop");
  });
}

const decisions: ReadonlyArray<
  [name: string, result: AttemptResult, context: Partial<RetryContext>, expected: RetryDecision]
> = [
  [
    "retries a dropped connection after the backoff",
    { failure: "network" },
    {},
    { action: "retry", waitMs: 375, reason: "network_error" },
  ],
  [
    "retries a timeout after the backoff",
    { failure: "timeout" },
    {},
    { action: "retry", waitMs: 375, reason: "timeout" },
  ],
  [
    "stops on a dropped connection once the budget is spent, still retryable",
    { failure: "network" },
    { retriesMade: 2 },
    { action: "stop", retryable: true, reason: "retries_exhausted" },
  ],
  [
    "stops on a timeout once the budget is spent, still retryable",
    { failure: "timeout" },
    { retriesMade: 2 },
    { action: "stop", retryable: true, reason: "retries_exhausted" },
  ],
  [
    "stops on a 500 with Stripe-Should-Retry: false, not retryable",
    answer(500, { "stripe-should-retry": "false" }),
    {},
    { action: "stop", retryable: false, reason: "stripe_should_not_retry" },
  ],
  [
    "stops on a 429 with Stripe-Should-Retry: false, not retryable",
    answer(429, { "stripe-should-retry": "false", "retry-after": "1" }),
    {},
    { action: "stop", retryable: false, reason: "stripe_should_not_retry" },
  ],
  [
    "retries a 400 with Stripe-Should-Retry: true",
    answer(400, { "stripe-should-retry": "true" }),
    {},
    { action: "retry", waitMs: 375, reason: "stripe_should_retry" },
  ],
  [
    "stops on a 400 with Stripe-Should-Retry: true once the budget is spent, still retryable",
    answer(400, { "stripe-should-retry": "true" }),
    { retriesMade: 2 },
    { action: "stop", retryable: true, reason: "retries_exhausted" },
  ],
  [
    "stops on a redirect, not retryable",
    { fault: "redirect", response: new Response(null, { status: 307 }) },
    {},
    { action: "stop", retryable: false, reason: "redirect" },
  ],
  [
    "stops on an answer over maxResponseBytes, not retryable",
    { fault: "too_large", response: new Response(null, { status: 200 }) },
    {},
    { action: "stop", retryable: false, reason: "response_too_large" },
  ],
  [
    "stops on a 500 when the wait would end at the deadline, still retryable",
    answer(500),
    { remainingMs: 375 },
    { action: "stop", retryable: true, reason: "deadline_exceeded" },
  ],
  [
    "retries a 500 when the wait ends just before the deadline",
    answer(500),
    { remainingMs: 376 },
    { action: "retry", waitMs: 375, reason: "server_error" },
  ],
  [
    "stops on a timeout with no time left before the deadline, still retryable",
    { failure: "timeout" },
    { remainingMs: 0 },
    { action: "stop", retryable: true, reason: "deadline_exceeded" },
  ],
  [
    "retries a 409 lock conflict",
    answer(409),
    {},
    { action: "retry", waitMs: 375, reason: "lock_conflict" },
  ],
  [
    "stops on a 409 once the budget is spent, still retryable",
    answer(409),
    { retriesMade: 2 },
    { action: "stop", retryable: true, reason: "retries_exhausted" },
  ],
  [
    "retries a 429 without Retry-After after the backoff",
    answer(429),
    { retriesMade: 1 },
    { action: "retry", waitMs: 750, reason: "rate_limited" },
  ],
  [
    "retries a 429 after a Retry-After longer than the backoff",
    answer(429, { "retry-after": "2" }),
    {},
    { action: "retry", waitMs: 2000, reason: "rate_limited" },
  ],
  [
    "retries a 429 after the backoff when Retry-After is shorter",
    answer(429, { "retry-after": "0" }),
    {},
    { action: "retry", waitMs: 375, reason: "rate_limited" },
  ],
  [
    "retries a 429 after a Retry-After date, read against the clock",
    answer(429, { "retry-after": "Wed, 25 Nov 2026 14:00:03 GMT" }),
    {},
    { action: "retry", waitMs: 3000, reason: "rate_limited" },
  ],
  [
    "retries a 429 whose Retry-After equals maxRetryAfterMs",
    answer(429, { "retry-after": "5" }),
    {},
    { action: "retry", waitMs: 5000, reason: "rate_limited" },
  ],
  [
    "stops at once on a 429 whose Retry-After exceeds maxRetryAfterMs, still retryable",
    answer(429, { "retry-after": "6" }),
    {},
    { action: "stop", retryable: true, reason: "retry_after_too_long" },
  ],
  [
    "stops on a 429 once the budget is spent, still retryable",
    answer(429, { "retry-after": "1" }),
    { retriesMade: 2 },
    { action: "stop", retryable: true, reason: "retries_exhausted" },
  ],
  [
    "retries a 503 after its Retry-After",
    answer(503, { "retry-after": "1" }),
    {},
    { action: "retry", waitMs: 1000, reason: "server_error" },
  ],
  [
    "retries a 500 after a backoff capped at 5 s",
    answer(500),
    { retriesMade: 9, maxNetworkRetries: 10, random: 0.999999 },
    { action: "retry", waitMs: 5000, reason: "server_error" },
  ],
  [
    "stops on a 500 once the budget is spent, still retryable",
    answer(500),
    { retriesMade: 2 },
    { action: "stop", retryable: true, reason: "retries_exhausted" },
  ],
  [
    "stops on a 502 at once with a budget of zero, still retryable",
    answer(502),
    { maxNetworkRetries: 0 },
    { action: "stop", retryable: true, reason: "retries_exhausted" },
  ],
  ...[400, 401, 402, 403, 404].map((status): [
    string,
    AttemptResult,
    Partial<RetryContext>,
    RetryDecision,
  ] => [
    `stops on a ${status}, not retryable`,
    answer(status),
    {},
    { action: "stop", retryable: false, reason: "not_retryable_status" },
  ]),
  [
    "stops on a 400 even with a Retry-After, not retryable",
    answer(400, { "retry-after": "1" }),
    {},
    { action: "stop", retryable: false, reason: "not_retryable_status" },
  ],
  [
    "stops on a 200: success, nothing to repeat",
    answer(200),
    {},
    { action: "stop", retryable: false, reason: "success" },
  ],
  [
    "stops on a 200 even with Stripe-Should-Retry: true",
    answer(200, { "stripe-should-retry": "true" }),
    {},
    { action: "stop", retryable: false, reason: "success" },
  ],
];

for (const [name, result, context, expected] of decisions) {
  Deno.test(`decideRetry() ${name}`, () => {
    assertEquals(decideRetry(result, { ...FIRST, ...context }), expected);
  });
}

Deno.test("decideRetry() waits min(500 ms × 2^n, 5 s) × jitter in [0.5, 1] between 5xx", () => {
  const waits = (random: number) =>
    [0, 1, 2, 3, 4].map((retriesMade) => {
      const decision = decideRetry(answer(500), {
        ...FIRST,
        retriesMade,
        maxNetworkRetries: 5,
        random,
      });
      return decision.action === "retry" ? decision.waitMs : undefined;
    });
  assertEquals(waits(0), [250, 500, 1000, 2000, 2500]);
  assertEquals(waits(0.999999), [500, 1000, 2000, 4000, 5000]);
});

Deno.test("backoffMs() doubles from 500 ms and caps at 5 s", () => {
  assertEquals([0, 1, 2, 3, 4, 10].map((n) => backoffMs(n, 0.999999)), [
    500,
    1000,
    2000,
    4000,
    5000,
    5000,
  ]);
});

Deno.test("backoffMs() jitters down to half the ceiling", () => {
  assertEquals([0, 1, 4].map((n) => backoffMs(n, 0)), [250, 500, 2500]);
});

Deno.test("parseRetryAfterMs() reads delay-seconds", () => {
  assertEquals(parseRetryAfterMs("2", 0), 2000);
  assertEquals(parseRetryAfterMs(" 0 ", 0), 0);
});

Deno.test("parseRetryAfterMs() reads an HTTP date relative to now", () => {
  const now = Date.parse("Wed, 25 Nov 2026 14:00:00 GMT");
  assertEquals(parseRetryAfterMs("Wed, 25 Nov 2026 14:00:03 GMT", now), 3000);
  assertEquals(parseRetryAfterMs("Wed, 25 Nov 2026 13:00:00 GMT", now), 0);
});

Deno.test("parseRetryAfterMs() ignores absent or unreadable values", () => {
  assertEquals(parseRetryAfterMs(null, 0), undefined);
  assertEquals(parseRetryAfterMs("soon", 0), undefined);
  assertEquals(parseRetryAfterMs("-1", 0), undefined);
});
