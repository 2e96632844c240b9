/**
 * The cross-field rules of Stripe's create-session reference
 * (https://docs.stripe.com/api/crypto/onramp_sessions/create) and of the quotes
 * endpoint, as pure functions that name the offending parameter. Shapes (types, enums, unknown
 * keys) are the schemas' job; these run on parameters that already have the right shape.
 *
 * @module
 */
import {
  carries,
  CRYPTO_DECIMALS,
  type DestinationCurrency,
  type DestinationNetwork,
  FIAT_DECIMALS,
  NETWORK_OF_WALLET_KEY,
  TAG_NETWORKS,
  type WalletKey,
} from "./catalog.ts";
import type { CreateSessionBody, QuoteQuery } from "./schemas.ts";

/** A broken rule, in the terms of Stripe's error object. */
export interface RuleViolation {
  /** The parameter to fix, in Stripe's bracket notation (`wallet_addresses[ethereum]`). */
  param: string;
  /** Stripe's error code for it. */
  code: string;
  /** What is wrong and how to fix it. */
  message: string;
}

const violation = (param: string, code: string, message: string): RuleViolation => ({
  param,
  code,
  message,
});

function decimalsOf(amount: string): number {
  const point = amount.indexOf(".");
  return point === -1 ? 0 : amount.length - point - 1;
}

const isZero = (amount: string) => /^0(\.0+)?$/.test(amount);

function checkFiatAmount(param: string, amount: string | undefined): RuleViolation | undefined {
  if (amount === undefined) return undefined;
  if (isZero(amount)) {
    return violation(param, "crypto_onramp_invalid_amount", `${param} must be greater than 0`);
  }
  // create reference: "We don't support fractional pennies."
  if (decimalsOf(amount) > FIAT_DECIMALS) {
    return violation(
      param,
      "crypto_onramp_invalid_amount",
      `${param} has more than ${FIAT_DECIMALS} decimal places: fractions of a cent are not supported`,
    );
  }
  return undefined;
}

function checkCryptoAmount(
  param: string,
  amount: string,
  currency: DestinationCurrency,
): RuleViolation | undefined {
  if (isZero(amount)) {
    return violation(param, "crypto_onramp_invalid_amount", `${param} must be greater than 0`);
  }
  // create reference: "We validate and generate an error if the amount exceeds the supported
  // precision."
  const decimals = CRYPTO_DECIMALS[currency];
  if (decimalsOf(amount) > decimals) {
    return violation(
      param,
      "crypto_onramp_invalid_amount",
      `${param} has more than ${decimals} decimal places, the precision of ${currency}`,
    );
  }
  return undefined;
}

// Shared by create and quotes: the amounts exclude each other, and fiat takes whole cents.
function checkAmountPair(
  source_amount: string | undefined,
  destination_amount: string | undefined,
): RuleViolation | undefined {
  // create reference: source_amount and destination_amount are mutually exclusive.
  if (source_amount !== undefined && destination_amount !== undefined) {
    return violation(
      "destination_amount",
      "parameters_exclusive",
      "source_amount and destination_amount are mutually exclusive: send only one of them",
    );
  }
  return checkFiatAmount("source_amount", source_amount);
}

function checkAmounts(params: CreateSessionBody): RuleViolation | undefined {
  const { source_amount, destination_amount, destination_currency, destination_network } = params;
  const pair = checkAmountPair(source_amount, destination_amount);
  if (pair || destination_amount === undefined) return pair;
  // create reference: "When set, both destination_currency and destination_network must also
  // be set."
  for (
    const [param, value, example] of [
      ["destination_currency", destination_currency, "eth"],
      ["destination_network", destination_network, "ethereum"],
    ] as const
  ) {
    if (value === undefined) {
      return violation(
        param,
        "parameter_missing",
        `destination_amount requires ${param}: set ${param} (e.g. "${example}") or drop destination_amount`,
      );
    }
  }
  return checkCryptoAmount("destination_amount", destination_amount, destination_currency!);
}

// create reference: a default must be one of the allowed values when both are set.
function checkDefaultInList(
  [param, listParam]: ["destination_currency", "destination_currencies"] | [
    "destination_network",
    "destination_networks",
  ],
  value: string | undefined,
  list: readonly string[] | undefined,
): RuleViolation | undefined {
  if (value === undefined || list === undefined || list.includes(value)) return undefined;
  return violation(
    param,
    `crypto_onramp_conflicting_${param}`,
    `${param} "${value}" is not in ${listParam}: add it there or pick one of ${list.join(", ")}`,
  );
}

function checkDefaultsInLists(params: CreateSessionBody): RuleViolation | undefined {
  const {
    destination_currency,
    destination_currencies,
    destination_network,
    destination_networks,
  } = params;
  return checkDefaultInList(
    ["destination_currency", "destination_currencies"],
    destination_currency,
    destination_currencies,
  ) ??
    checkDefaultInList(
      ["destination_network", "destination_networks"],
      destination_network,
      destination_networks,
    );
}

