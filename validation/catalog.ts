/**
 * What the onramp accepts: currencies, networks, precisions, wallet keys and which network
 * carries which currency. The built-in lists are checked against the types generated from
 * `openapi.yaml`, so they cannot drift from the spec; a platform that Stripe has approved for
 * more adds to them with the `catalog` option ({@linkcode CatalogOptions}), checked once at
 * start-up by {@linkcode createCatalog}.
 *
 * Every lookup goes through a `Map` or `Set`: a request-derived key such as `"constructor"`
 * finds nothing rather than something inherited from `Object.prototype`.
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

/** A crypto network Stripe accepts in requests, as `openapi.yaml` lists them. */
export type DestinationNetwork = Schemas["DestinationNetwork"];
/** A cryptocurrency Stripe accepts in requests, as `openapi.yaml` lists them. */
export type DestinationCurrency = Schemas["DestinationCurrency"];
/** A fiat currency Stripe accepts in requests, as `openapi.yaml` lists them. */
export type SourceCurrency = Schemas["SourceCurrency"];
/** A key of `wallet_addresses` naming a network. */
export type WalletKey = Exclude<keyof Schemas["WalletAddressesParam"], "destination_tags">;
/**
 * One of the values `T` lists, or another string a platform's catalog adds (editors still
 * suggest the listed ones).
 */
export type Extensible<T extends string> = T | (string & Record<never, never>);

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
  avax: 18, // the asset's own precision; unverified for the onramp
  btc: 8, // satoshi: Bitcoin's own precision; unverified for the onramp
  eth: 18,
  matic: 18, // the asset's own precision; unverified for the onramp
  sol: 9, // lamports
  usdc: 6,
  xlm: 7, // stroops: the asset's own precision; unverified for the onramp
};

/**
 * The currencies whose precision Stripe states (the create reference for eth, Stripe's own
 * examples for usdc and sol: docs/stripe-api-notes.md#currencies-networks-and-pairs). Amounts
 * beyond the others' precision are sent with a warning and Stripe decides.
 */
export const DOCUMENTED_DECIMALS: readonly DestinationCurrency[] = ["eth", "sol", "usdc"];

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
 * Ethereum, Solana and Avalanche are confirmed by Stripe's quote examples; the others are the
 * pairs third-party integrations use. No Stripe page says which pairs do *not* exist, so a
 * session or quote outside these pairs is sent with a warning and Stripe decides.
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

/** Networks whose assets use destination tags: "tag-based assets such as XLM" in the create reference. */
export const TAG_NETWORKS: readonly DestinationNetwork[] = ["stellar"];

/** A cryptocurrency a platform adds, or restates, in {@linkcode CatalogOptions.currencies}. */
export interface CatalogCurrency {
  /**
   * The decimal places of a `destination_amount` in it (18 for most EVM tokens, 6 for USDC and
   * USDT). An amount with more is refused, since the platform states it.
   */
  decimals: number;
}

/** A network a platform adds, or extends, in {@linkcode CatalogOptions.networks}. */
export interface CatalogNetwork {
  /**
   * Its key in `wallet_addresses` (Base's is `base_network`). A built-in network keeps its own.
   *
   * @default {the network's name}
   */
  walletKey?: string;
  /**
   * The cryptocurrencies it carries; for a built-in network, added to its own.
   *
   * @default {[]}
   */
  currencies?: readonly string[];
  /**
   * Whether its assets take a destination tag (`wallet_addresses[destination_tags][…]`), as
   * Stellar's do.
   *
   * @default {false}
   */
  destinationTags?: boolean;
}

/**
 * What a platform adds to the built-in catalog, for networks and currencies Stripe has approved
 * it for before this module lists them. Names are Stripe's lower-case values (`optimism`,
 * `usdt`); the request schemas, the OpenAPI document, the policy checks and the mock all follow.
 *
 * @example Allow USDT on Optimism, and on Ethereum
 * ```ts
 * import { createCatalog } from "./catalog.ts";
 *
 * const catalog = createCatalog({
 *   currencies: { usdt: { decimals: 6 } },
 *   networks: { optimism: { currencies: ["eth", "usdc", "usdt"] }, ethereum: { currencies: ["usdt"] } },
 * });
 * console.log(catalog.networks.includes("optimism")); // true
 * ```
 */
