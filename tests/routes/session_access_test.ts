/**
 * Who may read what of a session (README, "Who may read what"): the id alone gives its status;
 * the full view needs its `client_secret` in the `Onramp-Client-Secret` header; and what the
 * proxy relays of Stripe's answer is only what Stripe documents, of the documented type.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import { fakeUpstream, sessionJson } from "../_helpers/fake_upstream.ts";
import { jsonPost } from "../_helpers/onramp_app.ts";
import { serveTestApp } from "../_helpers/served_test_app.ts";

const SECRET = "cos_test_123_secret_abc";
const OTHER_SECRET = "cos_test_456_secret_def";

// A session as Stripe returns it once delivered: wallets, hash and hosted link all set.
const delivered = sessionJson({
  status: "fulfillment_complete",
  redirect_url: "https://crypto.link.com/session/cos_test_123",
  transaction_details: {
    ...(sessionJson().transaction_details as Record<string, unknown>),
    destination_network: "ethereum",
    transaction_id: "0xhash",
    wallet_address: "0xcustomer",
    wallet_addresses: { ethereum: "0xcustomer", destination_tags: { stellar: null } },
  },
});

function stripeHolding(session: Record<string, unknown>) {
  return fakeUpstream(Response.json(session));
}

Deno.test("GET /sessions/{id} with the id alone answers the status only: no wallets, hash or link", async () => {
  await using app = serveTestApp({ upstream: stripeHolding(delivered) });
  const res = await app.fetch("/sessions/cos_test_123");
  assertEquals(res.status, 200);
  const body = await res.json();
  assertEquals(body, { id: "cos_test_123", status: "fulfillment_complete", livemode: false });
  assertEquals(app.upstream.requests.length, 1);
});

Deno.test("GET /sessions/{id} with the session's client_secret in the header answers the full view", async () => {
  await using app = serveTestApp({ upstream: stripeHolding(delivered) });
  const res = await app.fetch("/sessions/cos_test_123", {
    headers: { "Onramp-Client-Secret": SECRET },
  });
  assertEquals(res.status, 200);
  const body = await res.json();
  assertEquals(Object.keys(body).sort(), [
    "id",
    "livemode",
    "redirect_url",
    "status",
    "transaction_details",
  ]);
  assertEquals(body.transaction_details.wallet_addresses.ethereum, "0xcustomer");
  assertEquals(body.transaction_details.transaction_id, "0xhash");
  assertEquals(body.client_secret, undefined, "the secret is never echoed");
  assert(!JSON.stringify(app.logs).includes(SECRET), "the secret is never logged");
});

Deno.test("GET /sessions/{id} refuses a wrong secret, or another session's, with 403 and no data", async () => {
  await using app = serveTestApp({ upstream: stripeHolding(delivered) });
  for (const secret of [OTHER_SECRET, `${SECRET}x`, SECRET.slice(0, -1), "x"]) {
    const res = await app.fetch("/sessions/cos_test_123", {
      headers: { "Onramp-Client-Secret": secret },
    });
    assertEquals(res.status, 403, secret);
    const text = await res.text();
    assertEquals(text.includes("0xcustomer") || text.includes("0xhash"), false);
    const { error } = JSON.parse(text);
    assertEquals([error.type, error.code, error.param], [
      "invalid_request_error",
      "client_secret_mismatch",
      "onramp-client-secret",
    ]);
  }
});

Deno.test("GET /sessions/{id} never honours a client_secret in the query string", async () => {
  await using app = serveTestApp({ upstream: stripeHolding(delivered) });
  for (const name of ["client_secret", "Client_Secret", "clientSecret", "onramp-client-secret"]) {
    const res = await app.fetch(`/sessions/cos_test_123?${name}=${SECRET}`);
    assertEquals(res.status, 400, name);
    const text = await res.text();
    assertEquals(text.includes("0xcustomer"), false);
    const { error } = JSON.parse(text);
    assertEquals([error.param, error.code], [name, "parameter_not_allowed"]);
    assertStringIncludes(error.message, "Onramp-Client-Secret header");
  }
  assertEquals(app.upstream.requests.length, 0, "refused before Stripe is called");
});

Deno.test("GET /sessions/{id} refuses a malformed Onramp-Client-Secret header, naming it", async () => {
  await using app = serveTestApp({ upstream: stripeHolding(delivered) });
  const res = await app.fetch("/sessions/cos_test_123", {
    headers: { "Onramp-Client-Secret": "a b" },
  });
  assertEquals(res.status, 400);
  assertEquals((await res.json()).error.param, "onramp-client-secret");
});

Deno.test("CORS lets an allowed origin send Onramp-Client-Secret", async () => {
  await using app = serveTestApp({
    allowedOrigins: ["https://app.example"],
    upstream: stripeHolding(delivered),
  });
  const res = await app.fetch("/sessions/cos_test_123", {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example",
      "access-control-request-method": "GET",
      "access-control-request-headers": "onramp-client-secret",
    },
  });
  await res.body?.cancel();
  assertStringIncludes(
    (res.headers.get("access-control-allow-headers") ?? "").toLowerCase(),
    "onramp-client-secret",
  );
});

Deno.test("GET /openapi.json documents who may read what and the Onramp-Client-Secret header", async () => {
  await using app = serveTestApp();
  const document = await (await app.fetch("/openapi.json")).json();
  const operation = document.paths["/sessions/{id}"].get;
  assertStringIncludes(operation.description, "Who may read what");
  const header = operation.parameters.find((p: { in: string; name: string }) =>
    p.in === "header" && p.name === "onramp-client-secret"
  );
  assert(header, "the header is documented");
  assertEquals(header.required, false);
  assert(operation.responses["403"], "the 403 of a wrong secret is documented");
  assertEquals(
    operation.parameters.some((p: { in: string }) => p.in === "query"),
    false,
    "no query parameter carries the secret",
  );
});

// ---- what is relayed of Stripe's transaction_details

const hostile = sessionJson({
  status: "quote_ready",
  transaction_details: {
    destination_amount: 5,
    destination_currencies: ["eth", 7],
    destination_currency: "usdt",
    destination_network: "arbitrum",
    destination_networks: "ethereum",
    fees: { network_fee_amount: "0.10", transaction_fee_amount: 3, total_amount: "9" },
    lock_wallet_address: "yes",
    settlement_speed: "instant",
    source_amount: "100.00",
    source_currency: { code: "usd" },
    transaction_id: null,
    wallet_address: ["0x1"],
    wallet_addresses: JSON.parse(
      '{"ethereum":7,"optimism":"0xop","Weird Key":"x","__proto__":"y",' +
        '"destination_tags":{"stellar":5,"tempo":"t1"}}',
    ),
    last_error: { code: "internal", detail: "internal notes" },
    platform_internal_id: "acct_secret_internal",
  },
});

Deno.test("POST /sessions relays only the documented members of transaction_details, of the documented type", async () => {
  await using app = serveTestApp({ upstream: stripeHolding(hostile) });
  const res = await app.fetch("/sessions", jsonPost({}));
  assertEquals(res.status, 200);
  const body = await res.json();
  assertEquals(body.status, "quote_ready", "a new status passes");
  assertEquals(body.transaction_details, {
    destination_currency: "usdt",
    destination_network: "arbitrum",
    fees: { network_fee_amount: "0.10" },
    settlement_speed: "instant",
    source_amount: "100.00",
    transaction_id: null,
    wallet_addresses: { optimism: "0xop", destination_tags: { tempo: "t1" } },
  });
});

Deno.test("GET /sessions/{id} relays the same projection to the session's owner", async () => {
  await using app = serveTestApp({ upstream: stripeHolding(hostile) });
  const res = await app.fetch("/sessions/cos_test_123", {
    headers: { "Onramp-Client-Secret": SECRET },
  });
  assertEquals(res.status, 200);
  const details = (await res.json()).transaction_details;
  assertEquals(details.platform_internal_id, undefined);
  assertEquals(details.last_error, undefined);
  assertEquals(details.destination_amount, undefined);
});

Deno.test("a transaction_details that is not an object never breaks the answer", async () => {
  for (const transaction_details of [null, "pending", 42, ["x"]]) {
    await using app = serveTestApp({
      upstream: stripeHolding(sessionJson({ transaction_details })),
    });
    const res = await app.fetch("/sessions", jsonPost({}));
    assertEquals(res.status, 200, JSON.stringify(transaction_details));
    assertEquals((await res.json()).transaction_details, {});
  }
});

Deno.test("an answer that is not a session is an upstream failure (502), never a 500 or a 200", async () => {
  for (const answer of [{}, { id: 7, status: "initialized", livemode: false }, []]) {
    await using app = serveTestApp({
      upstream: fakeUpstream(Response.json(answer)),
      maxNetworkRetries: 0,
    });
    const res = await app.fetch("/sessions", jsonPost({}));
    assertEquals(res.status, 502, JSON.stringify(answer));
    assertEquals((await res.json()).error.type, "api_error");
  }
});

Deno.test("GET /quotes passes a new network, currency, fee shape and extra members through", async () => {
  const quotes = {
    id: "f".repeat(64),
    object: "crypto.onramp.quotes",
    destination_network_quotes: {
      arbitrum: [{
        id: "a1",
        destination_amount: "99.5",
        destination_currency: "usdt",
        destination_network: "arbitrum",
        source_total_amount: "100.00",
        fees: { network_fee_monetary: "0.01", gas_token: "eth" },
        new_member: true,
      }],
      ethereum: null,
    },
    livemode: false,
    rate_fetched_at: 1674265506.3408287,
    source_amount: "100.00",
    source_currency: "usd",
    brand_new: { nested: 1 },
  };
  await using app = serveTestApp({ upstream: fakeUpstream(Response.json(quotes)) });
  const res = await app.fetch("/quotes");
  assertEquals(res.status, 200);
  const body = await res.json();
  assertEquals(body.destination_network_quotes.arbitrum[0].destination_currency, "usdt");
  assertEquals(body.destination_network_quotes.arbitrum[0].fees.gas_token, "eth");
});

Deno.test("against the mock, a session's own client_secret opens its full view and another's does not", async () => {
  const mock = createStripeMock();
  await using app = serveTestApp({ upstream: { requests: [], fetch: mock.fetch } });
  const mint = async (wallet: string) =>
    await (await app.fetch(
      "/sessions",
      jsonPost({ destination_networks: ["ethereum"], wallet_addresses: { ethereum: wallet } }),
    )).json();
  const mine = await mint("0xmine");
  const theirs = await mint("0xtheirs");
  const read = (secret?: string) =>
    app.fetch(`/sessions/${mine.id}`, {
      headers: secret === undefined ? {} : { "Onramp-Client-Secret": secret },
    });
  const full = await read(mine.client_secret);
  assertEquals(full.status, 200);
  assertEquals((await full.json()).transaction_details.wallet_addresses.ethereum, "0xmine");
  assertEquals((await read(theirs.client_secret)).status, 403);
  assertEquals(Object.keys(await (await read()).json()).sort(), ["id", "livemode", "status"]);
});
