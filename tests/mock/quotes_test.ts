import { assertEquals, assertMatch } from "@std/assert";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import { DESTINATION_NETWORKS, WALLET_KEYS } from "../../validation/catalog.ts";
import { errorOf, getRequest } from "./_helpers.ts";

const QUOTES = "/v1/crypto/onramp_quotes";
const NOW_MS = 1_674_265_506_340;

interface Quote {
  id: string;
  destination_amount: string;
  destination_currency: string;
  destination_network: string;
  source_total_amount: string;
  fees: { network_fee_monetary: string; transaction_fee_monetary: string };
}
interface QuotesJson {
  id: string;
  object: string;
  destination_network_quotes: Record<string, Quote[]>;
  livemode: boolean;
  rate_fetched_at: number;
  source_amount: string;
  source_currency: string;
}

async function quotes(query: Record<string, string | string[]> | string) {
  const res = await createStripeMock({ now: () => NOW_MS }).fetch(getRequest(QUOTES, query));
  assertEquals(res.status, 200);
  return await res.json() as QuotesJson;
}

const pick = (q: Quote | undefined) =>
  q && [q.destination_currency, q.destination_amount, q.source_total_amount, q.fees];

Deno.test("GET /v1/crypto/onramp_quotes quotes 100.00 usd on every pair by default", async () => {
  const body = await quotes({});
  assertMatch(body.id, /^[0-9a-f]{64}$/);
  assertEquals(body.object, "crypto.onramp.quotes");
  assertEquals(body.livemode, false);
  assertEquals(body.rate_fetched_at, 1_674_265_506.34);
  assertEquals([body.source_amount, body.source_currency], ["100.00", "usd"]);
  assertEquals(
    Object.keys(body.destination_network_quotes).sort(),
    DESTINATION_NETWORKS.map((n) => WALLET_KEYS[n]).sort(),
  );
  const ethereum = body.destination_network_quotes.ethereum ?? [];
  // Fake rates: eth $3,000, usdc $1; fees: 1.5 % processing, $1.20 gas on ethereum.
  assertEquals(ethereum.map(pick), [
    ["eth", "0.033333333333333333", "102.70", {
      network_fee_monetary: "1.20",
      transaction_fee_monetary: "1.50",
    }],
    ["usdc", "100.000000", "102.70", {
      network_fee_monetary: "1.20",
      transaction_fee_monetary: "1.50",
    }],
  ]);
  assertMatch(ethereum[0]?.id ?? "", /^[0-9a-f]{64}$/);
  assertEquals(body.destination_network_quotes.bitcoin?.map((q) => q.destination_amount), [
    "0.00166666",
  ]);
});

Deno.test("GET /v1/crypto/onramp_quotes keys Base as base_network and leaves unasked networks empty", async () => {
  const body = await quotes({ destination_networks: ["base"], destination_currencies: ["usdc"] });
  assertEquals(body.destination_network_quotes.base, undefined);
  assertEquals(body.destination_network_quotes.base_network?.map((q) => q.destination_network), [
    "base",
  ]);
  assertEquals(body.destination_network_quotes.ethereum, []);
});

Deno.test("GET /v1/crypto/onramp_quotes prices a destination_amount in the source currency", async () => {
  const body = await quotes(
    "destination_amount=0.5&destination_currencies[]=eth&destination_networks[]=ethereum",
  );
  assertEquals(body.source_amount, "1500.00");
  assertEquals(body.destination_network_quotes.ethereum?.map(pick), [
    ["eth", "0.500000000000000000", "1523.70", {
      network_fee_monetary: "1.20",
      transaction_fee_monetary: "22.50",
    }],
  ]);
});

Deno.test("GET /v1/crypto/onramp_quotes converts to eur with the fake exchange rate", async () => {
  const body = await quotes({
    source_currency: "eur",
    destination_currencies: ["eth"],
    destination_networks: ["ethereum"],
  });
  assertEquals(body.source_currency, "eur");
  assertEquals(
    body.destination_network_quotes.ethereum?.[0]?.destination_amount,
    "0.036231884057971014",
  );
});

Deno.test("GET /v1/crypto/onramp_quotes enforces the quotes rules", async () => {
  const mock = createStripeMock();
  const cases: [string, string, string][] = [
    [
      "source_amount=10&destination_amount=1&destination_currencies[0]=eth&destination_networks[0]=ethereum",
      "destination_amount",
      "parameters_exclusive",
    ],
    [
      "destination_amount=1&destination_currencies[0]=eth&destination_currencies[1]=usdc&destination_networks[0]=ethereum",
      "destination_currencies",
      "parameter_invalid",
    ],
    [
      "destination_amount=1&destination_currencies[0]=eth",
      "destination_networks",
      "parameter_invalid",
    ],
    [
      "destination_amount=1&destination_currencies[0]=btc&destination_networks[0]=ethereum",
      "destination_currencies",
      "crypto_onramp_invalid_destination_currency_and_network_pair",
    ],
    ["source_amount=10.001", "source_amount", "crypto_onramp_invalid_amount"],
    ["destination_networks[0]=dogechain", "destination_networks[0]", "parameter_invalid"],
    ["source_currency=jpy", "source_currency", "parameter_invalid"],
    ["limit=3", "limit", "parameter_unknown"],
  ];
  for (const [query, param, code] of cases) {
    const res = await mock.fetch(getRequest(QUOTES, query));
    assertEquals(res.status, 400, query);
    const error = await errorOf(res);
    assertEquals(
      [error.type, error.param, error.code],
      ["invalid_request_error", param, code],
      query,
    );
  }
});

Deno.test("GET /v1/crypto/onramp_quotes calls a value of the wrong type invalid, not missing", async () => {
  const res = await createStripeMock().fetch(getRequest(QUOTES, "source_amount[x]=1"));
  assertEquals(res.status, 400);
  const error = await errorOf(res);
  assertEquals(
    [error.param, error.code, error.message],
    ["source_amount", "parameter_invalid", "Invalid source_amount: must be a string"],
  );
});
