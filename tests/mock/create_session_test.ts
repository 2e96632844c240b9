import { assert, assertEquals, assertExists, assertMatch, assertStringIncludes } from "@std/assert";
import type { FormValue } from "../../client/form_body.ts";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import { DESTINATION_CURRENCIES, DESTINATION_NETWORKS } from "../../validation/catalog.ts";
import { createRequest, errorOf, jsonOf, seeded } from "./_helpers.ts";

const NOW_MS = 1_767_225_600_123;
const ETH_WALLET = "0x742d35Cc6634C0532925a3b844Bc454e4438f44e";

Deno.test("POST /v1/crypto/onramp_sessions mints a realistic test-mode session", async () => {
  const mock = createStripeMock({ random: seeded(1), now: () => NOW_MS });
  const res = await mock.fetch(createRequest({
    source_amount: "100",
    source_currency: "usd",
    destination_currency: "eth",
    destination_network: "ethereum",
    destination_networks: ["ethereum", "base"],
    wallet_addresses: { ethereum: ETH_WALLET },
    lock_wallet_address: true,
    metadata: { order: "42" },
    customer_ip_address: "203.0.113.7",
  }));
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("Content-Type"), "application/json");
  assertMatch(res.headers.get("Request-Id") ?? "", /^req_/);
  const session = await jsonOf(res);
  assertMatch(session.id as string, /^cos_[A-Za-z0-9]{24}$/);
  assertMatch(session.client_secret as string, /^cos_[A-Za-z0-9]{24}_secret_[A-Za-z0-9]{32}$/);
  assert((session.client_secret as string).startsWith(`${session.id}_secret_`));
  assertEquals(session.object, "crypto.onramp_session");
  assertEquals(session.created, 1_767_225_600);
  assertEquals(session.livemode, false);
  assertEquals(session.status, "initialized");
  assertEquals(session.redirect_url, null);
  assertEquals(session.kyc_details_provided, false);
  assertEquals(session.metadata, { order: "42" });
  assertEquals(session.customer_ip_address, undefined, "the IP is never echoed");
  assertEquals(session.transaction_details, {
    destination_amount: null,
    destination_currencies: [...DESTINATION_CURRENCIES],
    destination_currency: "eth",
    destination_network: "ethereum",
    destination_networks: ["ethereum", "base"],
    fees: null,
    lock_wallet_address: true,
    source_amount: "100.00",
    source_currency: "usd",
    transaction_id: null,
    wallet_address: null,
    wallet_addresses: {
      avalanche: null,
      base_network: null,
      bitcoin: null,
      ethereum: ETH_WALLET,
      polygon: null,
      solana: null,
      stellar: null,
      destination_tags: { stellar: null },
    },
  });
  const [record] = mock.sessions();
  assertExists(record);
  assertEquals(record.session, session);
  assertEquals(record.received_customer_ip_address, "203.0.113.7");
  assertEquals(mock.stats.sessionsCreated, 1);
});

Deno.test("POST /v1/crypto/onramp_sessions without parameters matches the shape of Stripe's example", async () => {
  const mock = createStripeMock();
  const session = await jsonOf(await mock.fetch(createRequest({})));
  const details = session.transaction_details as Record<string, unknown>;
  assertEquals(details.destination_currencies, [...DESTINATION_CURRENCIES]);
  assertEquals(details.destination_networks, [...DESTINATION_NETWORKS]);
  assertEquals(details.wallet_addresses, null);
  assertEquals(details.lock_wallet_address, false);
  assertEquals(session.metadata, {});
  assertEquals(mock.sessions()[0]?.received_customer_ip_address, null);
});

Deno.test("POST /v1/crypto/onramp_sessions pads destination_amount to the currency's precision", async () => {
  const res = await createStripeMock().fetch(createRequest({
    destination_amount: "0.1",
    destination_currency: "eth",
    destination_network: "ethereum",
  }));
  const details = (await jsonOf(res)).transaction_details as Record<string, unknown>;
  assertEquals(details.destination_amount, "0.100000000000000000");
});

Deno.test("POST /v1/crypto/onramp_sessions types kyc_details, reads false and drops empty values", async () => {
  const mock = createStripeMock();
  const res = await mock.fetch(createRequest({
    kyc_details: { first_name: "Ada", dob: { day: 10, month: 12, year: 1990 } },
    lock_wallet_address: false,
    metadata: { keep: "1", unset: "" },
    source_amount: null, // encoded as "source_amount=", which Stripe reads as unset
  }));
  assertEquals(res.status, 200);
  const session = await jsonOf(res);
  assertEquals(session.kyc_details_provided, true);
  assertEquals(session.metadata, { keep: "1" });
  assertEquals((session.transaction_details as Record<string, unknown>).source_amount, null);
});

