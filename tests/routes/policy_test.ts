import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { OnrampError } from "../../errors/onramp_error.ts";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { errorOf, formOf, jsonPost, SECRET_KEY, testApp } from "../_helpers/onramp_app.ts";

Deno.test("policy: the browser cannot set fields outside browserFields (default: no metadata, KYC or lock)", async () => {
  const { request, upstream } = testApp();
  for (const field of ["metadata", "kyc_details", "lock_wallet_address"]) {
    const value = field === "lock_wallet_address" ? false : {};
    const res = await request("/onramp/sessions", jsonPost({ [field]: value }));
    assertEquals(res.status, 400, field);
    const error = await errorOf(res);
    assertEquals([error.param, error.code], [field, "parameter_unknown"]);
  }
  assertEquals(upstream.requests.length, 0);
});

Deno.test("policy: a narrower browserFields refuses even the customer's choices", async () => {
  const { request } = testApp({ policy: { browserFields: ["source_amount"] } });
  const res = await request("/onramp/sessions", jsonPost({ destination_network: "ethereum" }));
  assertEquals((await errorOf(res)).param, "destination_network");
  assertEquals((await request("/onramp/sessions", jsonPost({ source_amount: "50" }))).status, 200);
});

Deno.test("policy: offered currencies and networks are imposed when the browser sends none", async () => {
  const { request, upstream } = testApp({
    policy: { destinationCurrencies: ["usdc"], destinationNetworks: ["solana", "base"] },
  });
  assertEquals((await request("/onramp/sessions", jsonPost({}))).status, 200);
  const form = formOf(upstream);
  assertEquals(form["destination_currencies[0]"], "usdc");
  assertEquals([form["destination_networks[0]"], form["destination_networks[1]"]], [
    "solana",
    "base",
  ]);
});

Deno.test("policy: the browser may narrow the offer but not leave it", async () => {
  const { request, upstream } = testApp({ policy: { destinationNetworks: ["solana", "base"] } });
  const narrowed = await request("/onramp/sessions", jsonPost({ destination_networks: ["base"] }));
  assertEquals(narrowed.status, 200);
  assertEquals(formOf(upstream)["destination_networks[0]"], "base");
  assertEquals(formOf(upstream)["destination_networks[1]"], undefined);

  const outside = await request(
    "/onramp/sessions",
    jsonPost({ destination_networks: ["base", "ethereum"] }),
  );
  assertEquals(outside.status, 400);
  const error = await errorOf(outside);
  assertEquals([error.param, error.code], ["destination_networks[1]", "parameter_not_allowed"]);

  const defaultOutside = await request(
    "/onramp/sessions",
    jsonPost({ destination_network: "bitcoin" }),
  );
  assertEquals((await errorOf(defaultOutside)).param, "destination_network");
  assertEquals(upstream.requests.length, 1);
});

Deno.test("policy: a single source currency is locked and others refused", async () => {
  const { request, upstream } = testApp({ policy: { sourceCurrencies: ["eur"] } });
  assertEquals((await request("/onramp/sessions", jsonPost({}))).status, 200);
  assertEquals(formOf(upstream).source_currency, "eur");
  const res = await request("/onramp/sessions", jsonPost({ source_currency: "usd" }));
  assertEquals((await errorOf(res)).param, "source_currency");
});

Deno.test("policy: amounts outside the platform's limits are refused", async () => {
  const { request, upstream } = testApp({
    policy: {
      sourceAmount: { min: "20", max: "500.00" },
      destinationAmount: { max: "0.5" },
    },
  });
  const cases: [Record<string, unknown>, string, string][] = [
    [{ source_amount: "19.99" }, "source_amount", "crypto_onramp_amount_below_minimum"],
    [{ source_amount: "500.01" }, "source_amount", "crypto_onramp_amount_above_maximum"],
    [
      {
        destination_amount: "0.500000001",
        destination_currency: "eth",
        destination_network: "base",
      },
      "destination_amount",
      "crypto_onramp_amount_above_maximum",
    ],
  ];
  for (const [body, param, code] of cases) {
    const error = await errorOf(await request("/onramp/sessions", jsonPost(body)));
    assertEquals([error.param, error.code], [param, code]);
  }
  assertEquals(upstream.requests.length, 0);
  for (const amount of ["20", "500", "250.5"]) {
    assertEquals(
      (await request("/onramp/sessions", jsonPost({ source_amount: amount }))).status,
      200,
    );
  }
});

