import { assert, assertEquals, assertThrows } from "@std/assert";
import type { RateLimitOptions } from "../../ratelimit/rate_limit.ts";
import type { RateLimitStore } from "../../ratelimit/store.ts";
import { errorOf, jsonPost, testApp } from "../_helpers/onramp_app.ts";

// A day-long window: a test crossing a window's end (which would reset its counts) is unlikely.
const DAY_MS = 86_400_000;
const LIMIT = { limit: 3, windowMs: DAY_MS };

function createSession(app: ReturnType<typeof testApp>, ip?: string, headers = {}) {
  return app.request("/onramp/sessions", jsonPost({}, headers), ip);
}

/** A store that records the keys it is asked about and counts like the memory store. */
function spyStore(): RateLimitStore & { keys: string[] } {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  return {
    keys,
    hit(key, windowMs, nowMs) {
      keys.push(key);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const resetAtMs = (Math.floor(nowMs / windowMs) + 1) * windowMs;
      return Promise.resolve({ count: counts.get(key)!, resetAtMs });
    },
  };
}

const failingStore: RateLimitStore = {
  hit: () => Promise.reject(new Error("KV unreachable")),
};

Deno.test("rateLimit allows `limit` requests per address, then refuses with Stripe's 429", async () => {
  const app = testApp({ rateLimit: LIMIT });
  for (let i = 0; i < 3; i++) assertEquals((await createSession(app)).status, 200);
  const res = await createSession(app);
  assertEquals(res.status, 429);
  const error = await errorOf(res);
  assertEquals([error.type, error.code], ["invalid_request_error", "rate_limit"]);
  const retryAfter = Number(res.headers.get("retry-after"));
  assert(retryAfter >= 1 && retryAfter <= 86_400, `Retry-After: ${retryAfter}`);
  assertEquals(
    error.message,
    `Too many requests from this address: try again in ${retryAfter} s`,
  );
  assertEquals(app.upstream.requests.length, 3, "a refused request never reaches Stripe");
});

Deno.test("rateLimit counts each address on its own", async () => {
  const app = testApp({ rateLimit: { limit: 1, windowMs: DAY_MS } });
  assertEquals((await createSession(app, "203.0.113.7")).status, 200);
  assertEquals((await createSession(app, "203.0.113.7")).status, 429);
  assertEquals((await createSession(app, "198.51.100.23")).status, 200);
  assertEquals((await createSession(app, "2001:db8::1")).status, 200);
  // The same address however written: the customer IP is canonical before it is a key.
  assertEquals((await createSession(app, "2001:DB8:0:0:0:0:0:1")).status, 429);
});

Deno.test("rateLimit counts a whole IPv6 /64 as one customer", async () => {
  const store = spyStore();
  const app = testApp({ rateLimit: { limit: 1, windowMs: DAY_MS, store } });
  assertEquals((await createSession(app, "2001:db8:1:2::1")).status, 200);
  // Another address in the same /64: the same household or the same attacker.
  assertEquals((await createSession(app, "2001:db8:1:2:ffff::9")).status, 429);
  assertEquals((await createSession(app, "2001:db8:1:3::1")).status, 200);
  assertEquals(store.keys, [
    "2001:0db8:0001:0002::/64",
    "2001:0db8:0001:0002::/64",
    "2001:0db8:0001:0003::/64",
  ]);
});

Deno.test("rateLimit sets RateLimit-Limit, -Remaining and -Reset on every answer", async () => {
  const app = testApp({ rateLimit: LIMIT });
  const answers = [
    await createSession(app), // 200
    await app.request("/onramp/sessions/pi_not_a_session"), // 400 from validation
    await app.request("/onramp/quotes?source_currency=xyz"), // 400 from validation
    await createSession(app), // 429
  ];
  const seen = answers.map((res) => [
    res.status,
    res.headers.get("ratelimit-limit"),
    res.headers.get("ratelimit-remaining"),
  ]);
  assertEquals(seen, [[200, "3", "2"], [400, "3", "1"], [400, "3", "0"], [429, "3", "0"]]);
  for (const res of answers) {
    const reset = Number(res.headers.get("ratelimit-reset"));
    assert(Number.isInteger(reset) && reset >= 1 && reset <= 86_400, `RateLimit-Reset: ${reset}`);
  }
});

Deno.test("rateLimit counts a POST /sessions once, though two patterns could match it", async () => {
  const app = testApp({ rateLimit: { limit: 10, windowMs: DAY_MS } });
  const remaining = [];
  for (let i = 0; i < 3; i++) {
    remaining.push((await createSession(app)).headers.get("ratelimit-remaining"));
  }
  assertEquals(remaining, ["9", "8", "7"]);
});

Deno.test("rateLimit derives Retry-After and RateLimit-Reset from the store's window end", async () => {
  const store: RateLimitStore = {
    hit: (_key, _windowMs, nowMs) => Promise.resolve({ count: 2, resetAtMs: nowMs + 30_500 }),
  };
  const app = testApp({ rateLimit: { limit: 1, windowMs: DAY_MS, store } });
  const res = await createSession(app);
  assertEquals(res.status, 429);
  // 30.5 s rounds up: a client that waits that long is sure to be in the next window.
  assertEquals([res.headers.get("retry-after"), res.headers.get("ratelimit-reset")], ["31", "31"]);
  assertEquals(
    (await errorOf(res)).message,
    "Too many requests from this address: try again in 31 s",
  );
});