Deno.test("POST /v1/crypto/onramp_sessions accepts destination_networks[]= and refuses lock_wallet_address=yes", async () => {
  const mock = createStripeMock();
  const ok = await mock.fetch(
    createRequest("destination_networks[]=solana&destination_networks[]=base"),
  );
  const details = (await jsonOf(ok)).transaction_details as Record<string, unknown>;
  assertEquals(details.destination_networks, ["solana", "base"]);
  const bad = await mock.fetch(createRequest("lock_wallet_address=yes"));
  assertEquals(bad.status, 400);
  assertEquals((await errorOf(bad)).param, "lock_wallet_address");
});

Deno.test("POST /v1/crypto/onramp_sessions refuses wallet_addresses[base] as parameter_unknown", async () => {
  const mock = createStripeMock();
  const res = await mock.fetch(createRequest({
    destination_networks: ["base"],
    wallet_addresses: { base: ETH_WALLET },
  }));
  assertEquals(res.status, 400);
  const error = await errorOf(res);
  assertEquals(error.type, "invalid_request_error");
  assertEquals(error.code, "parameter_unknown");
  assertEquals(error.param, "wallet_addresses[base]");
  assertStringIncludes(error.message, "Received unknown parameter: wallet_addresses[base]");
  assertEquals(mock.stats.sessionsCreated, 0);
});

Deno.test("POST /v1/crypto/onramp_sessions names an unknown parameter before a bad value", async () => {
  const res = await createStripeMock().fetch(
    createRequest({ destination_network: "dogechain", walet_addresses: { ethereum: "0x1" } }),
  );
  const error = await errorOf(res);
  assertEquals([error.code, error.param], ["parameter_unknown", "walet_addresses"]);
});

Deno.test("POST /v1/crypto/onramp_sessions refuses values outside the catalog's enums", async () => {
  const mock = createStripeMock();
  for (
    const [params, param] of [
      [{ destination_network: "dogechain" }, "destination_network"],
      [{ destination_currencies: ["eth", "doge"] }, "destination_currencies[1]"],
      [{ source_currency: "jpy" }, "source_currency"],
    ] as const
  ) {
    const error = await errorOf(await mock.fetch(createRequest(params)));
    assertEquals([error.code, error.param], ["parameter_invalid", param]);
  }
});

Deno.test("POST /v1/crypto/onramp_sessions refuses an amount that is not a decimal string", async () => {
  const error = await errorOf(
    await createStripeMock().fetch(createRequest({ source_amount: "1e3" })),
  );
  assertEquals([error.code, error.param], ["parameter_invalid", "source_amount"]);
});

// One row per rule of Stripe's create reference (and the third-party rules our validation also
// enforces: docs/stripe-api-notes.md#rules-from-third-party-error-catalogs).
const createRules: [string, Record<string, FormValue>, string, string][] = [
  [
    "source_amount and destination_amount exclude each other",
    {
      source_amount: "100",
      destination_amount: "0.1",
      destination_currency: "eth",
      destination_network: "ethereum",
    },
    "destination_amount",
    "parameters_exclusive",
  ],
  [
    "destination_amount needs destination_currency",
    {
      destination_amount: "0.1",
      destination_network: "ethereum",
    },
    "destination_currency",
    "parameter_missing",
  ],
  [
    "destination_amount needs destination_network",
    {
      destination_amount: "0.1",
      destination_currency: "eth",
    },
    "destination_network",
    "parameter_missing",
  ],
  [
    "destination_currency must be among destination_currencies",
    {
      destination_currency: "btc",
      destination_currencies: ["eth", "usdc"],
    },
    "destination_currency",
    "crypto_onramp_conflicting_destination_currency",
  ],
  [
    "destination_network must be among destination_networks",
    {
      destination_network: "bitcoin",
      destination_networks: ["ethereum"],
    },
    "destination_network",
    "crypto_onramp_conflicting_destination_network",
  ],
  [
    "wallet_addresses needs destination_network or destination_networks",
    {
      wallet_addresses: { ethereum: ETH_WALLET },
    },
    "wallet_addresses",
    "crypto_onramp_invalid_wallet_address_parameters",
  ],
  [
    "source_amount takes no fractions of a cent",
    {
      source_amount: "10.005",
    },
    "source_amount",
    "crypto_onramp_invalid_amount",
  ],
  [
    "destination_amount stays within the currency's precision",
    {
      destination_amount: "0.1234567",
      destination_currency: "usdc",
      destination_network: "ethereum",
    },
    "destination_amount",
    "crypto_onramp_invalid_amount",
  ],
  [
    "destination lists are non-empty without repeats",
    {
      destination_currencies: ["eth", "eth"],
    },
    "destination_currencies",
    "parameter_invalid",
  ],
  [
    "each wallet's network is among the session's networks (third-party rule)",
    {
      destination_networks: ["solana"],
      wallet_addresses: { ethereum: ETH_WALLET },
    },
    "wallet_addresses[ethereum]",
    "crypto_onramp_wallet_addresses_not_all_networks_supported",
  ],
  [
    "lock_wallet_address needs a wallet (third-party rule)",
    {
      lock_wallet_address: true,
    },
    "lock_wallet_address",
    "crypto_onramp_no_wallet_address_to_lock",
  ],
];

