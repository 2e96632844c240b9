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
  BUILT_IN_CATALOG,
  carries,
  type Catalog,
  type DestinationCurrency,
  type DestinationNetwork,
  FIAT_DECIMALS,
  type SourceCurrency,
} from "../validation/catalog.ts";
import { findQuoteViolation } from "../validation/rules.ts";
import { checkValue } from "../validation/schema_violation.ts";
import { asParsedJson, requestSchemas } from "../validation/schemas.ts";
import { invalidParam, randomHex } from "./_answers.ts";
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

// What a currency or network the built-in lists do not know (one a catalog adds) costs: $1 a
// coin, like a stablecoin, and a 1 cent network fee.
const FAKE_UNLISTED_PRICE_USD_CENTS = 100n;
const FAKE_UNLISTED_NETWORK_FEE_USD_CENTS = 1n;
const FAKE_UNLISTED_FIAT_PER_100_USD = 100n;

function fakeValue<K extends string>(
  table: { readonly [key in K]: bigint },
  key: string,
  otherwise: bigint,
): bigint {
  return Object.hasOwn(table, key) ? table[key as K] : otherwise;
}

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

const fiatCents = (usdCents: bigint, fiat: string) =>
  ceilDiv(
    usdCents * fakeValue(FAKE_FIAT_PER_100_USD, fiat, FAKE_UNLISTED_FIAT_PER_100_USD),
    100n,
  );
const priceOf = (currency: string) =>
  fakeValue(FAKE_PRICE_USD_CENTS, currency, FAKE_UNLISTED_PRICE_USD_CENTS);
const networkFeeOf = (network: string) =>
  fakeValue(FAKE_NETWORK_FEE_USD_CENTS, network, FAKE_UNLISTED_NETWORK_FEE_USD_CENTS);

/**
 * Answers the quotes for a query.
 *
 * @param query The parsed query string.
 * @param random Randomness for the ids.
 * @param nowMs The clock, for `rate_fetched_at`.
 * @param catalog The networks, currencies and pairs the mock knows.
 * @returns The quotes object.
 * @throws {RejectedRequest} 400 for an unknown or invalid parameter or a broken rule.
 */
export function buildQuotes(
  query: FormObject,
  random: () => number,
  nowMs: number,
  catalog: Catalog = BUILT_IN_CATALOG,
): OnrampQuotes {
  // An empty value means "not set", as on every Stripe endpoint.
  const sent = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ""));
  const parsed = checkValue(requestSchemas(catalog).quoteQuery, sent, "query");
  if (!parsed.success) {
    const { param, code, message } = parsed.violation;
    throw invalidParam(param, code, message);
  }
  const checked = asParsedJson(parsed.data);
  const violation = findQuoteViolation(checked, catalog);
  if (violation) throw invalidParam(violation.param, violation.code, violation.message);

  const fiat = checked.source_currency ?? "usd";
  const networks: readonly string[] = checked.destination_networks ?? catalog.networks;
  const currencies: readonly string[] = checked.destination_currencies ?? catalog.currencies;
  const decimalsOf = (currency: string) => catalog.precision.get(currency)?.decimals ?? 0;
  const target = checked.destination_amount;
  let sourceCents = toUnits(checked.source_amount ?? DEFAULT_SOURCE_AMOUNT, FIAT_DECIMALS);
  if (target !== undefined) {
    // The rules left exactly one currency: the fiat side is what that much of it costs.
    const currency = currencies[0] ?? "usdc";
    const places = decimalsOf(currency);
    const price = fiatCents(priceOf(currency), fiat);
    sourceCents = ceilDiv(toUnits(target, places) * price, pow10(places));
  }

  const quoteOf = (network: string, currency: string) => {
    const places = decimalsOf(currency);
    const price = fiatCents(priceOf(currency), fiat);
    const units = target === undefined
      ? sourceCents * pow10(places) / price
      : toUnits(target, places);
    const transactionFee = ceilDiv(sourceCents * FAKE_TRANSACTION_FEE_BASIS_POINTS, 10_000n);
    const networkFee = fiatCents(networkFeeOf(network), fiat);
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
    destination_network_quotes: Object.fromEntries(catalog.networks.map((network) => [
      catalog.walletKeys.get(network)!,
      networks.includes(network)
        ? currencies.filter((c) => carries(catalog, network, c)).map((c) => quoteOf(network, c))
        : [],
    ])),
    livemode: false,
    rate_fetched_at: nowMs / 1000,
    source_amount: formatUnits(sourceCents, FIAT_DECIMALS),
    source_currency: fiat,
  };
}
