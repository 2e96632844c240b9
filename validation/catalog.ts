/**
 * What the onramp accepts: currencies, networks, precisions and which network carries which
 * currency. The value lists are checked against the types generated from `openapi.yaml`, so
 * they cannot drift from the spec.
 *
 * @module
 */
import type { components } from "../generated/stripe_onramp.ts";

/**
 * The schemas generated from `openapi.yaml` (`components["schemas"]` of `generated/`).
 *
 * @internal
 */
type Schemas = components["schemas"];

/** A crypto network Stripe accepts in requests. */
export type DestinationNetwork = Schemas["DestinationNetwork"];
/** A cryptocurrency Stripe accepts in requests. */
export type DestinationCurrency = Schemas["DestinationCurrency"];
/** A fiat currency Stripe accepts in requests. */
export type SourceCurrency = Schemas["SourceCurrency"];
/** A key of `wallet_addresses` naming a network. */
export type WalletKey = Exclude<keyof Schemas["WalletAddressesParam"], "destination_tags">;

/**
 * Returns `list` unchanged; fails to compile when it misses a member of the generated union `U`
 * (a foreign value fails too, through `readonly U[]`).
 */
function listingAll<U extends string>() {
  return <const L extends readonly U[]>(list: L & ([U] extends [L[number]] ? unknown : never)): L =>
    list;
}

/** Crypto networks, as https://docs.stripe.com/api/crypto/onramp_sessions/create lists them. */
export const DESTINATION_NETWORKS: readonly [DestinationNetwork, ...DestinationNetwork[]] =
  listingAll<DestinationNetwork>()([
    "avalanche",
    "base",
    "bitcoin",
    "ethereum",
    "polygon",
    "solana",
    "stellar",
  ]);

/**
 * Cryptocurrencies, with the decimal places each accepts: "18 decimal places for eth" in
 * https://docs.stripe.com/api/crypto/onramp_sessions/create, the others as in
 * docs/stripe-api-notes.md#currencies-networks-and-pairs.
 */
export const CRYPTO_DECIMALS: { readonly [C in DestinationCurrency]: number } = {
  avax: 18,
  btc: 8, // satoshi: Bitcoin's own precision; unverified for the onramp
  eth: 18,
  matic: 18,
  sol: 9, // lamports
  usdc: 6,
  xlm: 7, // stroops
};

/** Cryptocurrencies, as https://docs.stripe.com/api/crypto/onramp_sessions/create lists them. */
export const DESTINATION_CURRENCIES: readonly [DestinationCurrency, ...DestinationCurrency[]] =
  listingAll<DestinationCurrency>()([
    "avax",
    "btc",
    "eth",
    "matic",
    "sol",
    "usdc",
    "xlm",
  ]);

/** Fiat currencies; all take at most 2 decimals (Stripe supports no fractional pennies). */
export const SOURCE_CURRENCIES: readonly [SourceCurrency, ...SourceCurrency[]] = listingAll<
  SourceCurrency
>()(["eur", "gbp", "usd"]);

/** Decimal places of every fiat currency the onramp takes. */
export const FIAT_DECIMALS = 2;

/**
 * Which currencies each network carries (docs/stripe-api-notes.md#currencies-networks-and-pairs).
 * Ethereum, Solana and Avalanche are
 * confirmed by Stripe's quote examples; the others are the pairs third-party integrations use.
 */
export const NETWORK_CURRENCIES: {
  readonly [N in DestinationNetwork]: readonly DestinationCurrency[];
} = {
  avalanche: ["avax", "usdc"],
  base: ["eth", "usdc"],
  bitcoin: ["btc"],
  ethereum: ["eth", "usdc"],
  polygon: ["matic", "usdc"],
  solana: ["sol", "usdc"],
  stellar: ["xlm", "usdc"],
};

/** The `wallet_addresses` key of each network: Base's is `base_network` (docs/stripe-api-notes.md#wallet-keys). */
export const WALLET_KEYS: { readonly [N in DestinationNetwork]: WalletKey } = {
  avalanche: "avalanche",
  base: "base_network",
  bitcoin: "bitcoin",
  ethereum: "ethereum",
  polygon: "polygon",
  solana: "solana",
  stellar: "stellar",
};

/** The network of each `wallet_addresses` key: {@linkcode WALLET_KEYS} read backwards. */
export const NETWORK_OF_WALLET_KEY: { readonly [K in WalletKey]: DestinationNetwork } = Object
  .fromEntries(
    Object.entries(WALLET_KEYS).map(([network, key]) => [key, network]),
  ) as { [K in WalletKey]: DestinationNetwork };

/** Networks whose assets use destination tags: "tag-based assets such as XLM" in the create reference. */
export const TAG_NETWORKS: readonly DestinationNetwork[] = ["stellar"];

/**
 * Whether `network` carries `currency`.
 *
 * @param network A destination network.
 * @param currency A destination currency.
 * @returns `true` when the pair can be bought.
 */
export function carries(network: DestinationNetwork, currency: DestinationCurrency): boolean {
  return NETWORK_CURRENCIES[network].includes(currency);
}
