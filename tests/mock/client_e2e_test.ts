/**
 * The real client (`client/create_client.ts`: encoding, retries, idempotency keys, error
 * mapping) against the mock, in process and over a real socket.
 */
import { assertEquals, assertInstanceOf, assertRejects } from "@std/assert";
import { createClientWithSeams } from "../../client/create_client.ts";
import { StripeApiError } from "../../client/errors.ts";
import { serveStripeMock } from "../../mock/serve_mock.ts";
import { createStripeMock, type StripeMock } from "../../mock/stripe_mock.ts";
import { KEY, SESSIONS } from "./_helpers.ts";

const noSleep = () => Promise.resolve();

function inProcessClient(mock: StripeMock, sleeps: number[] = []) {
  return createClientWithSeams({
    secretKey: KEY,
    baseUrl: "https://api.stripe.test",
    fetch: mock.fetch,
  }, {
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
}

Deno.test("createOnrampClient() survives a 500 and a dropped connection with one session and one key", async () => {
  const mock = createStripeMock();
  mock.failNext({ kind: "status", status: 500 }, { kind: "drop" });
  const client = inProcessClient(mock);
  const session = await client.createSession({
    destination_currency: "eth",
    destination_network: "ethereum",
    destination_networks: ["ethereum", "base"],
    wallet_addresses: { base_network: "0x742d35Cc6634C0532925a3b844Bc454e4438f44e" },
    customer_ip_address: "203.0.113.7",
  });
  assertEquals(mock.stats, { requests: 3, faultsInjected: 2, sessionsCreated: 1 });
  const [record, ...others] = mock.sessions();
  assertEquals(others, []);
  assertEquals(record?.session, session);
  assertEquals(record?.received_customer_ip_address, "203.0.113.7");
  const keys = mock.createsByIdempotencyKey();
  assertEquals(keys.size, 1);
  assertEquals([...keys.values()], [1]);
});

Deno.test("createOnrampClient() retries a lost answer under the same key and gets the same session", async () => {
  const mock = createStripeMock();
  mock.failNext({ fault: { kind: "drop" }, when: "after" });
  const session = await inProcessClient(mock).createSession({ source_amount: "25" });
  assertEquals(mock.stats.sessionsCreated, 1);
  assertEquals(mock.sessions()[0]?.session.id, session.id);
  assertEquals([...mock.createsByIdempotencyKey().values()], [1]);
});

Deno.test("createOnrampClient() waits out the mock's Retry-After on a rate limit", async () => {
  const mock = createStripeMock();
  mock.failNext({ kind: "rate_limit", retryAfterSeconds: 1 });
  const sleeps: number[] = [];
  const page = await inProcessClient(mock, sleeps).listSessions({ limit: 5 });
  assertEquals(page.object, "list");
  assertEquals(sleeps, [1000]);
});

Deno.test("createOnrampClient() surfaces the mock's Stripe errors with type, code and param", async () => {
  const client = inProcessClient(createStripeMock());
  const error = await assertRejects(
    () => client.createSession({ customer_ip_address: "192.0.2.44" }),
    StripeApiError,
  );
  assertEquals([error.statusCode, error.code], [400, "crypto_onramp_unsupportable_customer"]);
  const missing = await assertRejects(() => client.retrieveSession("cos_gone"), StripeApiError);
  assertEquals([missing.statusCode, missing.code, missing.param], [
    404,
    "resource_missing",
    "session",
  ]);
  const quotes = await client.getQuotes({ destination_networks: ["solana"] });
  assertEquals(quotes.destination_network_quotes?.solana?.length, 2);
});

Deno.test("serveStripeMock() turns a drop into a network error the client retries", async () => {
  const stop = new AbortController();
  const mock = createStripeMock();
  const server = serveStripeMock(mock, { signal: stop.signal });
  try {
    const client = (maxNetworkRetries: number) =>
      createClientWithSeams({ secretKey: KEY, baseUrl: server.url, maxNetworkRetries }, {
        sleep: noSleep,
      });

    // Without retries the drop is what the caller sees: no answer, a connection error.
    mock.failNext({ kind: "drop" });
    const error = await assertRejects(() => client(0).createSession({}), StripeApiError);
    assertEquals([error.type, error.code, error.statusCode], [
      "api_connection_error",
      "connection_error",
      undefined,
    ]);
    assertEquals(mock.stats.sessionsCreated, 0);

    // With retries the second attempt goes through, under the same key.
    mock.reset();
    mock.failNext({ fault: { kind: "drop" }, when: "after" });
    const session = await client(2).createSession({ destination_currencies: ["usdc"] });
    assertEquals(mock.stats.requests, 2);
    assertEquals(mock.stats.sessionsCreated, 1);
    assertEquals(mock.sessions()[0]?.session.id, session.id);
    assertEquals([...mock.createsByIdempotencyKey().values()], [1]);
  } finally {
    stop.abort();
    await server.finished;
  }
});

Deno.test("serveStripeMock() closes every connection and keeps Stripe's headers", async () => {
  const stop = new AbortController();
  const server = serveStripeMock(createStripeMock(), { signal: stop.signal });
  try {
    const res = await fetch(`${server.url}${SESSIONS}`, {
      headers: { Authorization: `Bearer ${KEY}` },
    });
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("Connection"), "close");
    assertEquals(res.headers.get("Request-Id")?.startsWith("req_"), true);
    assertInstanceOf(await res.json(), Object);
  } finally {
    stop.abort();
    await server.finished;
  }
});
