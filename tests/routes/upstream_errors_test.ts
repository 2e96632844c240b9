import { assert, assertEquals } from "@std/assert";
import { fakeUpstream, sessionJson, stripeError } from "../_helpers/fake_upstream.ts";
import { RETRY_TABLE } from "../_helpers/retry_table.ts";
import { errorOf, jsonPost, SECRET_KEY, testApp } from "../_helpers/onramp_app.ts";

Deno.test("a Stripe 400 passes through in Stripe's shape without internals", async () => {
  const upstream = fakeUpstream(stripeError(400, {
    type: "invalid_request_error",
    code: "crypto_onramp_unsupportable_customer",
    param: "customer_ip_address",
    message: "This customer is in a region the onramp does not support",
    doc_url: "https://docs.stripe.com/error-codes",
    request_log_url: "https://dashboard.stripe.com/logs/req_1",
  }));
  const { request } = testApp({ upstream });
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 400);
  assertEquals(await res.json(), {
    error: {
      type: "invalid_request_error",
      code: "crypto_onramp_unsupportable_customer",
      param: "customer_ip_address",
      message: "This customer is in a region the onramp does not support",
    },
  });
  assertEquals(upstream.requests.length, 1, "a 400 is never retried");
});

Deno.test("Stripe refusing the platform's key becomes a 502 that says nothing about keys", async () => {
  for (const status of [401, 403]) {
    const upstream = fakeUpstream(stripeError(status, {
      type: "invalid_request_error",
      message: `Invalid API Key provided: ${SECRET_KEY.slice(0, 12)}****Resp`,
    }));
    const { request, logs } = testApp({ upstream });
    const res = await request("/onramp/sessions", jsonPost({}));
    assertEquals(res.status, 502);
    const error = await errorOf(res);
    assertEquals([error.code, error.retryable], ["upstream_misconfigured", false]);
    assertEquals(logs[0]?.level, "error");
    assertEquals(logs[0]?.requestId, "req_test123");
  }
});

Deno.test("Stripe 5xx, after the client's retries, become a retryable 502", async () => {
  const upstream = fakeUpstream(
    stripeError(500, { type: "api_error", message: "internal: db shard 7" }),
  );
  const { request } = testApp({ upstream });
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 502);
  const body = await res.text();
  assert(!body.includes("shard"), "upstream internals must not reach the browser");
  assertEquals(JSON.parse(body).error.retryable, true);
  assertEquals(upstream.requests.length, 3, "two retries by default");
});

Deno.test("a Stripe 429 that outlasts the retries becomes a retryable 503", async () => {
  const upstream = fakeUpstream(
    stripeError(429, { type: "invalid_request_error", code: "rate_limit", message: "slow" }),
  );
  const { request } = testApp({ upstream });
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 503);
  assertEquals((await errorOf(res)).retryable, true);
});

Deno.test("an unreachable Stripe becomes a retryable 502, a silent one a 504", async () => {
  const dropped = testApp({ upstream: fakeUpstream(new TypeError("connection refused")) });
  const res = await dropped.request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 502);
  assertEquals((await errorOf(res)).code, "upstream_unreachable");

  const silent = testApp({
    timeoutMs: 10,
    maxNetworkRetries: 0,
    upstream: {
      requests: [],
      fetch: (req) =>
        new Promise((_, reject) =>
          req.signal.addEventListener("abort", () => reject(req.signal.reason))
        ),
    },
  });
  const timedOut = await silent.request("/onramp/sessions", jsonPost({}));
  assertEquals(timedOut.status, 504);
  const error = await errorOf(timedOut);
  assertEquals([error.code, error.retryable], ["upstream_timeout", true]);
});

Deno.test("an upstream that recovers within the retries yields one session", async () => {
  const upstream = fakeUpstream(
    stripeError(503, { type: "api_error", message: "busy" }),
    new TypeError("reset"),
    Response.json(sessionJson()),
  );
  const { request } = testApp({ upstream });
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 200);
  const keys = new Set(upstream.requests.map((r) => r.headers.get("idempotency-key")));
  assertEquals([upstream.requests.length, keys.size], [3, 1]);
});

Deno.test("no response or log line ever holds the secret key or a client_secret", async () => {
  const answers = [
    stripeError(401, {
      type: "invalid_request_error",
      message: `Invalid API Key provided: ${SECRET_KEY}`,
    }),
    stripeError(400, {
      type: "invalid_request_error",
      message: `bad key ${SECRET_KEY}`,
      param: "x",
    }),
    stripeError(500, { type: "api_error", message: `boom ${SECRET_KEY}` }),
    new TypeError(`socket ${SECRET_KEY}`),
  ];
  for (const answer of answers) {
    const { request, logs } = testApp({ upstream: fakeUpstream(answer) });
    const res = await request("/onramp/sessions", jsonPost({}));
    const seen = [await res.text(), ...res.headers.values(), JSON.stringify(logs)].join("\n");
    assert(!seen.includes("sk_test"), seen);
  }
  const ok = testApp();
  await ok.request("/onramp/sessions", jsonPost({}));
  await ok.request("/onramp/sessions", jsonPost({ destination_network: "nowhere" }));
  assert(!JSON.stringify(ok.logs).includes("_secret_"), JSON.stringify(ok.logs));
});

for (const row of RETRY_TABLE) {
  const { status, retryable } = row.browser;
  const told = retryable === undefined ? "" : ` with retryable: ${retryable}`;
  Deno.test(`the browser gets ${status}${told} after ${row.name}`, async () => {
    const upstream = row.upstream();
    const { request } = testApp({ upstream, ...row.options });
    const res = await request("/onramp/sessions", jsonPost({}));
    assertEquals(res.status, status);
    assertEquals(upstream.requests.length, row.attempts, "attempts Stripe received");
    if (retryable !== undefined) assertEquals((await errorOf(res)).retryable, retryable);
  });
}
