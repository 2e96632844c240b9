import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { Hono } from "hono";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { type BrowserField, DEFAULT_BROWSER_FIELDS } from "../../validation/policy.ts";
import { fakeUpstream, sessionJson } from "../_helpers/fake_upstream.ts";
import {
  denoConn,
  errorOf,
  formOf,
  jsonPost,
  SECRET_KEY,
  testApp,
} from "../_helpers/onramp_app.ts";

Deno.test("POST /sessions forwards the body as a Stripe form with the customer IP", async () => {
  const { request, upstream } = testApp();
  const res = await request(
    "/onramp/sessions",
    jsonPost({
      source_amount: "100.00",
      source_currency: "usd",
      destination_currency: "eth",
      destination_network: "ethereum",
      destination_networks: ["ethereum", "base"],
      wallet_addresses: { ethereum: "0xabc", base_network: "0xdef" },
    }),
  );
  assertEquals(res.status, 200);
  const seen = upstream.requests[0]!;
  assertEquals([seen.method, seen.url.pathname], ["POST", "/v1/crypto/onramp_sessions"]);
  assertEquals(formOf(upstream), {
    source_amount: "100.00",
    source_currency: "usd",
    destination_currency: "eth",
    destination_network: "ethereum",
    "destination_networks[0]": "ethereum",
    "destination_networks[1]": "base",
    "wallet_addresses[ethereum]": "0xabc",
    "wallet_addresses[base_network]": "0xdef",
    customer_ip_address: "203.0.113.7",
  });
});

Deno.test("POST /sessions returns only the fields the widget needs, client_secret included", async () => {
  const { request } = testApp();
  const res = await request("/onramp/sessions", jsonPost({}));
  const body = await res.json();
  assertEquals(Object.keys(body).sort(), [
    "client_secret",
    "id",
    "livemode",
    "redirect_url",
    "status",
    "transaction_details",
  ]);
  assertEquals([body.id, body.client_secret], ["cos_test_123", "cos_test_123_secret_abc"]);
  assertEquals(res.headers.get("cache-control"), "no-store");
});

Deno.test("POST /sessions accepts an empty body: every parameter is optional", async () => {
  const { request, upstream } = testApp();
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 200);
  assertEquals(formOf(upstream), { customer_ip_address: "203.0.113.7" });
});

// The platform sets metadata, KYC details and wallet locking by default; open every field so
// their rules can be tested from the browser's side.
const EVERY_FIELD = [
  ...DEFAULT_BROWSER_FIELDS,
  "lock_wallet_address",
  "metadata",
  "kyc_details",
] as const satisfies readonly BrowserField[];

/** A request that must be refused before Stripe is called, and the parameter named. */
interface Rejection {
  name: string;
  body: unknown;
  param: string;
  code: string;
  message?: string;
}

