/**
 * The cross-field rules of Stripe's create-session reference
 * (https://docs.stripe.com/api/crypto/onramp_sessions/create) and of the quotes endpoint, as
 * pure functions that name the offending parameter. Shapes (types, enums, unknown keys) are
 * the schemas' job; these run on parameters that already have the right shape.
 *
 * Each rule says whether Stripe documents it (docs/stripe-api-notes.md says which): a broken
 * documented rule is refused before Stripe is called; a broken unverified one is only reported
 * (the routes log it as a warning) and the request goes on, so that Stripe decides.
 *
 * @module
 */
import type { Logger } from "../errors/logger.ts";
import { invalidRequest } from "../errors/onramp_error.ts";
import { BUILT_IN_CATALOG, carries, type Catalog, FIAT_DECIMALS } from "./catalog.ts";
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

/** A broken cross-field rule: a {@linkcode RuleViolation}, and whether Stripe documents it. */
export interface BrokenRule extends RuleViolation {
  /**
   * `true` when Stripe documents the rule: the request is refused. `false` when only third
   * parties report it (docs/stripe-api-notes.md#rules-from-third-party-error-catalogs): the
   * request goes to Stripe with a warning in the log.
   */
  documented: boolean;
}

const documented = (param: string, code: string, message: string): BrokenRule => ({
  param,
  code,
  message,
  documented: true,
});

const unverified = (param: string, code: string, message: string): BrokenRule => ({
  param,
  code,
  message,
  documented: false,
});

function decimalsOf(amount: string): number {
  const point = amount.indexOf(".");
  return point === -1 ? 0 : amount.length - point - 1;
}

const isZero = (amount: string) => /^0(\.0+)?$/.test(amount);

// docs/stripe-api-notes.md#rules-from-third-party-error-catalogs: no Stripe page says an amount
// must be positive, only third-party catalogs (crypto_onramp_invalid_amount).
function checkPositive(param: string, amount: string): BrokenRule[] {
  return isZero(amount)
    ? [unverified(param, "crypto_onramp_invalid_amount", `${param} must be greater than 0`)]
    : [];
}

function checkFiatAmount(param: string, amount: string | undefined): BrokenRule[] {
  if (amount === undefined) return [];
  // create reference: "We don't support fractional pennies."
  if (decimalsOf(amount) > FIAT_DECIMALS) {
    return [documented(
      param,
      "crypto_onramp_invalid_amount",
      `${param} has more than ${FIAT_DECIMALS} decimal places: fractions of a cent are not supported`,
    )];
  }
  return checkPositive(param, amount);
}

function checkCryptoAmount(
  param: string,
  amount: string,
  currency: string,
  catalog: Catalog,
): BrokenRule[] {
  const positive = checkPositive(param, amount);
  // create reference: "We validate and generate an error if the amount exceeds the supported
  // precision." Only some precisions are stated (docs/stripe-api-notes.md#currencies-networks-and-pairs).
  const precision = catalog.precision.get(currency);
  if (precision === undefined || decimalsOf(amount) <= precision.decimals) return positive;
  const make = precision.stated ? documented : unverified;
  return [
    make(
      param,
      "crypto_onramp_invalid_amount",
      `${param} has more than ${precision.decimals} decimal places, the precision of ${currency}`,
    ),
    ...positive,
  ];
}

// Shared by create and quotes: the amounts exclude each other, and fiat takes whole cents.
function checkAmountPair(
  source_amount: string | undefined,
  destination_amount: string | undefined,
): BrokenRule[] {
  // create reference and quotes guide: source_amount and destination_amount are mutually
  // exclusive.
  if (source_amount !== undefined && destination_amount !== undefined) {
    return [documented(
      "destination_amount",
      "parameters_exclusive",
      "source_amount and destination_amount are mutually exclusive: send only one of them",
    )];
  }
  return checkFiatAmount("source_amount", source_amount);
}

function checkAmounts(params: CreateSessionBody, catalog: Catalog): BrokenRule[] {
  const { source_amount, destination_amount, destination_currency, destination_network } = params;
  const pair = checkAmountPair(source_amount, destination_amount);
  if (pair.some((rule) => rule.documented) || destination_amount === undefined) return pair;
  // create reference: "When set, both destination_currency and destination_network must also
  // be set."
  for (
    const [param, value, example] of [
      ["destination_currency", destination_currency, "eth"],
      ["destination_network", destination_network, "ethereum"],
    ] as const
  ) {
    if (value === undefined) {
      return [documented(
        param,
        "parameter_missing",
        `destination_amount requires ${param}: set ${param} (e.g. "${example}") or drop destination_amount`,
      )];
    }
  }
  return checkCryptoAmount(
    "destination_amount",
    destination_amount,
    destination_currency!,
    catalog,
  );
}

