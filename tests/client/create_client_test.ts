import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  createClientWithSeams,
  createOnrampClient,
  type OnrampClientOptions,
} from "../../client/create_client.ts";
import { StripeApiError } from "../../client/errors.ts";
import * as publicApi from "../../mod.ts";
import {
  fakeUpstream,
  recordingSleep,
  sessionJson,
  stripeError,
} from "../_helpers/fake_upstream.ts";
import { RETRY_TABLE } from "../_helpers/retry_table.ts";

const SECRET = "sk_test_51SecretKeyThatMustNeverLeak";

function clientWith(
  fetch: (request: Request) => Promise<Response>,
  options: Partial<OnrampClientOptions> = {},
) {
  const { sleep, waits } = recordingSleep();
  let ids = 0;
  const client = createClientWithSeams({
    secretKey: SECRET,
    baseUrl: "https://stripe.test",
    ...options,
    fetch,
  }, { sleep, random: () => 0.5, randomId: () => `key_${++ids}` });
  return { client, waits };
}

Deno.test("createSession() posts a bracket-encoded form with bearer auth", async () => {
  const upstream = fakeUpstream(Response.json(sessionJson()));
  const { client } = clientWith(upstream.fetch);
  const session = await client.createSession({
    destination_networks: ["ethereum", "base"],
    destination_currency: "eth",
    wallet_addresses: { ethereum: "0xabc", base_network: "0xdef" },
    metadata: { order: "42" },
    lock_wallet_address: true,
  });
  assertEquals(session.id, "cos_test_123");
  const [seen] = upstream.requests;
  assert(seen);
  assertEquals(seen.method, "POST");
  assertEquals(seen.url.href, "https://stripe.test/v1/crypto/onramp_sessions");
  assertEquals(seen.headers.get("authorization"), `Bearer ${SECRET}`);
  assertEquals(seen.headers.get("content-type"), "application/x-www-form-urlencoded");
  assertEquals(
    seen.body,
    "destination_networks[0]=ethereum&destination_networks[1]=base&destination_currency=eth" +
      "&wallet_addresses[ethereum]=0xabc&wallet_addresses[base_network]=0xdef" +
      "&metadata[order]=42&lock_wallet_address=true",
  );
});

Deno.test("createSession() sends a generated Idempotency-Key, or the caller's", async () => {
  const upstream = fakeUpstream(Response.json(sessionJson()));
  const { client } = clientWith(upstream.fetch);
  await client.createSession({});
  await client.createSession({}, { idempotencyKey: "order-42" });
  assertEquals(upstream.requests.map((r) => r.headers.get("idempotency-key")), [
    "key_1",
    "order-42",
  ]);
});

Deno.test("createSession() uses crypto.randomUUID for keys by default", async () => {
  const upstream = fakeUpstream(Response.json(sessionJson()));
  const client = createOnrampClient({ secretKey: SECRET, fetch: upstream.fetch });
  await client.createSession({});
  await client.createSession({});
  const [first, second] = upstream.requests.map((r) => r.headers.get("idempotency-key") ?? "");
  assert(/^[0-9a-f-]{36}$/.test(first ?? ""), `not a UUID: ${first}`);
  assert(first !== second, "each create needs its own key");
});

Deno.test("createSession() rejects an Idempotency-Key longer than 255 characters", async () => {
  const { client } = clientWith(fakeUpstream(Response.json(sessionJson())).fetch);
  await assertRejects(
    () => client.createSession({}, { idempotencyKey: "k".repeat(256) }),
    RangeError,
    "'idempotencyKey' must be 1 to 255 characters",
  );
});

Deno.test("the client sends Stripe-Version only when pinned", async () => {
  const upstream = fakeUpstream(Response.json(sessionJson()));
  await clientWith(upstream.fetch).client.retrieveSession("cos_1");
  await clientWith(upstream.fetch, { stripeVersion: "2026-07-29.dahlia;crypto_onramp_beta=v2" })
    .client.retrieveSession("cos_1");
  assertEquals(upstream.requests.map((r) => r.headers.get("stripe-version")), [
    null,
    "2026-07-29.dahlia;crypto_onramp_beta=v2",
  ]);
});