const rejections: Rejection[] = [
  // create reference: source_amount and destination_amount are mutually exclusive
  {
    name: "source_amount together with destination_amount",
    body: {
      source_amount: "10",
      destination_amount: "0.1",
      destination_currency: "eth",
      destination_network: "ethereum",
    },
    param: "destination_amount",
    code: "parameters_exclusive",
  },
  // create reference: destination_amount requires destination_currency and destination_network
  {
    name: "destination_amount without destination_network",
    body: { destination_amount: "0.1", destination_currency: "eth" },
    param: "destination_network",
    code: "parameter_missing",
    message: 'set destination_network (e.g. "ethereum") or drop destination_amount',
  },
  {
    name: "destination_amount without destination_currency",
    body: { destination_amount: "0.1", destination_network: "ethereum" },
    param: "destination_currency",
    code: "parameter_missing",
  },
  // create reference: destination_currency must be in destination_currencies
  {
    name: "destination_currency outside destination_currencies",
    body: { destination_currency: "eth", destination_currencies: ["usdc", "sol"] },
    param: "destination_currency",
    code: "crypto_onramp_conflicting_destination_currency",
  },
  // create reference: destination_network must be in destination_networks
  {
    name: "destination_network outside destination_networks",
    body: { destination_network: "solana", destination_networks: ["ethereum"] },
    param: "destination_network",
    code: "crypto_onramp_conflicting_destination_network",
  },
  // create reference: non-empty arrays of valid values
  {
    name: "an empty destination_currencies",
    body: { destination_currencies: [] },
    param: "destination_currencies",
    code: "parameter_invalid_empty",
  },
  {
    name: "an empty destination_networks",
    body: { destination_networks: [] },
    param: "destination_networks",
    code: "parameter_invalid_empty",
  },
  {
    name: "an unknown currency inside destination_currencies",
    body: { destination_currencies: ["eth", "doge"] },
    param: "destination_currencies[1]",
    code: "parameter_invalid",
    message: "must be one of avax, btc, eth, matic, sol, usdc, xlm",
  },
  {
    name: "an unknown destination_network",
    body: { destination_network: "arbitrum" },
    param: "destination_network",
    code: "parameter_invalid",
  },
  {
    name: "a repeated network",
    body: { destination_networks: ["ethereum", "ethereum"] },
    param: "destination_networks",
    code: "parameter_invalid",
  },
  {
    name: "an unknown source_currency",
    body: { source_currency: "jpy" },
    param: "source_currency",
    code: "parameter_invalid",
  },
  // create reference: no fractional minor units for fiat
  {
    name: "a source_amount with fractions of a cent",
    body: { source_amount: "10.001" },
    param: "source_amount",
    code: "crypto_onramp_invalid_amount",
  },
  // create reference: crypto amounts up to the currency's precision (18 for eth)
  {
    name: "an eth destination_amount beyond 18 decimals",
    body: {
      destination_amount: "0.1234567890123456789",
      destination_currency: "eth",
      destination_network: "ethereum",
    },
    param: "destination_amount",
    code: "crypto_onramp_invalid_amount",
  },
  {
    name: "a usdc destination_amount beyond 6 decimals",
    body: {
      destination_amount: "1.0000001",
      destination_currency: "usdc",
      destination_network: "solana",
    },
    param: "destination_amount",
    code: "crypto_onramp_invalid_amount",
  },
  {
    name: "an amount as a number",
    body: { source_amount: 100 },
    param: "source_amount",
    code: "parameter_invalid",
  },
  {
    name: "an amount with an exponent",
    body: { source_amount: "1e3" },
    param: "source_amount",
    code: "parameter_invalid",
  },
  {
    name: "a negative amount",
    body: { source_amount: "-5" },
    param: "source_amount",
    code: "parameter_invalid",
  },
  // create reference: wallet_addresses requires destination_networks or destination_network
  {
    name: "wallet_addresses without any network",
    body: { wallet_addresses: { ethereum: "0xabc" } },
    param: "wallet_addresses",
    code: "crypto_onramp_invalid_wallet_address_parameters",
  },
  // docs/stripe-api-notes.md#wallet-keys: Base's wallet key is base_network
  {
    name: "the wallet key base instead of base_network",
    body: { destination_networks: ["base"], wallet_addresses: { base: "0xabc" } },
    param: "wallet_addresses[base]",
    code: "parameter_unknown",
    message: "the wallet key for Base is base_network",
  },
  // create reference: destination tags only for tag-based networks
  {
    name: "a destination tag for a network without tags",
    body: {
      destination_networks: ["ethereum"],
      wallet_addresses: { ethereum: "0xabc", destination_tags: { ethereum: "1" } },
    },
    param: "wallet_addresses[destination_tags][ethereum]",
    code: "crypto_onramp_destination_tags_not_supported",
  },
  // Rules only third parties report (a zero amount, pairs, wallets outside the session's
  // networks, a lock without a wallet) warn instead: tests/routes/catalog_test.ts.
  // unknown fields rejected
  {
    name: "an unknown top-level field",
    body: { destination_netwrk: "ethereum" },
    param: "destination_netwrk",
    code: "parameter_unknown",
    message: "Received unknown parameter: destination_netwrk",
  },
  {
    name: "customer_ip_address, which the server sets",
    body: { customer_ip_address: "1.2.3.4" },
    param: "customer_ip_address",
    code: "parameter_unknown",
  },
  {
    name: "a prototype-pollution key",
    body: JSON.parse('{"__proto__": {"admin": true}}'),
    param: "__proto__",
    code: "parameter_unknown",
  },
  {
    name: "a body that is not an object",
    body: ["ethereum"],
    param: "",
    code: "invalid_body",
  },
];