function checkPairs(params: CreateSessionBody): RuleViolation | undefined {
  const networks = params.destination_network
    ? [params.destination_network]
    : params.destination_networks;
  const currencies = params.destination_currency
    ? [params.destination_currency]
    : params.destination_currencies;
  if (!networks || !currencies) return undefined;
  // docs/stripe-api-notes.md#currencies-networks-and-pairs: each network carries only some
  // currencies; a session whose choices share no
  // pair could never be completed.
  if (!networks.some((network) => currencies.some((currency) => carries(network, currency)))) {
    const param = params.destination_currency ? "destination_currency" : "destination_currencies";
    return violation(
      param,
      "crypto_onramp_invalid_destination_currency_and_network_pair",
      `No network in ${networks.join(", ")} carries ${currencies.join(" or ")}: pick a currency ` +
        `and network that go together (e.g. eth on ethereum, usdc on solana)`,
    );
  }
  return undefined;
}

function allowedNetworks(params: CreateSessionBody): readonly DestinationNetwork[] | undefined {
  if (params.destination_networks) return params.destination_networks;
  return params.destination_network ? [params.destination_network] : undefined;
}

function checkWallets(params: CreateSessionBody): RuleViolation | undefined {
  const wallets = params.wallet_addresses;
  const walletKeys = Object.keys(wallets ?? {}).filter((key) =>
    key !== "destination_tags"
  ) as WalletKey[];
  const tagKeys = Object.keys(wallets?.destination_tags ?? {}) as DestinationNetwork[];
  if (params.lock_wallet_address === true && walletKeys.length === 0) {
    // docs/stripe-api-notes.md#rules-from-third-party-error-catalogs: there must be a wallet to lock.
    return violation(
      "lock_wallet_address",
      "crypto_onramp_no_wallet_address_to_lock",
      "lock_wallet_address needs a wallet to lock: set wallet_addresses or drop lock_wallet_address",
    );
  }
  if (wallets === undefined) return undefined;
  const networks = allowedNetworks(params);
  // create reference: "When set, the platform must set either destination_networks or
  // destination_network."
  if (networks === undefined) {
    return violation(
      "wallet_addresses",
      "crypto_onramp_invalid_wallet_address_parameters",
      "wallet_addresses requires destination_networks or destination_network: set one of them " +
        '(e.g. destination_networks: ["ethereum"])',
    );
  }
  for (const key of walletKeys) {
    const network = NETWORK_OF_WALLET_KEY[key];
    // docs/stripe-api-notes.md#rules-from-third-party-error-catalogs: every wallet's network must
    // be allowed.
    if (!networks.includes(network)) {
      return violation(
        `wallet_addresses[${key}]`,
        "crypto_onramp_wallet_addresses_not_all_networks_supported",
        `wallet_addresses[${key}] is for ${network}, which is not among the session's networks ` +
          `(${networks.join(", ")}): add ${network} or remove the address`,
      );
    }
  }
  for (const network of tagKeys) {
    // create reference: destination tags apply only to tag-based assets such as XLM.
    if (!TAG_NETWORKS.includes(network) || !networks.includes(network)) {
      return violation(
        `wallet_addresses[destination_tags][${network}]`,
        "crypto_onramp_destination_tags_not_supported",
        `A destination tag for ${network} is not supported here: tags apply to ${
          TAG_NETWORKS.join(", ")
        } when it is among the session's networks`,
      );
    }
  }
  return undefined;
}

/**
 * Finds the first broken rule of the create-session reference, in the order Stripe would
 * report them: amounts, defaults within their lists, currency–network pairs, wallets.
 *
 * @example Report a destination_amount without a network
 * ```ts
 * import { findCreateSessionViolation } from "./rules.ts";
 *
 * findCreateSessionViolation({ destination_amount: "0.1", destination_currency: "eth" });
 * // { param: "destination_network", code: "parameter_missing", message: "…" }
 * ```
 *
 * @param params Create parameters that passed the schema.
 * @returns The violation, or `undefined` when every rule holds.
 */
export function findCreateSessionViolation(params: CreateSessionBody): RuleViolation | undefined {
  return checkAmounts(params) ?? checkDefaultsInLists(params) ?? checkPairs(params) ??
    checkWallets(params);
}

/**
 * Finds the first broken rule of the quotes endpoint (https://docs.stripe.com/crypto/quotes-api):
 * the two amounts exclude each
 * other, and a `destination_amount` needs exactly one currency and one network.
 *
 * @param query A quotes query that passed the schema.
 * @returns The violation, or `undefined` when every rule holds.
 */
export function findQuoteViolation(query: QuoteQuery): RuleViolation | undefined {
  const { source_amount, destination_amount, destination_currencies, destination_networks } = query;
  const pair = checkAmountPair(source_amount, destination_amount);
  if (pair || destination_amount === undefined) return pair;
  for (
    const [param, list] of [
      ["destination_currencies", destination_currencies],
      ["destination_networks", destination_networks],
    ] as const
  ) {
    if (list?.length !== 1) {
      return violation(
        param,
        "parameter_invalid",
        `destination_amount requires exactly one value in ${param}: current count is ${
          list?.length ?? 0
        }`,
      );
    }
  }
  const [currency] = destination_currencies!;
  const [network] = destination_networks!;
  if (!carries(network!, currency!)) {
    return violation(
      "destination_currencies",
      "crypto_onramp_invalid_destination_currency_and_network_pair",
      `${network} does not carry ${currency}: pick a currency and network that go together`,
    );
  }
  return checkCryptoAmount("destination_amount", destination_amount, currency!);
}