Deno.test("createSession() retries 500s with the same Idempotency-Key and backs off", async () => {
  const upstream = fakeUpstream(
    stripeError(500, { type: "api_error", message: "boom" }),
    stripeError(503, { type: "api_error", message: "boom" }),
    Response.json(sessionJson()),
  );
  const { client, waits } = clientWith(upstream.fetch);
  const session = await client.createSession({ source_amount: "100" });
  assertEquals(session.id, "cos_test_123");
  assertEquals(upstream.requests.length, 3);
  assertEquals(new Set(upstream.requests.map((r) => r.headers.get("idempotency-key"))).size, 1);
  assertEquals(new Set(upstream.requests.map((r) => r.body)).size, 1);
  assertEquals(waits, [375, 750]); // 500 and 1000 ms ceilings, jitter factor 0.75
});

Deno.test("createSession() gives up after maxNetworkRetries and reports the attempts", async () => {
  const upstream = fakeUpstream(stripeError(502, { type: "api_error", message: "bad gateway" }));
  const { client } = clientWith(upstream.fetch, { maxNetworkRetries: 3 });
  const error = await assertRejects(() => client.createSession({}), StripeApiError);
  assertEquals(upstream.requests.length, 4);
  assertEquals([error.statusCode, error.attempts, error.retryable], [502, 4, true]);
});

Deno.test("createSession() retries a 409 lock conflict", async () => {
  const upstream = fakeUpstream(
    stripeError(409, { type: "invalid_request_error", code: "lock_timeout", message: "locked" }),
    Response.json(sessionJson()),
  );
  await clientWith(upstream.fetch).client.createSession({});
  assertEquals(upstream.requests.length, 2);
});

Deno.test("createSession() never retries a 400 and maps Stripe's error fields", async () => {
  const upstream = fakeUpstream(
    stripeError(400, {
      type: "invalid_request_error",
      code: "parameter_unknown",
      param: "wallet_addresses[base]",
      message: "Received unknown parameter: wallet_addresses[base]",
      doc_url: "https://docs.stripe.com/error-codes/parameter-unknown",
    }),
    Response.json(sessionJson()),
  );
  const { client, waits } = clientWith(upstream.fetch);
  const error = await assertRejects(() => client.createSession({}), StripeApiError);
  assertEquals(upstream.requests.length, 1);
  assertEquals(waits, []);
  assertEquals(
    {
      type: error.type,
      code: error.code,
      param: error.param,
      message: error.message,
      statusCode: error.statusCode,
      requestId: error.requestId,
      retryable: error.retryable,
    },
    {
      type: "invalid_request_error",
      code: "parameter_unknown",
      param: "wallet_addresses[base]",
      message: "Received unknown parameter: wallet_addresses[base]",
      statusCode: 400,
      requestId: "req_test123",
      retryable: false,
    },
  );
});

for (const status of [401, 402, 403, 404]) {
  Deno.test(`the client does not retry a ${status}`, async () => {
    const upstream = fakeUpstream(
      stripeError(status, { type: "invalid_request_error", message: "no" }),
    );
    await assertRejects(
      () => clientWith(upstream.fetch).client.retrieveSession("cos_1"),
      StripeApiError,
    );
    assertEquals(upstream.requests.length, 1);
  });
}

Deno.test("the client honours Stripe-Should-Retry: false on a 500", async () => {
  const upstream = fakeUpstream(
    stripeError(500, { type: "api_error", message: "no" }, { "stripe-should-retry": "false" }),
  );
  await assertRejects(() => clientWith(upstream.fetch).client.createSession({}), StripeApiError);
  assertEquals(upstream.requests.length, 1);
});

Deno.test("the client honours Stripe-Should-Retry: true on a 400", async () => {
  const upstream = fakeUpstream(
    stripeError(400, { type: "invalid_request_error", message: "retry" }, {
      "stripe-should-retry": "true",
    }),
    Response.json(sessionJson()),
  );
  await clientWith(upstream.fetch).client.createSession({});
  assertEquals(upstream.requests.length, 2);
});

Deno.test("the client waits out a short Retry-After on a 429", async () => {
  const upstream = fakeUpstream(
    stripeError(429, { type: "invalid_request_error", code: "rate_limit", message: "slow" }, {
      "retry-after": "2",
    }),
    Response.json(sessionJson()),
  );
  const { client, waits } = clientWith(upstream.fetch);
  await client.createSession({});
  assertEquals(upstream.requests.length, 2);
  assertEquals(waits, [2000]);
});