for (const { name, body, param, code, message } of rejections) {
  Deno.test(`POST /sessions rejects ${name}, naming ${param || "the body"}`, async () => {
    const { request, upstream } = testApp({
      policy: { browserFields: EVERY_FIELD },
    });
    const res = await request("/onramp/sessions", jsonPost(body));
    assertEquals(res.status, 400);
    const error = await errorOf(res);
    assertEquals([error.type, error.param ?? "", error.code], [
      "invalid_request_error",
      param,
      code,
    ]);
    if (message) assertStringIncludes(String(error.message), message);
    assertEquals(upstream.requests.length, 0, "Stripe must not be called for invalid input");
  });
}

const openFields = { browserFields: EVERY_FIELD };

const acceptances: { name: string; body: Record<string, unknown> }[] = [
  {
    name: "destination_amount with currency and network at full eth precision",
    body: {
      destination_amount: "0.123456789012345678",
      destination_currency: "eth",
      destination_network: "ethereum",
    },
  },
  { name: "a whole fiat amount", body: { source_amount: "200" } },
  { name: "a fiat amount with cents", body: { source_amount: "200.05" } },
  {
    name: "a locked currency and network (single-value lists)",
    body: { destination_currencies: ["usdc"], destination_networks: ["solana"] },
  },
  {
    name: "a stellar wallet with its destination tag",
    body: {
      destination_network: "stellar",
      wallet_addresses: { stellar: "GABC", destination_tags: { stellar: "12345" } },
    },
  },
  {
    name: "a wallet with lock_wallet_address",
    body: {
      destination_networks: ["ethereum"],
      wallet_addresses: { ethereum: "0xabc" },
      lock_wallet_address: true,
    },
  },
  {
    name: "metadata within Stripe's limits",
    body: { metadata: { order: "42", note: "x".repeat(500) } },
  },
  { name: "metadata cleared with an empty string", body: { metadata: "" } },
  {
    name: "KYC details",
    body: {
      kyc_details: {
        email: "ada@example.com",
        first_name: "Ada",
        dob: { day: 10, month: 12, year: 1990 },
        address: { country: "FR", city: "Paris" },
      },
    },
  },
];

for (const { name, body } of acceptances) {
  Deno.test(`POST /sessions accepts ${name}`, async () => {
    const { request, upstream } = testApp({ policy: openFields });
    const res = await request("/onramp/sessions", jsonPost(body));
    assertEquals(res.status, 200, JSON.stringify(await res.clone().json()));
    assertEquals(upstream.requests.length, 1);
  });
}

Deno.test("POST /sessions enforces Stripe's metadata limits", async () => {
  const { request, upstream } = testApp({ policy: openFields });
  const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
  const cases: [unknown, string][] = [
    [tooMany, "metadata"],
    [{ ["k".repeat(41)]: "v" }, "metadata"],
    [{ "a[b]": "v" }, "metadata"],
    [{ order: "x".repeat(501) }, "metadata[order]"],
    [{ order: 42 }, "metadata[order]"],
  ];
  for (const [metadata, param] of cases) {
    const res = await request("/onramp/sessions", jsonPost({ metadata }));
    assertEquals(res.status, 400, JSON.stringify(metadata).slice(0, 60));
    assertStringIncludes(String((await errorOf(res)).param), param);
  }
  assertEquals(upstream.requests.length, 0);
});

Deno.test("POST /sessions answers malformed JSON with a 400, not a 500", async () => {
  const { request, upstream } = testApp();
  const res = await request("/onramp/sessions", jsonPost('{"source_amount": '));
  assertEquals(res.status, 400);
  const error = await errorOf(res);
  assertEquals([error.type, error.code], ["invalid_request_error", "invalid_json"]);
  assertEquals(upstream.requests.length, 0);
});

Deno.test("POST /sessions requires a JSON content type (415)", async () => {
  const { request, upstream } = testApp();
  for (const type of ["text/plain", "application/x-www-form-urlencoded", ""]) {
    const res = await request("/onramp/sessions", {
      method: "POST",
      headers: type ? { "content-type": type } : {},
      body: "source_amount=100",
    });
    assertEquals(res.status, 415, type);
    assertEquals((await errorOf(res)).type, "invalid_request_error");
  }
  const withCharset = await request(
    "/onramp/sessions",
    jsonPost({}, { "content-type": "application/json; charset=utf-8" }),
  );
  assertEquals(withCharset.status, 200);
  assertEquals(upstream.requests.length, 1);
});

