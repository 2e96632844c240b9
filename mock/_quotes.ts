/**
 * `GET /v1/crypto/onramp_quotes` in the mock: the quotes rules of
 * https://docs.stripe.com/crypto/quotes-api, priced with
 * made-up rates.
 *
 * THE PRICES, EXCHANGE RATES AND FEES BELOW ARE FAKE. They are round numbers chosen so tests
 * can compute the expected amounts by hand; they are not market data and never were.
 *
 * @module
 */
import type { OnrampQuotes } from "../client/types.ts";
import {
  carries,
  CRYPTO_DECIMALS,
  DESTINATION_CURRENCIES,
  DESTINATION_NETWORKS,
  type DestinationCurrency,
  type DestinationNetwork,
  FIAT_DECIMALS,
  type SourceCurrency,
  WALLET_KEYS,
} from "../validation/catalog.ts";
import { findQuoteViolation } from "../validation/rules.ts";
import { asParsedJson, QuoteQuerySchema } from "../validation/schemas.ts";
import { invalidFromIssues, invalidParam, randomHex } from "./_answers.ts";
import type { FormObject } from "./form_parse.ts";

/** Fake price of one whole coin, in US cents. */
export const FAKE_PRICE_USD_CENTS: { readonly [C in DestinationCurrency]: bigint } = {
  avax: 3_000n, // $30
  btc: 6_000_000n, // $60,000
  eth: 300_000n, // $3,000
  matic: 50n, // $0.50
  sol: 15_000n, // $150
  usdc: 100n, // $1
  xlm: 10n, // $0.10
};

/** Fake exchange rate: units of each fiat currency per 100 US dollars. */
export const FAKE_FIAT_PER_100_USD: { readonly [S in SourceCurrency]: bigint } = {
  eur: 92n,
  gbp: 79n,
  usd: 100n,
};

/** Fake network (gas or miner) fee of one purchase, in US cents. */
export const FAKE_NETWORK_FEE_USD_CENTS: { readonly [N in DestinationNetwork]: bigint } = {
  avalanche: 5n,
  base: 1n,
  bitcoin: 150n,
  ethereum: 120n,
  polygon: 1n,
  solana: 1n,
  stellar: 1n,
};

/** Fake processing fee: 1.5 % of the source amount, rounded up to the cent. */
export const FAKE_TRANSACTION_FEE_BASIS_POINTS = 150n;

const DEFAULT_SOURCE_AMOUNT = "100.00"; // Stripe's default: https://docs.stripe.com/crypto/quotes-api

// Amounts are exact: decimal strings become integers of minor units, never floats.
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const pow10 = (places: number) => 10n ** BigInt(places);

function toUnits(amount: string, places: number): bigint {
  const [whole = "0", fraction = ""] = amount.split(".");
  return BigInt(whole + fraction.padEnd(places, "0").slice(0, places));
}

function formatUnits(units: bigint, places: number): string {
  const digits = units.toString().padStart(places + 1, "0");
  return places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

const fiatCents = (usdCents: bigint, fiat: SourceCurrency) =>
  ceilDiv(usdCents * FAKE_FIAT_PER_100_USD[fiat], 100n);

/**
 * Answers the quotes for a query.
 *
 * @param query The parsed query string.
 * @param random Randomness for the ids.
 * @param nowMs The clock, for `rate_fetched_at`.
 * @returns The quotes object.
 * @throws {RejectedRequest} 400 for an unknown or invalid parameter or a broken rule.
 */
export function buildQuotes(query: FormObject, random: () => number, nowMs: number): OnrampQuotes {
  // An empty value means "not set", as on every Stripe endpoint.
  const sent = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ""));
  const parsed = QuoteQuerySchema.safeParse(sent);
  if (!parsed.success) throw invalidFromIssues(parsed.error.issues, "query");
  const checked = asParsedJson(parsed.data);
  const violation = findQuoteViolation(checked);
  if (violation) throw invalidParam(violation.param, violation.code, violation.message);

  const fiat = checked.source_currency ?? "usd";
  const networks = checked.destination_networks ?? DESTINATION_NETWORKS;
  const currencies = checked.destination_currencies ?? DESTINATION_CURRENCIES;
  const target = checked.destination_amount;
  let sourceCents = toUnits(checked.source_amount ?? DEFAULT_SOURCE_AMOUNT, FIAT_DECIMALS);
  if (target !== undefined) {
    // The rules left exactly one currency: the fiat side is what that much of it costs.
    const currency = currencies[0] ?? "usdc";
    const places = CRYPTO_DECIMALS[currency];
    const price = fiatCents(FAKE_PRICE_USD_CENTS[currency], fiat);
    sourceCents = ceilDiv(toUnits(target, places) * price, pow10(places));
  }

  const quoteOf = (network: DestinationNetwork, currency: DestinationCurrency) => {
    const places = CRYPTO_DECIMALS[currency];
    const price = fiatCents(FAKE_PRICE_USD_CENTS[currency], fiat);
    const units = target === undefined
      ? sourceCents * pow10(places) / price
      : toUnits(target, places);
    const transactionFee = ceilDiv(sourceCents * FAKE_TRANSACTION_FEE_BASIS_POINTS, 10_000n);
    const networkFee = fiatCents(FAKE_NETWORK_FEE_USD_CENTS[network], fiat);
    return {
      id: randomHex(random, 64),
      destination_amount: formatUnits(units, places),
      destination_currency: currency,
      destination_network: network,
      source_total_amount: formatUnits(sourceCents + transactionFee + networkFee, FIAT_DECIMALS),
      fees: {
        network_fee_monetary: formatUnits(networkFee, FIAT_DECIMALS),
        transaction_fee_monetary: formatUnits(transactionFee, FIAT_DECIMALS),
      },
    };
  };

  return {
    id: randomHex(random, 64),
    object: "crypto.onramp.quotes",
    // Every network has a key (Base as base_network: docs/stripe-api-notes.md#wallet-keys);
    // unrequested ones are [].
    destination_network_quotes: Object.fromEntries(DESTINATION_NETWORKS.map((network) => [
      WALLET_KEYS[network],
      networks.includes(network)
        ? currencies.filter((c) => carries(network, c)).map((c) => quoteOf(network, c))
        : [],
    ])),
    livemode: false,
    rate_fetched_at: nowMs / 1000,
    source_amount: formatUnits(sourceCents, FIAT_DECIMALS),
    source_currency: fiat,
  };
}