// create reference: a default must be one of the allowed values when both are set.
function checkDefaultInList(
  [param, listParam]: ["destination_currency", "destination_currencies"] | [
    "destination_network",
    "destination_networks",
  ],
  value: string | undefined,
  list: readonly string[] | undefined,
): BrokenRule[] {
  if (value === undefined || list === undefined || list.includes(value)) return [];
  return [documented(
    param,
    `crypto_onramp_conflicting_${param}`,
    `${param} "${value}" is not in ${listParam}: add it there or pick one of ${list.join(", ")}`,
  )];
}

function checkDefaultsInLists(params: CreateSessionBody): BrokenRule[] {
  const {
    destination_currency,
    destination_currencies,
    destination_network,
    destination_networks,
  } = params;
  return [
    ...checkDefaultInList(
      ["destination_currency", "destination_currencies"],
      destination_currency,
      destination_currencies,
    ),
    ...checkDefaultInList(
      ["destination_network", "destination_networks"],
      destination_network,
      destination_networks,
    ),
  ];
}

function checkPairs(params: CreateSessionBody, catalog: Catalog): BrokenRule[] {
  const networks = params.destination_network
    ? [params.destination_network]
    : params.destination_networks;
  const currencies = params.destination_currency
    ? [params.destination_currency]
    : params.destination_currencies;
  if (!networks || !currencies) return [];
  // docs/stripe-api-notes.md#currencies-networks-and-pairs: each network carries only some
  // currencies, but no Stripe page lists the pairs that do not exist: warn, and Stripe decides.
  const anyPair = networks.some((network) =>
    currencies.some((currency) => carries(catalog, network, currency))
  );
  if (anyPair) return [];
  const param = params.destination_currency ? "destination_currency" : "destination_currencies";
  return [unverified(
    param,
    "crypto_onramp_invalid_destination_currency_and_network_pair",
    `No network in ${networks.join(", ")} is known to carry ${currencies.join(" or ")}: pick ` +
      `a currency and network that go together (e.g. eth on ethereum, usdc on solana)`,
  )];
}

/**
 * The networks a session offers: `destination_networks`, else `[destination_network]`, else
 * `undefined` (Stripe then offers every network).
 *
 * @param params Create parameters.
 * @returns The networks, or `undefined` when neither parameter is set.
 */
export function sessionNetworks(
  params: Pick<CreateSessionBody, "destination_networks" | "destination_network">,
): readonly string[] | undefined {
  if (params.destination_networks) return params.destination_networks;
  return params.destination_network ? [params.destination_network] : undefined;
}

function checkWallets(params: CreateSessionBody, catalog: Catalog): BrokenRule[] {
  const wallets = params.wallet_addresses;
  const walletKeys = Object.keys(wallets ?? {}).filter((key) => key !== "destination_tags");
  const tagKeys = Object.keys(wallets?.destination_tags ?? {});
  const found: BrokenRule[] = [];
  if (params.lock_wallet_address === true && walletKeys.length === 0) {
    // docs/stripe-api-notes.md#rules-from-third-party-error-catalogs: there must be a wallet to lock.
    found.push(unverified(
      "lock_wallet_address",
      "crypto_onramp_no_wallet_address_to_lock",
      "lock_wallet_address needs a wallet to lock: set wallet_addresses or drop lock_wallet_address",
    ));
  }
  if (wallets === undefined) return found;
  const networks = sessionNetworks(params);
  // create reference: "When set, the platform must set either destination_networks or
  // destination_network."
  if (networks === undefined) {
    return [
      documented(
        "wallet_addresses",
        "crypto_onramp_invalid_wallet_address_parameters",
        "wallet_addresses requires destination_networks or destination_network: set one of them " +
          '(e.g. destination_networks: ["ethereum"])',
      ),
      ...found,
    ];
  }
  for (const key of walletKeys) {
    const network = catalog.networkOfWalletKey.get(key);
    if (network === undefined) {
      // Only reachable past the schema with a catalog that does not match it.
      found.push(documented(
        `wallet_addresses[${key}]`,
        "parameter_unknown",
        `Received unknown parameter: wallet_addresses[${key}]`,
      ));
    } else if (!networks.includes(network)) {
      // docs/stripe-api-notes.md#rules-from-third-party-error-catalogs: every wallet's network
      // must be allowed.
      found.push(unverified(
        `wallet_addresses[${key}]`,
        "crypto_onramp_wallet_addresses_not_all_networks_supported",
        `wallet_addresses[${key}] is for ${network}, which is not among the session's networks ` +
          `(${networks.join(", ")}): add ${network} or remove the address`,
      ));
    }
  }
  for (const network of tagKeys) {
    const param = `wallet_addresses[destination_tags][${network}]`;
    // create reference: destination tags apply only to tag-based assets such as XLM.
    if (!catalog.tagNetworks.includes(network)) {
      found.push(documented(
        param,
        "crypto_onramp_destination_tags_not_supported",
        `A destination tag for ${network} is not supported: only ${
          catalog.tagNetworks.join(", ")
        } take one`,
      ));
    } else if (!networks.includes(network)) {
      // docs/stripe-api-notes.md#rules-from-third-party-error-catalogs.
      found.push(unverified(
        param,
        "crypto_onramp_destination_tags_not_supported",
        `A destination tag for ${network} is not used here: ${network} is not among the ` +
          `session's networks (${networks.join(", ")})`,
      ));
    }
  }
  return found;
}

