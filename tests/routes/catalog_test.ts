import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import type { CatalogOptions } from "../../validation/catalog.ts";
import { DEFAULT_BROWSER_FIELDS } from "../../validation/policy.ts";
import type { FakeUpstream } from "../_helpers/fake_upstream.ts";
import { formOf, jsonPost, SECRET_KEY } from "../_helpers/onramp_app.ts";
import { serveTestApp } from "../_helpers/served_test_app.ts";

// What Stripe's preview SDKs already list, as a platform approved for them would configure it.
const OPTIMISM_USDT: CatalogOptions = {
  currencies: { usdt: { decimals: 6 } },
  networks: {
    optimism: { currencies: ["eth", "usdc", "usdt"] },
    ethereum: { currencies: ["usdt"] },
  },
};

Deno.test("cryptoOnramp({ catalog }) accepts a network, currency and wallet key the platform adds", async () => {
  await using app = serveTestApp({ catalog: OPTIMISM_USDT });
  const res = await app.fetch(
    "/sessions",
    jsonPost({
      destination_networks: ["optimism", "ethereum"],
      destination_network: "optimism",
      destination_currency: "usdt",
      destination_amount: "12.123456",
      wallet_addresses: { optimism: "0xop" },
    }),
  );
  assertEquals(res.status, 200, JSON.stringify(await res.clone().json()));
  const form = formOf(app.upstream);
  assertEquals(
    [
      form["destination_networks[0]"],
      form.destination_currency,
      form["wallet_addresses[optimism]"],
    ],
    ["optimism", "usdt", "0xop"],
  );
  assertEquals(app.logs, [], "a pair the platform states is not warned about");
});

Deno.test("cryptoOnramp({ catalog }) refuses an amount beyond the precision the platform states", async () => {
  await using app = serveTestApp({ catalog: OPTIMISM_USDT });
  const res = await app.fetch(
    "/sessions",
    jsonPost({
      destination_network: "optimism",
      destination_currency: "usdt",
      destination_amount: "1.1234567",
    }),
  );
  assertEquals(res.status, 400);
  const error = (await res.json()).error;
  assertEquals([error.param, error.code], ["destination_amount", "crypto_onramp_invalid_amount"]);
  assertEquals(app.upstream.requests.length, 0);
});

Deno.test("cryptoOnramp() without the network in its catalog still refuses it, naming it", async () => {
  await using app = serveTestApp();
  const res = await app.fetch("/sessions", jsonPost({ destination_networks: ["optimism"] }));
  assertEquals(res.status, 400);
  assertEquals((await res.json()).error.param, "destination_networks[0]");
});

Deno.test("cryptoOnramp({ catalog }) documents the effective enums and wallet keys in /openapi.json", async () => {
  await using app = serveTestApp({
    catalog: { ...OPTIMISM_USDT, sourceCurrencies: ["chf"] },
    policy: { browserFields: [...DEFAULT_BROWSER_FIELDS] },
  });
  const document = await (await app.fetch("/openapi.json")).json();
  const { schemas } = document.components;
  assertEquals(schemas.DestinationNetwork.enum.includes("optimism"), true);
  assertEquals(schemas.DestinationCurrency.enum.includes("usdt"), true);
  assertEquals(schemas.SourceCurrency.enum.includes("chf"), true);
  assertEquals(Object.keys(schemas.WalletAddresses.properties).includes("optimism"), true);
  // The built-in app documents the built-in lists only.
  await using plain = serveTestApp();
  const builtIn = await (await plain.fetch("/openapi.json")).json();
  assertEquals(builtIn.components.schemas.DestinationNetwork.enum.includes("optimism"), false);
});

