import { assertEquals } from "@std/assert";
import { backoffMs, isRetryable, parseRetryAfterMs } from "../../client/retry.ts";

const answer = (status: number, headers: Record<string, string> = {}) => ({
  response: new Response(null, { status, headers }),
});

const cases: ReadonlyArray<
  [name: string, result: Parameters<typeof isRetryable>[0], retry: boolean]
> = [
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
  Deno.test(`isRetryable() ${retry ? "retries" : "does not retry"} ${name}`, () => {
    assertEquals(isRetryable(result), retry);
  });
}

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