Deno.test("the client returns a 429 at once when Retry-After exceeds maxRetryAfterMs", async () => {
  const upstream = fakeUpstream(
    stripeError(429, { type: "invalid_request_error", code: "rate_limit", message: "slow" }, {
      "retry-after": "60",
    }),
  );
  const { client, waits } = clientWith(upstream.fetch);
  const error = await assertRejects(() => client.createSession({}), StripeApiError);
  assertEquals([upstream.requests.length, waits.length], [1, 0]);
  assertEquals([error.statusCode, error.code, error.retryable], [429, "rate_limit", true]);
});

Deno.test("the client waits for a Retry-After of up to 5 s by default, not longer", async () => {
  const waitFor = async (seconds: string) => {
    const upstream = fakeUpstream(
      stripeError(429, { type: "invalid_request_error", code: "rate_limit", message: "slow" }, {
        "retry-after": seconds,
      }),
      Response.json(sessionJson()),
    );
    const { client, waits } = clientWith(upstream.fetch);
    const outcome = await client.createSession({}).then(() => "session", (e) => e.retryable);
    return [outcome, upstream.requests.length, waits];
  };
  assertEquals(await waitFor("5"), ["session", 2, [5000]]);
  assertEquals(await waitFor("6"), [true, 1, []]);
});

Deno.test("the client retries dropped connections, then throws api_connection_error", async () => {
  const upstream = fakeUpstream(new TypeError("connection reset"));
  const { client } = clientWith(upstream.fetch);
  const error = await assertRejects(() => client.createSession({}), StripeApiError);
  assertEquals(upstream.requests.length, 3);
  assertEquals(new Set(upstream.requests.map((r) => r.headers.get("idempotency-key"))).size, 1);
  assertEquals(
    [error.type, error.code, error.statusCode, error.attempts, error.retryable],
    ["api_connection_error", "connection_error", undefined, 3, true],
  );
});

Deno.test("the client recovers when a dropped connection is followed by an answer", async () => {
  const upstream = fakeUpstream(new TypeError("reset"), Response.json(sessionJson()));
  const session = await clientWith(upstream.fetch).client.createSession({});
  assertEquals([session.id, upstream.requests.length], ["cos_test_123", 2]);
});

function hangUntilAborted(request: Request): Promise<Response> {
  return new Promise((_, reject) => {
    request.signal.addEventListener("abort", () => reject(request.signal.reason));
  });
}

Deno.test("the client times out each attempt after timeoutMs and retries", async () => {
  let calls = 0;
  const { client } = clientWith((request) => (calls++, hangUntilAborted(request)), {
    timeoutMs: 20,
    maxNetworkRetries: 1,
  });
  const error = await assertRejects(() => client.createSession({}), StripeApiError);
  assertEquals([calls, error.code, error.attempts], [2, "timeout", 2]);
  assertStringIncludes(error.message, "20 ms");
});

Deno.test("the client's deadline covers a body that stalls after the headers", async () => {
  const stalled = () =>
    Promise.resolve(new Response(new ReadableStream({ start() {} }), { status: 200 }));
  const { client } = clientWith(stalled, { timeoutMs: 20, maxNetworkRetries: 0 });
  const error = await assertRejects(() => client.retrieveSession("cos_1"), StripeApiError);
  assertEquals(error.code, "timeout");
});

Deno.test("the attempt's end cancels a stalled body, from a transport that ignores the signal", async () => {
  const cancelled: unknown[] = [];
  const stalled = () =>
    Promise.resolve(
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"id":'));
          },
          cancel(reason) {
            cancelled.push(reason);
          },
        }),
        { status: 200 },
      ),
    );
  const { client } = clientWith(stalled, { timeoutMs: 20, maxNetworkRetries: 0 });
  const error = await assertRejects(() => client.retrieveSession("cos_1"), StripeApiError);
  assertEquals(error.code, "timeout");
  assertEquals(cancelled.length, 1, "the body's source was cancelled once");
});