Deno.test("cryptoOnramp({ catalog }) lets the policy offer what the catalog adds", async () => {
  await using app = serveTestApp({
    catalog: OPTIMISM_USDT,
    policy: { destinationNetworks: ["optimism"], destinationCurrencies: ["usdt"] },
  });
  assertEquals((await app.fetch("/sessions", jsonPost({}))).status, 200);
  const form = formOf(app.upstream);
  assertEquals([form["destination_networks[0]"], form["destination_currencies[0]"]], [
    "optimism",
    "usdt",
  ]);
  assertThrows(
    () =>
      cryptoOnramp({ stripeSecretKey: SECRET_KEY, policy: { destinationNetworks: ["optimism"] } }),
    TypeError,
    "'policy.destinationNetworks' has an unknown value \"optimism\"",
  );
});

Deno.test("cryptoOnramp({ catalog }) quotes what the catalog adds", async () => {
  const quotes = {
    id: "q".repeat(64),
    destination_network_quotes: { optimism: [] },
    livemode: false,
    rate_fetched_at: 1,
    source_amount: "10.00",
    source_currency: "usd",
  };
  const upstream: FakeUpstream = {
    requests: [],
    fetch: async (request) => {
      upstream.requests.push({
        method: request.method,
        url: new URL(request.url),
        headers: request.headers,
        body: await request.text(),
      });
      return Response.json(quotes);
    },
  };
  await using app = serveTestApp({ catalog: OPTIMISM_USDT, upstream });
  const res = await app.fetch(
    "/quotes?destination_amount=5.5&destination_currencies=usdt&destination_networks=optimism",
  );
  assertEquals(res.status, 200);
  assertEquals(Object.fromEntries(upstream.requests[0]!.url.searchParams), {
    destination_amount: "5.5",
    "destination_currencies[0]": "usdt",
    "destination_networks[0]": "optimism",
  });
});

Deno.test("cryptoOnramp() refuses an invalid catalog at start-up, naming the option", () => {
  assertThrows(
    () =>
      cryptoOnramp({
        stripeSecretKey: SECRET_KEY,
        catalog: { networks: { sui: { currencies: ["sui"] } } },
      }),
    TypeError,
    "Cannot create onramp handler as 'catalog.networks.sui.currencies' names \"sui\"",
  );
});

Deno.test("the proxy and the mock given one catalog mint a session on the added network end to end", async () => {
  const mock = createStripeMock({ catalog: OPTIMISM_USDT });
  const upstream: FakeUpstream = { requests: [], fetch: mock.fetch };
  await using app = serveTestApp({ catalog: OPTIMISM_USDT, upstream });
  const res = await app.fetch(
    "/sessions",
    jsonPost({
      destination_networks: ["optimism"],
      destination_currency: "usdt",
      destination_network: "optimism",
      destination_amount: "25",
      wallet_addresses: { optimism: "0x0p" },
    }),
  );
  assertEquals(res.status, 200, JSON.stringify(await res.clone().json()));
  const session = await res.json();
  assertEquals(session.transaction_details.destination_amount, "25.000000");
  assertEquals(session.transaction_details.destination_network, "optimism");
  assertEquals(session.transaction_details.wallet_addresses.optimism, "0x0p");
  const quotes = await app.fetch(
    "/quotes?destination_networks=optimism&destination_currencies=usdt",
  );
  assertEquals(quotes.status, 200);
  const body = await quotes.json();
  assertEquals(body.destination_network_quotes.optimism[0].destination_currency, "usdt");
  // A mock without the catalog refuses, as Stripe would for an account not approved for it.
  const strict = createStripeMock();
  await using refused = serveTestApp({
    catalog: OPTIMISM_USDT,
    upstream: { requests: [], fetch: strict.fetch },
  });
  const answer = await refused.fetch("/sessions", jsonPost({ destination_networks: ["optimism"] }));
  assertEquals(answer.status, 400);
  assertStringIncludes((await answer.json()).error.param, "destination_networks");
});

/** A request that breaks a rule only third parties report: it goes to Stripe, with a warning. */
interface Unverified {
  name: string;
  body: Record<string, unknown>;
  code: string;
  param: string;
}