export interface CatalogOptions {
  /** Networks to add (or built-in ones to give more currencies), by Stripe's network value. */
  networks?: Readonly<Record<string, CatalogNetwork>>;
  /** Cryptocurrencies to add, or built-in ones whose unverified precision the platform knows. */
  currencies?: Readonly<Record<string, CatalogCurrency>>;
  /** Fiat currencies to add (lower-case ISO 4217 codes, e.g. `"chf"`); all take 2 decimals. */
  sourceCurrencies?: readonly string[];
}

/** Decimal places of a cryptocurrency, and whether Stripe or the platform states them. */
export interface CurrencyPrecision {
  /** The decimal places. */
  readonly decimals: number;
  /** `true` when Stripe documents it or the platform configured it: excess is refused. */
  readonly stated: boolean;
}

/** The effective catalog: the built-in one with the platform's additions. */
export interface Catalog {
  /** Every network, built-in ones first. */
  readonly networks: readonly [string, ...string[]];
  /** Every cryptocurrency, built-in ones first. */
  readonly currencies: readonly [string, ...string[]];
  /** Every fiat currency, built-in ones first. */
  readonly sourceCurrencies: readonly [string, ...string[]];
  /** The `wallet_addresses` key of each network. */
  readonly walletKeys: ReadonlyMap<string, string>;
  /** The network of each `wallet_addresses` key: {@linkcode Catalog.walletKeys} read backwards. */
  readonly networkOfWalletKey: ReadonlyMap<string, string>;
  /** The precision of each cryptocurrency. */
  readonly precision: ReadonlyMap<string, CurrencyPrecision>;
  /** The currencies each network carries. */
  readonly pairs: ReadonlyMap<string, ReadonlySet<string>>;
  /** The networks whose assets take destination tags. */
  readonly tagNetworks: readonly string[];
}

function frozenCatalog(
  networks: readonly [string, ...string[]],
  currencies: readonly [string, ...string[]],
  sourceCurrencies: readonly [string, ...string[]],
  walletKeys: Map<string, string>,
  precision: Map<string, CurrencyPrecision>,
  pairs: Map<string, Set<string>>,
  tagNetworks: readonly string[],
): Catalog {
  return Object.freeze({
    networks,
    currencies,
    sourceCurrencies,
    walletKeys,
    networkOfWalletKey: new Map([...walletKeys].map(([network, key]) => [key, network])),
    precision,
    pairs,
    tagNetworks,
  });
}

/** The catalog of `openapi.yaml` alone, what a platform gets without the `catalog` option. */
export const BUILT_IN_CATALOG: Catalog = frozenCatalog(
  DESTINATION_NETWORKS,
  DESTINATION_CURRENCIES,
  SOURCE_CURRENCIES,
  new Map(DESTINATION_NETWORKS.map((network) => [network, WALLET_KEYS[network]])),
  new Map(DESTINATION_CURRENCIES.map((currency) => [currency, {
    decimals: CRYPTO_DECIMALS[currency],
    stated: DOCUMENTED_DECIMALS.includes(currency),
  }])),
  new Map(DESTINATION_NETWORKS.map((network) => [network, new Set(NETWORK_CURRENCIES[network])])),
  TAG_NETWORKS,
);

// Stripe's values are lower-case identifiers (`base_network`, `usdc`); anything else is a typo.
const NAME = /^[a-z][a-z0-9_]{0,39}$/;
const FIAT = /^[a-z]{3}$/;
const MAX_DECIMALS = 36;

/**
 * Merges a platform's additions with the built-in catalog, checking them once so that a typo
 * fails the deploy rather than a customer.
 *
 * @example Add a network
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createCatalog } from "./catalog.ts";
 *
 * const catalog = createCatalog({ networks: { sui: { currencies: ["usdc"] } } });
 * assertEquals(catalog.walletKeys.get("sui"), "sui");
 * assertEquals(catalog.pairs.get("sui")?.has("usdc"), true);
 * ```
 *
 * @param options The platform's additions; none gives {@linkcode BUILT_IN_CATALOG}.
 * @param subject What is being created, for the start-up message (`"onramp handler"`).
 * @returns The effective catalog.
 * @throws {TypeError} Naming the option and its value when an entry is invalid.
 */