Deno.test("POST /sessions refuses a body over maxBodyBytes with 413", async () => {
  const { request, upstream } = testApp({ maxBodyBytes: 1024 });
  const res = await request("/onramp/sessions", jsonPost({ source_amount: "1".repeat(2000) }));
  assertEquals(res.status, 413);
  assertEquals((await errorOf(res)).code, "request_too_large");
  assertEquals(upstream.requests.length, 0);
});

Deno.test("POST /sessions refuses a chunked body over maxBodyBytes before reading it all", async () => {
  const { request, upstream } = testApp({ maxBodyBytes: 1024 });
  let chunksPulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      chunksPulled++;
      controller.enqueue(new TextEncoder().encode('{"a":"' + "x".repeat(512)));
    },
  });
  const res = await request("/onramp/sessions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: endless,
  });
  assertEquals(res.status, 413);
  assert(chunksPulled < 10, `read ${chunksPulled} chunks of an endless body`);
  assertEquals(upstream.requests.length, 0);
});

Deno.test("POST /sessions derives Stripe's Idempotency-Key from the browser's and the customer IP", async () => {
  const { request, upstream } = testApp();
  const headers = { "idempotency-key": "checkout-1" };
  await request("/onramp/sessions", jsonPost({}, headers), "203.0.113.7");
  await request("/onramp/sessions", jsonPost({}, headers), "203.0.113.7");
  await request("/onramp/sessions", jsonPost({}, headers), "198.51.100.9");
  const keys = upstream.requests.map((r) => r.headers.get("idempotency-key") ?? "");
  assertEquals(keys[0], keys[1], "a double submit reuses the key");
  assert(keys[0] !== keys[2], "another customer cannot replay the key");
  assert(!keys[0]!.includes("checkout-1"), "the browser's key is not passed through verbatim");
});

Deno.test("POST /sessions rejects an invalid Idempotency-Key header, naming it", async () => {
  const { request, upstream } = testApp();
  const res = await request(
    "/onramp/sessions",
    jsonPost({}, { "idempotency-key": "k".repeat(256) }),
  );
  assertEquals(res.status, 400);
  assertEquals((await errorOf(res)).param, "idempotency-key");
  assertEquals(upstream.requests.length, 0);
});

Deno.test("POST /sessions reports an unknown parameter before a bad value of another", async () => {
  const { request } = testApp();
  const res = await request("/onramp/sessions", jsonPost({ destination_network: "doge", foo: 1 }));
  assertEquals((await errorOf(res)).param, "foo");
});

Deno.test("POST /sessions explains bounds in plain words, naming the nested parameter", async () => {
  const { request } = testApp({ policy: openFields });
  const res = await request(
    "/onramp/sessions",
    jsonPost({ kyc_details: { dob: { day: 32, month: 1, year: 1990 } } }),
  );
  const error = await errorOf(res);
  assertEquals(error.param, "kyc_details[dob][day]");
  assertEquals(error.message, "Invalid kyc_details[dob][day]: must be at most 31");
});

Deno.test("cryptoOnramp() calls Stripe through its fetch option, with the secret key", async () => {
  const upstream = fakeUpstream(Response.json(sessionJson()));
  const app = new Hono().route(
    "/onramp",
    cryptoOnramp({ stripeSecretKey: SECRET_KEY, fetch: upstream.fetch, logger: () => {} }),
  );
  const res = await app.request("/onramp/sessions", jsonPost({}), denoConn("203.0.113.7"));
  assertEquals(res.status, 200);
  assertEquals(upstream.requests.map((r) => [r.url.href, r.headers.get("authorization")]), [
    ["https://api.stripe.com/v1/crypto/onramp_sessions", `Bearer ${SECRET_KEY}`],
  ]);
});

Deno.test("POST /sessions names a required member left out as missing, one of the wrong type as invalid", async () => {
  const { request, upstream } = testApp({ policy: openFields });
  const missing = await errorOf(
    await request("/onramp/sessions", jsonPost({ kyc_details: { dob: { month: 1, year: 1990 } } })),
  );
  assertEquals(
    [missing.param, missing.code, missing.message],
    ["kyc_details[dob][day]", "parameter_missing", "Missing required param: kyc_details[dob][day]"],
  );
  const invalid = await errorOf(
    await request(
      "/onramp/sessions",
      jsonPost({ kyc_details: { dob: { day: "1", month: 1, year: 1990 } } }),
    ),
  );
  assertEquals([invalid.param, invalid.code], ["kyc_details[dob][day]", "parameter_invalid"]);
  assertEquals(upstream.requests.length, 0);
});