// docs/stripe-api-notes.md#rules-from-third-party-error-catalogs and #currencies-networks-and-pairs
const unverifiedRules: Unverified[] = [
  {
    name: "a zero source_amount",
    body: { source_amount: "0" },
    param: "source_amount",
    code: "crypto_onramp_invalid_amount",
  },
  {
    name: "a currency the network is not known to carry",
    body: { destination_currency: "sol", destination_network: "ethereum" },
    param: "destination_currency",
    code: "crypto_onramp_invalid_destination_currency_and_network_pair",
  },
  {
    name: "lists that share no known pair",
    body: { destination_currencies: ["btc"], destination_networks: ["solana", "ethereum"] },
    param: "destination_currencies",
    code: "crypto_onramp_invalid_destination_currency_and_network_pair",
  },
  {
    name: "a wallet for a network the session does not offer",
    body: { destination_networks: ["ethereum"], wallet_addresses: { solana: "So1" } },
    param: "wallet_addresses[solana]",
    code: "crypto_onramp_wallet_addresses_not_all_networks_supported",
  },
  {
    name: "a stellar tag when stellar is not offered",
    body: {
      destination_networks: ["ethereum"],
      wallet_addresses: { ethereum: "0xabc", destination_tags: { stellar: "1" } },
    },
    param: "wallet_addresses[destination_tags][stellar]",
    code: "crypto_onramp_destination_tags_not_supported",
  },
  {
    name: "lock_wallet_address without a wallet",
    body: { lock_wallet_address: true },
    param: "lock_wallet_address",
    code: "crypto_onramp_no_wallet_address_to_lock",
  },
  {
    name: "a btc amount beyond the 8 decimals nobody at Stripe stated",
    body: {
      destination_amount: "0.123456789",
      destination_currency: "btc",
      destination_network: "bitcoin",
    },
    param: "destination_amount",
    code: "crypto_onramp_invalid_amount",
  },
];

for (const { name, body, code, param } of unverifiedRules) {
  Deno.test(`POST /sessions sends ${name} to Stripe with one warning, naming ${param}`, async () => {
    await using app = serveTestApp({
      policy: { browserFields: [...DEFAULT_BROWSER_FIELDS, "lock_wallet_address"] },
    });
    const res = await app.fetch("/sessions", jsonPost(body));
    assertEquals(res.status, 200, JSON.stringify(await res.clone().json()));
    assertEquals(app.upstream.requests.length, 1, "Stripe decides");
    assertEquals(app.logs.map((entry) => [entry.level, entry.code]), [["warn", code]]);
    assertStringIncludes(app.logs[0]!.message, param);
  });
}

Deno.test("GET /quotes sends a pair nobody confirmed to Stripe with one warning", async () => {
  const quotes = {
    id: "q".repeat(64),
    destination_network_quotes: { ethereum: [] },
    livemode: false,
    rate_fetched_at: 1,
    source_amount: "1.00",
    source_currency: "usd",
  };
  await using app = serveTestApp({
    upstream: { requests: [], fetch: () => Promise.resolve(Response.json(quotes)) },
  });
  const res = await app.fetch(
    "/quotes?destination_amount=0.1&destination_currencies=sol&destination_networks=ethereum",
  );
  assertEquals(res.status, 200);
  assertEquals(app.logs.map((entry) => [entry.level, entry.code]), [[
    "warn",
    "crypto_onramp_invalid_destination_currency_and_network_pair",
  ]]);
});

Deno.test("a documented rule is still refused before Stripe is called, and nothing is warned", async () => {
  await using app = serveTestApp();
  // A zero amount only warns; both amounts at once is refused by Stripe's reference.
  const refused = await app.fetch(
    "/sessions",
    jsonPost({
      source_amount: "0",
      destination_amount: "0.1",
      destination_currency: "eth",
      destination_network: "ethereum",
    }),
  );
  assertEquals(refused.status, 400);
  const error = (await refused.json()).error;
  assertEquals([error.param, error.code], ["destination_amount", "parameters_exclusive"]);
  assertEquals(app.upstream.requests.length, 0);
  assertEquals(app.logs, []);
});