Deno.test("the client refuses a 2xx body that is not JSON, once, as not retryable", async () => {
  const upstream = fakeUpstream(new Response("<html>", { status: 200 }));
  const error = await assertRejects(
    () => clientWith(upstream.fetch).client.retrieveSession("cos_1"),
    StripeApiError,
  );
  assertEquals([error.type, error.code, error.statusCode], [
    "api_error",
    "upstream_invalid_response",
    200,
  ]);
  // Whatever answered did answer: the same request (a create's same Idempotency-Key) gets the
  // same body again.
  assertEquals([error.retryable, upstream.requests.length], [false, 1]);
  assert(!error.message.includes("<html>"), "the body itself is never in the message");
});

Deno.test("the client maps an error without a JSON body to api_error with the status", async () => {
  const upstream = fakeUpstream(new Response("Bad Gateway", { status: 502 }));
  const { client } = clientWith(upstream.fetch, { maxNetworkRetries: 0 });
  const error = await assertRejects(() => client.retrieveSession("cos_1"), StripeApiError);
  assertEquals([error.type, error.statusCode], ["api_error", 502]);
  assertStringIncludes(error.message, "HTTP 502");
});

Deno.test("the client's errors never hold the secret key, even a masked one", async () => {
  const upstream = fakeUpstream(stripeError(401, {
    type: "invalid_request_error",
    message: `Invalid API Key provided: ${SECRET.slice(0, 8)}****Leak and ${SECRET}`,
  }));
  const error = await assertRejects(
    () => clientWith(upstream.fetch).client.createSession({}),
    StripeApiError,
  );
  const everything = JSON.stringify({ ...error, message: error.message, stack: error.stack });
  assert(!everything.includes("sk_test"), everything);
  assertStringIncludes(error.message, "[redacted key]");
});

Deno.test("retrieveSession() percent-encodes the id in the path", async () => {
  const upstream = fakeUpstream(Response.json(sessionJson()));
  await clientWith(upstream.fetch).client.retrieveSession("cos_1/../../v1/charges");
  assertEquals(
    upstream.requests[0]?.url.pathname,
    "/v1/crypto/onramp_sessions/cos_1%2F..%2F..%2Fv1%2Fcharges",
  );
  assertEquals(upstream.requests[0]?.method, "GET");
});

Deno.test("listSessions() encodes filters and cursors in Stripe's notation", async () => {
  const list = {
    object: "list",
    url: "/v1/crypto/onramp_sessions",
    has_more: false,
    data: [sessionJson()],
  };
  const upstream = fakeUpstream(Response.json(list));
  const page = await clientWith(upstream.fetch).client.listSessions({
    limit: 3,
    created: { gte: 1700000000 },
    status: "fulfillment_complete",
    starting_after: "cos_9",
  });
  assertEquals(page.data[0]?.id, "cos_test_123");
  assertEquals(
    upstream.requests[0]?.url.search,
    "?limit=3&created[gte]=1700000000&status=fulfillment_complete&starting_after=cos_9",
  );
});

Deno.test("getQuotes() calls GET /v1/crypto/onramp_quotes with indexed arrays", async () => {
  const quotes = {
    id: "a".repeat(64),
    destination_network_quotes: { ethereum: [] },
    livemode: false,
    rate_fetched_at: 1674265506.3408287,
    source_amount: "100.00",
    source_currency: "usd",
  };
  const upstream = fakeUpstream(Response.json(quotes));
  const result = await clientWith(upstream.fetch).client.getQuotes({
    source_amount: "100.00",
    destination_currencies: ["eth", "usdc"],
    destination_networks: ["ethereum"],
  });
  assertEquals(result.rate_fetched_at, 1674265506.3408287);
  const seen = upstream.requests[0];
  assertEquals(seen?.url.pathname, "/v1/crypto/onramp_quotes");
  assertEquals(
    seen?.url.search,
    "?source_amount=100.00&destination_currencies[0]=eth&destination_currencies[1]=usdc&destination_networks[0]=ethereum",
  );
});

Deno.test("createOnrampClient() refuses a publishable key without echoing it", () => {
  const error = assertThrows(
    () => createOnrampClient({ secretKey: "pk_test_visible" }),
    TypeError,
    "'secretKey' is not a Stripe secret or restricted key",
  );
  assert(!error.message.includes("pk_test_visible"));
});