export function createCatalog(
  options: CatalogOptions | undefined,
  subject = "onramp handler",
): Catalog {
  if (options === undefined) return BUILT_IN_CATALOG;
  const fail = (option: string, problem: string, value: unknown) =>
    new TypeError(
      `Cannot create ${subject} as 'catalog${option}' ${problem}: current value is ${
        JSON.stringify(value)
      }`,
    );
  if (typeof options !== "object" || options === null) throw fail("", "must be an object", options);
  const { networks = {}, currencies = {}, sourceCurrencies = [] } = options;
  for (const [name, value] of [["networks", networks], ["currencies", currencies]] as const) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw fail(`.${name}`, "must be an object keyed by name", value);
    }
  }
  if (!Array.isArray(sourceCurrencies)) {
    throw fail(".sourceCurrencies", "must be an array", sourceCurrencies);
  }

  const precision = new Map(BUILT_IN_CATALOG.precision);
  for (const [currency, entry] of Object.entries(currencies)) {
    const where = `.currencies.${currency}`;
    if (!NAME.test(currency)) throw fail(".currencies", "has an invalid name", currency);
    const decimals = (entry as Partial<CatalogCurrency> | null)?.decimals;
    if (!Number.isInteger(decimals) || decimals! < 0 || decimals! > MAX_DECIMALS) {
      throw fail(`${where}.decimals`, `must be an integer from 0 to ${MAX_DECIMALS}`, decimals);
    }
    const known = precision.get(currency);
    if (known?.stated && known.decimals !== decimals) {
      throw fail(
        `${where}.decimals`,
        `must be ${known.decimals}, the precision Stripe documents`,
        decimals,
      );
    }
    precision.set(currency, { decimals: decimals!, stated: true });
  }

  const walletKeys = new Map(BUILT_IN_CATALOG.walletKeys);
  const pairs = new Map([...BUILT_IN_CATALOG.pairs].map(([n, carried]) => [n, new Set(carried)]));
  const tagNetworks = [...BUILT_IN_CATALOG.tagNetworks];
  for (const [network, entry] of Object.entries(networks)) {
    const where = `.networks.${network}`;
    if (!NAME.test(network)) throw fail(".networks", "has an invalid name", network);
    if (typeof entry !== "object" || entry === null) throw fail(where, "must be an object", entry);
    const { walletKey = walletKeys.get(network) ?? network, currencies: carried = [] } =
      entry as CatalogNetwork;
    const builtInKey = BUILT_IN_CATALOG.walletKeys.get(network);
    if (builtInKey !== undefined && walletKey !== builtInKey) {
      throw fail(`${where}.walletKey`, `must be "${builtInKey}", Stripe's key`, walletKey);
    }
    const owner = [...walletKeys].find(([other, key]) => key === walletKey && other !== network);
    if (!NAME.test(walletKey) || walletKey === "destination_tags" || owner !== undefined) {
      throw fail(
        `${where}.walletKey`,
        owner ? `is already the key of ${owner[0]}` : "must be a lower-case name",
        walletKey,
      );
    }
    if (!Array.isArray(carried)) throw fail(`${where}.currencies`, "must be an array", carried);
    const unknown = carried.find((currency) => !precision.has(currency));
    if (unknown !== undefined) {
      throw fail(
        `${where}.currencies`,
        `names "${unknown}", which is neither built in nor in 'catalog.currencies'`,
        carried,
      );
    }
    const tags = (entry as CatalogNetwork).destinationTags;
    if (tags !== undefined && typeof tags !== "boolean") {
      throw fail(`${where}.destinationTags`, "must be a boolean", tags);
    }
    if (tags === false && BUILT_IN_CATALOG.tagNetworks.includes(network)) {
      throw fail(`${where}.destinationTags`, "cannot be false: Stripe documents its tags", tags);
    }
    walletKeys.set(network, walletKey);
    pairs.set(network, new Set([...(pairs.get(network) ?? []), ...carried]));
    if (tags === true && !tagNetworks.includes(network)) tagNetworks.push(network);
  }

  for (const [i, fiat] of sourceCurrencies.entries()) {
    if (typeof fiat !== "string" || !FIAT.test(fiat)) {
      throw fail(`.sourceCurrencies[${i}]`, "must be a lower-case ISO 4217 code", fiat);
    }
  }
  const unique = <T>(list: readonly T[]) => [...new Set(list)] as unknown as readonly [T, ...T[]];
  return frozenCatalog(
    unique([...walletKeys.keys()]),
    unique([...precision.keys()]),
    unique([...SOURCE_CURRENCIES, ...sourceCurrencies]),
    walletKeys,
    precision,
    pairs,
    tagNetworks,
  );
}

/**
 * Whether `network` carries `currency` in `catalog`.
 *
 * @param catalog The effective catalog.
 * @param network A destination network.
 * @param currency A destination currency.
 * @returns `true` when the pair is known.
 */
export function carries(catalog: Catalog, network: string, currency: string): boolean {
  return catalog.pairs.get(network)?.has(currency) ?? false;
}