for (const [rule, params, param, code] of createRules) {
  Deno.test(`POST /v1/crypto/onramp_sessions enforces the rule: ${rule}`, async () => {
    const mock = createStripeMock();
    const res = await mock.fetch(createRequest(params));
    assertEquals(res.status, 400);
    const error = await errorOf(res);
    assertEquals(error.type, "invalid_request_error");
    assertEquals([error.param, error.code], [param, code]);
    assertEquals(mock.stats.sessionsCreated, 0);
  });
}

Deno.test("POST /v1/crypto/onramp_sessions refuses a customer in 192.0.2.0/24 as an unsupported region", async () => {
  const mock = createStripeMock();
  for (const ip of ["192.0.2.1", "192.0.2.255", "::ffff:192.0.2.9"]) {
    const res = await mock.fetch(createRequest({ customer_ip_address: ip }));
    assertEquals(res.status, 400);
    const error = await errorOf(res);
    assertEquals([error.type, error.code], [
      "invalid_request_error",
      "crypto_onramp_unsupportable_customer",
    ]);
  }
  assertEquals(mock.stats.sessionsCreated, 0);
  const neighbour = await mock.fetch(createRequest({ customer_ip_address: "192.0.3.1" }));
  assertEquals(neighbour.status, 200);
});

Deno.test("POST /v1/crypto/onramp_sessions takes IPv6 and refuses what is not one address", async () => {
  const mock = createStripeMock();
  assertEquals(
    (await mock.fetch(createRequest({ customer_ip_address: "2001:db8::1" }))).status,
    200,
  );
  for (const ip of ["203.0.113.7:443", "[2001:db8::1]", "localhost", "256.1.1.1", "fe80::1%eth0"]) {
    const res = await mock.fetch(createRequest({ customer_ip_address: ip }));
    assertEquals(res.status, 400, ip);
    const error = await errorOf(res);
    assertEquals([error.param, error.code], ["customer_ip_address", "parameter_invalid"]);
  }
});

Deno.test("POST /v1/crypto/onramp_sessions requires a form body", async () => {
  const res = await createStripeMock().fetch(
    createRequest('{"source_amount":"100"}', { contentType: "application/json" }),
  );
  assertEquals(res.status, 400);
  assertStringIncludes((await errorOf(res)).message, "application/x-www-form-urlencoded");
});

Deno.test("POST /v1/crypto/onramp_sessions reports a malformed name as parameter_invalid", async () => {
  const error = await errorOf(
    await createStripeMock().fetch(createRequest("metadata=x&metadata[a]=y")),
  );
  assertEquals([error.param, error.code], ["metadata", "parameter_invalid"]);
});

Deno.test("POST /v1/crypto/onramp_sessions names a missing required member as Stripe does", async () => {
  const mock = createStripeMock();
  const missing = await errorOf(
    await mock.fetch(createRequest("kyc_details[dob][month]=1&kyc_details[dob][year]=2000")),
  );
  assertEquals(
    [missing.param, missing.code, missing.message],
    ["kyc_details[dob][day]", "parameter_missing", "Missing required param: kyc_details[dob][day]"],
  );
  const invalid = await errorOf(
    await mock.fetch(
      createRequest(
        "kyc_details[dob][day]=x&kyc_details[dob][month]=1&kyc_details[dob][year]=2000",
      ),
    ),
  );
  assertEquals([invalid.param, invalid.code], ["kyc_details[dob][day]", "parameter_invalid"]);
});