Deno.test("createOnrampClient() names the bad timing option", () => {
  assertThrows(
    () => createOnrampClient({ secretKey: SECRET, timeoutMs: -1 }),
    RangeError,
    "'timeoutMs' must be a positive integer: current value is -1",
  );
  assertThrows(
    () => createOnrampClient({ secretKey: SECRET, maxNetworkRetries: 1.5 }),
    RangeError,
    "'maxNetworkRetries'",
  );
});

Deno.test("createOnrampClient() refuses a fetch option that is not a function", () => {
  assertThrows(
    () =>
      createOnrampClient({
        secretKey: SECRET,
        fetch: "https://proxy.example" as unknown as typeof fetch,
      }),
    TypeError,
    "Cannot create onramp client as 'fetch' must be a function: current value is of type string",
  );
});

Deno.test("mod.ts offers the fetch option's factories but not the test seams", () => {
  assertEquals(
    ["createOnrampClient", "cryptoOnramp", "createClientWithSeams", "cryptoOnrampWithSeams"]
      .map((name) => name in publicApi),
    [true, true, false, false],
  );
});

Deno.test("createOnrampClient() sends every attempt through the fetch option", async () => {
  const upstream = fakeUpstream(
    stripeError(503, { type: "api_error", message: "busy" }),
    Response.json(sessionJson()),
  );
  const client = createClientWithSeams(
    { secretKey: SECRET, baseUrl: "https://stripe.test", fetch: upstream.fetch },
    { sleep: () => Promise.resolve() },
  );
  assertEquals((await client.retrieveSession("cos_1")).id, "cos_test_123");
  assertEquals(upstream.requests.map((r) => r.url.href), [
    "https://stripe.test/v1/crypto/onramp_sessions/cos_1",
    "https://stripe.test/v1/crypto/onramp_sessions/cos_1",
  ]);
});

Deno.test("createOnrampClient() looks up globalThis.fetch on each call, not at creation", async () => {
  const client = createOnrampClient({ secretKey: SECRET, baseUrl: "https://stripe.test" });
  const upstream = fakeUpstream(Response.json(sessionJson()));
  const original = globalThis.fetch;
  globalThis.fetch =
    ((input: RequestInfo | URL, init?: RequestInit) =>
      upstream.fetch(new Request(input, init))) as typeof fetch;
  try {
    assertEquals((await client.retrieveSession("cos_1")).id, "cos_test_123");
  } finally {
    globalThis.fetch = original;
  }
  assertEquals(upstream.requests.length, 1);
});

Deno.test("the client retries against a real HTTP upstream with one key", async () => {
  const seenKeys: string[] = [];
  // Connection: close, so Deno's fetch cannot silently replay on a reused socket.
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => {
    seenKeys.push(request.headers.get("idempotency-key") ?? "");
    const headers = { connection: "close" };
    return seenKeys.length < 3
      ? Response.json({ error: { type: "api_error", message: "try again" } }, {
        status: 500,
        headers,
      })
      : Response.json(sessionJson(), { headers });
  });
  try {
    const client = createClientWithSeams({
      secretKey: SECRET,
      baseUrl: `http://127.0.0.1:${server.addr.port}`,
    }, { sleep: () => Promise.resolve() });
    const session = await client.createSession({});
    assertInstanceOf(session, Object);
    assertEquals(seenKeys.length, 3);
    assertEquals(new Set(seenKeys).size, 1);
  } finally {
    await server.shutdown();
  }
});

for (const row of RETRY_TABLE) {
  Deno.test(
    `the client makes ${row.attempts} attempt(s) on ${row.name} and throws retryable: ${row.retryable}`,
    async () => {
      const upstream = row.upstream();
      const { client, waits } = clientWith(upstream.fetch, row.options);
      const error = await assertRejects(() => client.createSession({}), StripeApiError);
      assertEquals(upstream.requests.length, row.attempts, "attempts Stripe received");
      assertEquals(
        [error.attempts, error.retryable, waits],
        [row.attempts, row.retryable, row.waits],
      );
      assertEquals(new Set(upstream.requests.map((r) => r.headers.get("idempotency-key"))).size, 1);
    },
  );
}