/**
 * Every broken rule of the create-session reference, in the order Stripe would report them:
 * amounts, defaults within their lists, currency–network pairs, wallets.
 *
 * @param params Create parameters that passed the schema.
 * @param catalog The catalog they were checked against.
 * @returns The violations, documented and unverified ones; empty when every rule holds.
 */
export function createSessionViolations(
  params: CreateSessionBody,
  catalog: Catalog = BUILT_IN_CATALOG,
): BrokenRule[] {
  return [
    ...checkAmounts(params, catalog),
    ...checkDefaultsInLists(params),
    ...checkPairs(params, catalog),
    ...checkWallets(params, catalog),
  ];
}

/**
 * The first broken rule of the create-session reference, documented or not: what a stand-in
 * for Stripe refuses.
 *
 * @example Report a destination_amount without a network
 * ```ts
 * import { findCreateSessionViolation } from "./rules.ts";
 *
 * findCreateSessionViolation({ destination_amount: "0.1", destination_currency: "eth" });
 * // { param: "destination_network", code: "parameter_missing", message: "…", documented: true }
 * ```
 *
 * @param params Create parameters that passed the schema.
 * @param catalog The catalog they were checked against.
 * @returns The violation, or `undefined` when every rule holds.
 */
export function findCreateSessionViolation(
  params: CreateSessionBody,
  catalog: Catalog = BUILT_IN_CATALOG,
): BrokenRule | undefined {
  return createSessionViolations(params, catalog)[0];
}

/**
 * Every broken rule of the quotes endpoint (https://docs.stripe.com/crypto/quotes-api): the two
 * amounts exclude each other, a `destination_amount` needs exactly one currency and one network
 * (documented), and that pair should exist (unverified).
 *
 * @param query A quotes query that passed the schema.
 * @param catalog The catalog it was checked against.
 * @returns The violations; empty when every rule holds.
 */
export function quoteViolations(
  query: QuoteQuery,
  catalog: Catalog = BUILT_IN_CATALOG,
): BrokenRule[] {
  const { source_amount, destination_amount, destination_currencies, destination_networks } = query;
  const pair = checkAmountPair(source_amount, destination_amount);
  if (pair.some((rule) => rule.documented) || destination_amount === undefined) return pair;
  for (
    const [param, list] of [
      ["destination_currencies", destination_currencies],
      ["destination_networks", destination_networks],
    ] as const
  ) {
    if (list?.length !== 1) {
      return [documented(
        param,
        "parameter_invalid",
        `destination_amount requires exactly one value in ${param}: current count is ${
          list?.length ?? 0
        }`,
      )];
    }
  }
  const [currency] = destination_currencies!;
  const [network] = destination_networks!;
  const found = carries(catalog, network!, currency!) ? [] : [unverified(
    "destination_currencies",
    "crypto_onramp_invalid_destination_currency_and_network_pair",
    `${network} is not known to carry ${currency}: pick a currency and network that go together`,
  )];
  return [
    ...found,
    ...checkCryptoAmount("destination_amount", destination_amount, currency!, catalog),
  ];
}

/**
 * The first broken rule of the quotes endpoint, documented or not: what a stand-in for Stripe
 * refuses.
 *
 * @param query A quotes query that passed the schema.
 * @param catalog The catalog it was checked against.
 * @returns The violation, or `undefined` when every rule holds.
 */
export function findQuoteViolation(
  query: QuoteQuery,
  catalog: Catalog = BUILT_IN_CATALOG,
): BrokenRule | undefined {
  return quoteViolations(query, catalog)[0];
}

/**
 * Acts on the broken rules of a request: refuses it for the first documented one, and
 * otherwise logs one `warn` entry per unverified one and lets the request go on to Stripe,
 * which decides (docs/stripe-api-notes.md says which rules Stripe documents).
 *
 * @param violations What {@linkcode createSessionViolations} or {@linkcode quoteViolations}
 * found.
 * @param log Where the warnings go.
 * @throws {OnrampError} A 400 naming the parameter of the first documented violation.
 */
export function enforceRules(violations: readonly BrokenRule[], log: Logger): void {
  const refusal = violations.find((violation) => violation.documented);
  if (refusal) throw invalidRequest(refusal.param, refusal.code, refusal.message);
  for (const { param, code, message } of violations) {
    log({
      level: "warn",
      message: `Sent to Stripe despite an unverified rule at ${param}: ${message}`,
      code,
    });
  }
}