Deno.test("policy: lockWalletAddress is forced whatever the browser sends", async () => {
  const { request, upstream } = testApp({
    policy: {
      lockWalletAddress: true,
      browserFields: ["lock_wallet_address", "destination_networks"],
    },
    resolveCustomer: () => ({ wallet_addresses: { ethereum: "0xplatform" } }),
  });
  const res = await request(
    "/onramp/sessions",
    jsonPost({ lock_wallet_address: false, destination_networks: ["ethereum"] }),
  );
  assertEquals(res.status, 200);
  assertEquals(formOf(upstream).lock_wallet_address, "true");
});

Deno.test("policy: resolveCustomer's wallets, KYC details and metadata win over the browser's", async () => {
  const { request, upstream } = testApp({
    resolveCustomer: () => ({
      wallet_addresses: { ethereum: "0xplatform" },
      kyc_details: { email: "verified@example.com" },
      metadata: { user_id: "u_42" },
    }),
  });
  const res = await request(
    "/onramp/sessions",
    jsonPost({
      destination_networks: ["ethereum", "solana"],
      wallet_addresses: { ethereum: "0xbrowser", solana: "SoBrowser" },
    }),
  );
  assertEquals(res.status, 200);
  const form = formOf(upstream);
  assertEquals(form["wallet_addresses[ethereum]"], "0xplatform");
  assertEquals(form["wallet_addresses[solana]"], "SoBrowser");
  assertEquals(form["kyc_details[email]"], "verified@example.com");
  assertEquals(form["metadata[user_id]"], "u_42");
});

Deno.test("policy: resolveCustomer can refuse with 401 or 403 before Stripe is called", async () => {
  for (const status of [401, 403] as const) {
    const { request, upstream } = testApp({
      resolveCustomer: () => {
        throw new OnrampError(status, {
          type: "invalid_request_error",
          code: "unauthenticated",
          message: "Sign in first",
        });
      },
    });
    const res = await request("/onramp/sessions", jsonPost({}));
    assertEquals(res.status, status);
    assertEquals((await errorOf(res)).message, "Sign in first");
    assertEquals(upstream.requests.length, 0);
  }
});

Deno.test("policy: Stripe's create rules also apply to what resolveCustomer supplies", async () => {
  const { request, upstream } = testApp({
    resolveCustomer: () => ({ wallet_addresses: { ethereum: "0xplatform" } }),
  });
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals((await errorOf(res)).param, "wallet_addresses");
  assertEquals(upstream.requests.length, 0);
});

Deno.test("policy: invalid data from resolveCustomer is a logged 500 that blames the platform and echoes nothing", async () => {
  const { request, upstream, logs } = testApp({
    resolveCustomer: () => ({ wallet_addresses: { dogecoin: "D123" } } as never),
  });
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 500);
  const error = await errorOf(res);
  assertEquals([error.type, error.code, error.param], [
    "api_error",
    "platform_misconfigured",
    undefined,
  ]);
  assertEquals(JSON.stringify(error).includes("D123"), false);
  assertStringIncludes(logs[0]?.message ?? "", "resolveCustomer");
  assertStringIncludes(logs[0]?.message ?? "", "wallet_addresses[dogecoin]");
  assertEquals(upstream.requests.length, 0);
});

Deno.test("cryptoOnramp() refuses an invalid policy at start-up, naming the option", () => {
  const create = (policy: object) => () => cryptoOnramp({ stripeSecretKey: SECRET_KEY, policy });
  assertThrows(
    create({ destinationNetworks: ["arbitrum"] }),
    TypeError,
    "'policy.destinationNetworks'",
  );
  assertThrows(create({ destinationCurrencies: [] }), TypeError, "must not be empty");
  assertThrows(create({ sourceAmount: { min: "ten" } }), TypeError, "'policy.sourceAmount.min'");
  assertThrows(create({ sourceAmount: { min: "10", max: "5" } }), TypeError, "min above max");
  assertThrows(
    create({ browserFields: ["customer_ip_address"] }),
    TypeError,
    "'policy.browserFields'",
  );
});

Deno.test("cryptoOnramp() refuses a publishable key at start-up without echoing it", () => {
  const error = assertThrows(() => cryptoOnramp({ stripeSecretKey: "pk_live_shown" }), TypeError);
  assertEquals(error.message.includes("pk_live_shown"), false);
});
