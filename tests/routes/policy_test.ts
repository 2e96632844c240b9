import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { OnrampError } from "../../errors/onramp_error.ts";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { errorOf, formOf, jsonPost, SECRET_KEY, testApp } from "../_helpers/onramp_app.ts";
import { serveTestApp } from "../_helpers/served_test_app.ts";

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
      destinationCurrencies: ["eth"],
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

Deno.test("policy: wallets from resolveCustomer with no networks chosen offer every network, as Stripe does", async () => {
  // create reference: wallet_addresses needs destination_networks, and leaving the networks out
  // offers every network; the browser never sent the wallet, so it must not be blamed for it.
  const { request, upstream } = testApp({
    resolveCustomer: () => ({ wallet_addresses: { ethereum: "0xplatform" } }),
  });
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 200);
  const form = formOf(upstream);
  assertEquals(form["wallet_addresses[ethereum]"], "0xplatform");
  assertEquals(
    Object.keys(form).filter((key) => key.startsWith("destination_networks[")).length,
    7,
  );
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

// ---- the platform wins completely: nothing the browser sends widens or sidesteps it

Deno.test("policy: with the wallet locked to the platform's, the browser cannot add a wallet of its own", async () => {
  await using app = serveTestApp({
    policy: { lockWalletAddress: true },
    resolveCustomer: () => ({ wallet_addresses: { ethereum: "0xplatform" } }),
  });
  const added = await app.fetch(
    "/sessions",
    jsonPost({
      destination_networks: ["ethereum", "solana"],
      wallet_addresses: { solana: "SoAttacker" },
    }),
  );
  assertEquals(added.status, 400);
  const error = (await added.json()).error;
  assertEquals([error.param, error.code], ["wallet_addresses[solana]", "parameter_not_allowed"]);
  assertEquals(app.upstream.requests.length, 0);
});

Deno.test("policy: with the wallet locked to the platform's, the session offers only its networks", async () => {
  await using app = serveTestApp({
    policy: { lockWalletAddress: true },
    resolveCustomer: () => ({
      wallet_addresses: { ethereum: "0xplatform", base_network: "0xbase" },
    }),
  });
  // A network without a locked wallet would let the customer type any wallet in.
  const other = await app.fetch(
    "/sessions",
    jsonPost({ destination_networks: ["ethereum", "solana"] }),
  );
  assertEquals(other.status, 400);
  assertEquals((await other.json()).error.param, "destination_networks[1]");
  const otherDefault = await app.fetch("/sessions", jsonPost({ destination_network: "solana" }));
  assertEquals((await otherDefault.json()).error.param, "destination_network");
  assertEquals(app.upstream.requests.length, 0);

  assertEquals((await app.fetch("/sessions", jsonPost({}))).status, 200);
  const form = formOf(app.upstream);
  assertEquals(
    Object.entries(form).filter(([key]) => key.startsWith("destination_networks")),
    [["destination_networks[0]", "base"], ["destination_networks[1]", "ethereum"]],
  );
  assertEquals(form.lock_wallet_address, "true");
  assertEquals(form["wallet_addresses[ethereum]"], "0xplatform");
});

Deno.test("policy: locked wallets on networks the policy does not offer are the platform's fault", async () => {
  await using app = serveTestApp({
    policy: { lockWalletAddress: true, destinationNetworks: ["ethereum"] },
    resolveCustomer: () => ({ wallet_addresses: { solana: "SoPlatform" } }),
  });
  const res = await app.fetch("/sessions", jsonPost({}));
  assertEquals(res.status, 500);
  const error = (await res.json()).error;
  assertEquals([error.type, error.code, error.param], [
    "api_error",
    "platform_misconfigured",
    undefined,
  ]);
  assertEquals(app.upstream.requests.length, 0);
  assertStringIncludes(app.logs[0]?.message ?? "", "policy.lockWalletAddress");
});

Deno.test("policy: a lock the browser asks for, on wallets the offer leaves out, names lock_wallet_address", async () => {
  await using app = serveTestApp({
    policy: {
      destinationNetworks: ["ethereum"],
      browserFields: ["lock_wallet_address", "destination_networks"],
    },
    resolveCustomer: () => ({ wallet_addresses: { solana: "SoPlatform" } }),
  });
  const res = await app.fetch("/sessions", jsonPost({ lock_wallet_address: true }));
  assertEquals(res.status, 400);
  const error = (await res.json()).error;
  assertEquals([error.param, error.code], ["lock_wallet_address", "parameter_not_allowed"]);
  assertEquals(app.upstream.requests.length, 0);
});

Deno.test("policy: narrowing the networks drops the platform's wallets for the others, blaming nobody", async () => {
  await using app = serveTestApp({
    resolveCustomer: () => ({
      wallet_addresses: { ethereum: "0xplatform", solana: "SoPlatform" },
    }),
  });
  const res = await app.fetch("/sessions", jsonPost({ destination_networks: ["solana"] }));
  assertEquals(res.status, 200, JSON.stringify(await res.clone().json()));
  const form = formOf(app.upstream);
  assertEquals(form["wallet_addresses[solana]"], "SoPlatform");
  assertEquals(form["wallet_addresses[ethereum]"], undefined);
  assertEquals(app.logs, []);
});

Deno.test("policy: the platform's wallet owns its network, destination tag included", async () => {
  await using app = serveTestApp({
    resolveCustomer: () => ({ wallet_addresses: { stellar: "GPLATFORM" } }),
  });
  const res = await app.fetch(
    "/sessions",
    jsonPost({
      destination_network: "stellar",
      wallet_addresses: { stellar: "GBROWSER", destination_tags: { stellar: "999" } },
    }),
  );
  assertEquals(res.status, 200);
  const form = formOf(app.upstream);
  assertEquals(form["wallet_addresses[stellar]"], "GPLATFORM");
  assertEquals(form["wallet_addresses[destination_tags][stellar]"], undefined);
});

Deno.test("policy: a source_amount limit cannot be sidestepped with destination_amount", async () => {
  await using app = serveTestApp({ policy: { sourceAmount: { max: "500" } } });
  const res = await app.fetch(
    "/sessions",
    jsonPost({
      destination_amount: "100",
      destination_currency: "eth",
      destination_network: "ethereum",
    }),
  );
  assertEquals(res.status, 400);
  const error = (await res.json()).error;
  assertEquals([error.param, error.code], ["destination_amount", "parameter_not_allowed"]);
  assertStringIncludes(error.message, "source_amount (at most 500)");
  assertEquals(app.upstream.requests.length, 0);
});

Deno.test("policy: a destination_amount limit cannot be sidestepped with source_amount", async () => {
  await using app = serveTestApp({
    policy: { destinationAmount: { max: "0.5" }, destinationCurrencies: ["eth"] },
  });
  const res = await app.fetch("/sessions", jsonPost({ source_amount: "1000000" }));
  assertEquals(res.status, 400);
  const error = (await res.json()).error;
  assertEquals([error.param, error.code], ["source_amount", "parameter_not_allowed"]);
  assertEquals(app.upstream.requests.length, 0);
});

Deno.test("cryptoOnramp() refuses a destinationAmount limit without one currency to measure it in", () => {
  for (const destinationCurrencies of [undefined, ["eth", "usdc"]] as const) {
    assertThrows(
      () =>
        cryptoOnramp({
          stripeSecretKey: SECRET_KEY,
          policy: {
            destinationAmount: { max: "0.5" },
            ...(destinationCurrencies && { destinationCurrencies }),
          },
        }),
      TypeError,
      "'policy.destinationCurrencies' must hold exactly one currency",
    );
  }
});

Deno.test("policy: the platform's metadata keys count toward Stripe's limit of 50", async () => {
  await using app = serveTestApp({
    policy: { browserFields: ["metadata"] },
    resolveCustomer: () => ({ metadata: { user_id: "u_42", plan: "gold" } }),
  });
  const browser = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, "v"]));
  const res = await app.fetch("/sessions", jsonPost({ metadata: browser }));
  assertEquals(res.status, 400);
  const error = (await res.json()).error;
  assertEquals(error.param, "metadata");
  assertStringIncludes(error.message, "send at most 48");
  assertEquals(app.upstream.requests.length, 0);
});