Deno.test("rateLimit leaves /openapi.json and /docs unlimited", async () => {
  const app = testApp({ rateLimit: { limit: 1, windowMs: DAY_MS } });
  assertEquals((await createSession(app)).status, 200);
  assertEquals((await createSession(app)).status, 429);
  for (let i = 0; i < 3; i++) {
    for (const path of ["/onramp/openapi.json", "/onramp/docs"]) {
      const res = await app.request(path);
      assertEquals(res.status, 200, path);
      assertEquals(res.headers.get("ratelimit-limit"), null, path);
      await res.body?.cancel();
    }
  }
});

Deno.test("rateLimit limits GET /sessions/{id} and GET /quotes in the same bucket", async () => {
  const app = testApp({ rateLimit: { limit: 2, windowMs: DAY_MS } });
  assertEquals((await app.request("/onramp/sessions/cos_test_123")).status, 200);
  await createSession(app);
  assertEquals((await app.request("/onramp/quotes")).status, 429);
  assertEquals((await app.request("/onramp/sessions/cos_test_123")).status, 429);
});

Deno.test("rateLimit gives no fresh bucket for a spoofed X-Forwarded-For", async () => {
  const app = testApp({ rateLimit: { limit: 2, windowMs: DAY_MS } });
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    const spoof = { "x-forwarded-for": `6.6.6.${i}`, "x-real-ip": `6.6.6.${i}` };
    statuses.push((await createSession(app, "203.0.113.7", spoof)).status);
  }
  assertEquals(statuses, [200, 200, 429, 429]);
});

Deno.test("rateLimit puts requests with no customer IP in one shared bucket", async () => {
  const store = spyStore();
  const app = testApp({
    getClientIp: () => undefined,
    onMissingIp: "omit",
    rateLimit: { limit: 1, windowMs: DAY_MS, store },
  });
  assertEquals((await createSession(app, "203.0.113.7")).status, 200);
  assertEquals((await createSession(app, "198.51.100.23")).status, 429);
  assertEquals(store.keys, ["unknown", "unknown"]);
});

Deno.test("rateLimit counts by a custom key when given one", async () => {
  const app = testApp({
    rateLimit: { limit: 1, windowMs: DAY_MS, key: (c) => c.req.header("x-user-id") },
  });
  assertEquals((await createSession(app, "203.0.113.7", { "x-user-id": "u1" })).status, 200);
  assertEquals((await createSession(app, "203.0.113.7", { "x-user-id": "u2" })).status, 200);
  const res = await createSession(app, "198.51.100.23", { "x-user-id": "u1" });
  assertEquals(res.status, 429);
  // Not "from this address": the key is not an address.
  assert((await errorOf(res)).message?.toString().startsWith("Too many requests: try again in"));
});

Deno.test("rateLimit logs the first refusal of a window once, without the address", async () => {
  const app = testApp({ rateLimit: { limit: 1, windowMs: DAY_MS } });
  for (let i = 0; i < 5; i++) await createSession(app);
  const refusals = app.logs.filter((entry) => entry.status === 429);
  assertEquals(refusals.length, 1);
  assertEquals([refusals[0]?.level, refusals[0]?.code], ["warn", "rate_limit"]);
  assert(!JSON.stringify(app.logs).includes("203.0.113.7"));
});

Deno.test("rateLimit lets requests through, logged, when the store fails", async () => {
  const app = testApp({ rateLimit: { ...LIMIT, store: failingStore } });
  for (let i = 0; i < 5; i++) {
    const res = await createSession(app);
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("ratelimit-remaining"), null, "no count is known");
  }
  assertEquals(app.logs.length, 5);
  assertEquals(app.logs[0]?.level, "error");
  assert(app.logs[0]?.message.includes("KV unreachable"), app.logs[0]?.message);
});

Deno.test("rateLimit answers a retryable 503 when the store fails and onStoreError is deny", async () => {
  const app = testApp({ rateLimit: { ...LIMIT, store: failingStore, onStoreError: "deny" } });
  const res = await createSession(app);
  assertEquals(res.status, 503);
  const error = await errorOf(res);
  assertEquals([error.type, error.code, error.retryable], [
    "api_error",
    "rate_limit_unavailable",
    true,
  ]);
  assertEquals(app.upstream.requests.length, 0);
  assertEquals(app.logs.map((entry) => [entry.level, entry.status]), [["error", 503]]);
});

Deno.test("rateLimit exposes its headers to cross-origin pages", async () => {
  const origin = "https://app.example.com";
  const app = testApp({ allowedOrigins: [origin], rateLimit: { limit: 1, windowMs: DAY_MS } });
  await createSession(app, undefined, { origin });
  const res = await createSession(app, undefined, { origin });
  assertEquals(res.status, 429);
  const exposed = res.headers.get("access-control-expose-headers")?.toLowerCase() ?? "";
  for (const name of ["retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]) {
    assert(exposed.includes(name), `${name} not in ${exposed}`);
  }
});

Deno.test("cryptoOnramp refuses rateLimit options that are out of range at start-up", () => {
  const cases: [Partial<RateLimitOptions>, string][] = [
    [{ limit: 0 }, "'rateLimit.limit' must be a positive integer: current value is 0"],
    [{ limit: 2.5 }, "'rateLimit.limit' must be a positive integer: current value is 2.5"],
    [{ windowMs: -1 }, "'rateLimit.windowMs' must be a positive integer: current value is -1"],
    [{ windowMs: NaN }, "'rateLimit.windowMs' must be a positive integer: current value is NaN"],
  ];
  for (const [override, message] of cases) {
    assertThrows(
      () => testApp({ rateLimit: { ...LIMIT, ...override } }),
      RangeError,
      `Cannot create onramp handler as ${message}`,
    );
  }
  assertThrows(
    () => testApp({ rateLimit: { ...LIMIT, onStoreError: "ignore" as "allow" } }),
    TypeError,
    `'rateLimit.onStoreError' must be "allow" or "deny": current value is "ignore"`,
  );
});
