import { assertEquals } from "@std/assert";
import { fakeUpstream, quotesJson, sessionJson, stripeError } from "../_helpers/fake_upstream.ts";
import { errorOf, testApp } from "../_helpers/onramp_app.ts";

Deno.test("GET /sessions/{id} returns the session's status without client_secret", async () => {
  const upstream = fakeUpstream(Response.json(sessionJson({ status: "fulfillment_complete" })));
  const { request } = testApp({ upstream });
  const res = await request("/onramp/sessions/cos_test_123");
  assertEquals(res.status, 200);
  const body = await res.json();
  assertEquals([body.id, body.status, body.client_secret], [
    "cos_test_123",
    "fulfillment_complete",
    undefined,
  ]);
  assertEquals(upstream.requests[0]?.url.pathname, "/v1/crypto/onramp_sessions/cos_test_123");
  assertEquals(upstream.requests[0]?.method, "GET");
});

Deno.test("GET /sessions/{id} rejects an id that is not a session id, naming it", async () => {
  const { request, upstream } = testApp();
  for (const id of ["pi_123", "cos_%2F..%2Fcharges", "cos_" + "a".repeat(300)]) {
    const res = await request(`/onramp/sessions/${id}`);
    assertEquals(res.status, 400, id);
    assertEquals((await errorOf(res)).param, "id");
  }
  assertEquals(upstream.requests.length, 0);
});

Deno.test("GET /sessions/{id} passes Stripe's 404 through", async () => {
  const upstream = fakeUpstream(stripeError(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    param: "session",
    message: "No such crypto onramp session: 'cos_nope'",
  }));
  const { request } = testApp({ upstream });
  const res = await request("/onramp/sessions/cos_nope");
  assertEquals(res.status, 404);
  assertEquals((await errorOf(res)).code, "resource_missing");
});

const quotes = quotesJson();

Deno.test("GET /quotes validates the query and calls GET /v1/crypto/onramp_quotes", async () => {
  const upstream = fakeUpstream(Response.json(quotes));
  const { request } = testApp({ upstream });
  const res = await request(
    "/onramp/quotes?source_amount=100.00&destination_currencies=eth&destination_currencies=usdc&destination_networks=ethereum",
  );
  assertEquals(res.status, 200);
  assertEquals((await res.json()).rate_fetched_at, 1674265506.3408287);
  const seen = upstream.requests[0]!;
  assertEquals(seen.url.pathname, "/v1/crypto/onramp_quotes");
  assertEquals(
    Object.fromEntries(seen.url.searchParams),
    {
      source_amount: "100.00",
      "destination_currencies[0]": "eth",
      "destination_currencies[1]": "usdc",
      "destination_networks[0]": "ethereum",
    },
  );
});

const badQueries: [string, string, string][] = [
  ["source_amount=10&destination_amount=0.1", "destination_amount", "parameters_exclusive"],
  [
    "destination_amount=0.1&destination_currencies=eth&destination_currencies=usdc&destination_networks=ethereum",
    "destination_currencies",
    "parameter_invalid",
  ],
  [
    "destination_amount=0.1&destination_currencies=eth",
    "destination_networks",
    "parameter_invalid",
  ],
  // An unconfirmed pair (sol on ethereum) warns instead: tests/routes/catalog_test.ts.
  ["source_amount=10.005", "source_amount", "crypto_onramp_invalid_amount"],
  ["destination_networks=arbitrum", "destination_networks[0]", "parameter_invalid"],
  ["source_currency=jpy", "source_currency", "parameter_invalid"],
  ["limit=3", "limit", "parameter_unknown"],
];

for (const [query, param, code] of badQueries) {
  Deno.test(`GET /quotes rejects ${query}, naming ${param}`, async () => {
    const { request, upstream } = testApp({ upstream: fakeUpstream(Response.json(quotes)) });
    const res = await request(`/onramp/quotes?${query}`);
    assertEquals(res.status, 400);
    const error = await errorOf(res);
    assertEquals([error.param, error.code], [param, code]);
    assertEquals(upstream.requests.length, 0);
  });
}

Deno.test("an unknown route under the mount point answers a Stripe-shaped 404", async () => {
  const { request, upstream } = testApp();
  for (const path of ["/onramp/sessions/", "/onramp/nope", "/onramp/sessions/cos_1/extra"]) {
    const res = await request(path);
    assertEquals(res.status, 404, path);
    assertEquals((await errorOf(res)).code, "resource_missing");
  }
  assertEquals(upstream.requests.length, 0);
});
