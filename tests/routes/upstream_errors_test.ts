import { assert, assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { fromUpstream } from "../../routes/_from_upstream.ts";
import { fakeUpstream, sessionJson, stripeError } from "../_helpers/fake_upstream.ts";
import { postSession, serveOnramp, serveUpstream } from "../_helpers/http_upstream.ts";
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

// --- Through the real HTTP stack: the app under Deno.serve, Stripe a recording HTTP server ---

Deno.test("a platform fetch that follows a redirect anyway still gets no invention passed on", async () => {
  const elsewhere = serveUpstream(() =>
    Response.json(sessionJson({ id: "cos_INVENTED", client_secret: "cos_INVENTED_secret_x" }))
  );
  const stripe = serveUpstream(() =>
    new Response(null, { status: 307, headers: { location: `${elsewhere.url}/v1/x` } })
  );
  // An egress wrapper that rebuilds each request and so drops its redirect mode.
  const follows = async (request: Request) =>
    fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body === null ? null : await request.arrayBuffer(),
    });
  const app = serveOnramp({ stripeApiBase: stripe.url, fetch: follows });
  try {
    const answer = await postSession(app.url);
    assertEquals(answer.status, 502, answer.text);
    const error = answer.body.error as Record<string, unknown>;
    assertEquals([error.code, error.retryable], ["upstream_redirect", false]);
    assert(!answer.text.includes("INVENTED"), answer.text);
    assertEquals(stripe.requests.length, 1, "not retried");
  } finally {
    await app.close();
    await stripe.close();
    await elsewhere.close();
  }
});

Deno.test("a stalled Stripe is answered at deadlineMs, not after every attempt's timeout", async () => {
  const stripe = serveUpstream(() => stripe.stall());
  const app = serveOnramp({ stripeApiBase: stripe.url, timeoutMs: 400, deadlineMs: 1_000 });
  try {
    const started = performance.now();
    const answer = await postSession(app.url);
    const elapsed = performance.now() - started;
    assertEquals(answer.status, 504, answer.text);
    assertEquals((answer.body.error as Record<string, unknown>).retryable, true);
    // Attempts of 400 ms with waits of 250–500 ms: without the deadline, three attempts and two
    // waits take 1.6 s or more.
    assert(elapsed >= 950 && elapsed < 1_400, `answered after ${elapsed.toFixed(0)} ms`);
    assertEquals(stripe.requests.length, 2);
  } finally {
    // Stripe first: it ends the stalled answers, which the app's shutdown waits for.
    await stripe.close();
    await app.close();
  }
});

Deno.test("an attempt gets only what is left of deadlineMs, however long timeoutMs is", async () => {
  const stripe = serveUpstream(() => stripe.stall());
  const app = serveOnramp({ stripeApiBase: stripe.url, timeoutMs: 30_000, deadlineMs: 500 });
  try {
    const started = performance.now();
    const answer = await postSession(app.url, undefined, AbortSignal.timeout(5_000));
    const elapsed = performance.now() - started;
    assertEquals(answer.status, 504, answer.text);
    assert(elapsed >= 450 && elapsed < 900, `answered after ${elapsed.toFixed(0)} ms`);
    assertEquals(stripe.requests.length, 1);
  } finally {
    // Stripe first: it ends the stalled answers, which the app's shutdown waits for.
    await stripe.close();
    await app.close();
  }
});

Deno.test("no retry is made whose backoff would end after deadlineMs", async () => {
  const stripe = serveUpstream(() =>
    Response.json({ error: { type: "api_error", message: "boom" } }, { status: 500 })
  );
  const app = serveOnramp({ stripeApiBase: stripe.url, deadlineMs: 600, maxNetworkRetries: 5 });
  try {
    const started = performance.now();
    const answer = await postSession(app.url, undefined, AbortSignal.timeout(5_000));
    const elapsed = performance.now() - started;
    assertEquals(answer.status, 502, answer.text);
    assertEquals((answer.body.error as Record<string, unknown>).retryable, true);
    // A first wait of 250–500 ms fits; the second (500–1,000 ms) would end past 600 ms.
    assertEquals(stripe.requests.length, 2);
    assert(elapsed < 600, `answered after ${elapsed.toFixed(0)} ms`);
  } finally {
    // Stripe first: it ends the stalled answers, which the app's shutdown waits for.
    await stripe.close();
    await app.close();
  }
});

Deno.test("a parameter the client cannot encode is not reported as an upstream fault", async () => {
  const stripe = serveUpstream(() => Response.json(sessionJson()));
  const app = serveOnramp({ stripeApiBase: stripe.url });
  try {
    const answer = await postSession(app.url, {
      destination_networks: ["ethereum"],
      wallet_addresses: { ethereum: "0x\ud800" },
    });
    const error = answer.body.error as Record<string, unknown>;
    assert(![502, 503, 504].includes(answer.status), answer.text);
    assert(!String(error.code).startsWith("upstream"), answer.text);
    assertEquals(stripe.requests.length, 0, "Stripe was contacted");
    const told = JSON.stringify(app.logs);
    assert(
      app.logs.every((entry) => ![502, 503, 504].includes(entry.status ?? 0)) &&
        !/calling stripe|unreachable|reach stripe|upstream/i.test(told),
      `logged as an upstream fault: ${told}`,
    );
  } finally {
    // Stripe first: it ends the stalled answers, which the app's shutdown waits for.
    await stripe.close();
    await app.close();
  }
});

Deno.test("fromUpstream() hands back an error that is not Stripe's, unlogged", () => {
  const logs: unknown[] = [];
  const local = new TypeError('Cannot encode "metadata[x]" for Stripe');
  assertStrictEquals(fromUpstream(local, (entry) => logs.push(entry)), local);
  assertEquals(logs, []);
});

Deno.test("a platform's logger gets every entry redacted, whatever Stripe's message held", async () => {
  const secrets = ["sk_live_abc123-def456", "whsec_SigningSecret", "cos_1_secret_ClientSecret"];
  const upstream = fakeUpstream(stripeError(400, {
    type: "invalid_request_error",
    message: `Nope: ${secrets.join(" ")}`,
    param: `metadata[${secrets[1]}]`,
  }, { "request-id": `req_1 ${secrets[0]}` }));
  const { request, logs } = testApp({ upstream });
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 400);
  const seen = `${await res.text()}\n${JSON.stringify(logs)}`;
  for (const leak of ["def456", "SigningSecret", "ClientSecret"]) {
    assert(!seen.includes(leak), `${leak} leaked: ${seen}`);
  }
  assert(logs.length > 0 && logs[0]!.message.includes("[redacted key]"), JSON.stringify(logs));
});

Deno.test("cryptoOnramp() refuses a logger that is not a function, at start-up", () => {
  const error = assertThrows(
    () => testApp({ logger: "console" as unknown as () => void }),
    TypeError,
  );
  assert(error.message.includes("'logger'"), error.message);
});
