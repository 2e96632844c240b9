/**
 * The platform's rules for the sessions its customers may create: which fields the browser may
 * set, which currencies and networks are on offer, amount limits, wallet locking, and the
 * customer data the platform supplies itself. The browser can neither widen nor sidestep any
 * of it, and every refusal names a parameter the browser sent, or says the platform's own
 * configuration is at fault ({@linkcode PlatformFault}).
 *
 * @module
 */
import {
  BUILT_IN_CATALOG,
  type Catalog,
  type DestinationCurrency,
  type DestinationNetwork,
  type Extensible,
  type SourceCurrency,
} from "./catalog.ts";
import { sessionNetworks } from "./rules.ts";
import type { CreateSessionBody } from "./schemas.ts";
import { invalidRequest, type OnrampError } from "../errors/onramp_error.ts";

/** A create parameter the browser may be allowed to send. */
export type BrowserField = keyof CreateSessionBody;

/** What the browser may set unless the platform says otherwise: the customer's own choices. */
export const DEFAULT_BROWSER_FIELDS: readonly BrowserField[] = [
  "source_amount",
  "source_currency",
  "destination_amount",
  "destination_currency",
  "destination_network",
  "destination_currencies",
  "destination_networks",
  "wallet_addresses",
];

/** Inclusive bounds of a default amount, as decimal strings in the currency's units. */
export interface AmountLimits {
  /** The smallest amount accepted, e.g. `"10"`. */
  min?: string;
  /** The largest amount accepted, e.g. `"1000"`. */
  max?: string;
}

/** Customer data the platform knows from its own authentication; it wins over the browser's. */
export type CustomerData = Pick<CreateSessionBody, "wallet_addresses" | "kyc_details" | "metadata">;

/** The platform's rules, set once when the middleware is created. */
export interface OnrampPolicy {
  /** The create parameters the browser may send; others are refused as unknown. @default {DEFAULT_BROWSER_FIELDS} */
  browserFields?: readonly BrowserField[];
  /** The cryptocurrencies on offer; one value locks it. Sent as `destination_currencies`. */
  destinationCurrencies?: readonly Extensible<DestinationCurrency>[];
  /** The networks on offer; one value locks it. Sent as `destination_networks`. */
  destinationNetworks?: readonly Extensible<DestinationNetwork>[];
  /** The fiat currencies a default may use; one value sets it. */
  sourceCurrencies?: readonly Extensible<SourceCurrency>[];
  /**
   * Bounds of `source_amount`, in the session's fiat currency (unconverted: set
   * `sourceCurrencies` to one value to fix the unit). With no `destinationAmount`, the browser
   * may not send `destination_amount`, which would escape them.
   */
  sourceAmount?: AmountLimits;
  /**
   * Bounds of `destination_amount`, in units of the one currency `destinationCurrencies` must
   * then hold. With no `sourceAmount`, the browser may not send `source_amount`.
   */
  destinationAmount?: AmountLimits;
  /**
   * Forces `lock_wallet_address` to this value whatever the browser sends. When the session is
   * locked and `resolveCustomer` supplies wallets, those are the only wallets: the browser may
   * add none, and the session offers only their networks.
   */
  lockWalletAddress?: boolean;
}

const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * Compares two non-negative decimal strings exactly (no floating point).
 *
 * @param a A decimal string, e.g. `"10.5"`.
 * @param b Another.
 * @returns A negative number, zero or a positive number as `a` is below, equal to or above `b`.
 */
export function compareDecimals(a: string, b: string): number {
  const [aWhole = "", aFraction = ""] = a.split(".");
  const [bWhole = "", bFraction = ""] = b.split(".");
  const places = Math.max(aFraction.length, bFraction.length);
  const scaled = (whole: string, fraction: string) => BigInt(whole + fraction.padEnd(places, "0"));
  const difference = scaled(aWhole, aFraction) - scaled(bWhole, bFraction);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

/**
 * The platform's own configuration or data is at fault, not the request: thrown by
 * {@linkcode applyPolicy} for the route to answer as such (a logged 500), never as a 400.
 */
export class PlatformFault extends Error {
  /** Always `"PlatformFault"`. */
  override readonly name: string = "PlatformFault";
}

function startupError(option: string, problem: string, value: unknown): TypeError {
  return new TypeError(
    `Cannot create onramp handler as 'policy.${option}' ${problem}: current value is ${
      JSON.stringify(value)
    }`,
  );
}

function checkList(option: string, list: readonly string[] | undefined, known: readonly string[]) {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw startupError(option, "must be an array", list);
  if (list.length === 0) throw startupError(option, "must not be empty", list);
  const unknown = list.find((value) => !known.includes(value));
  if (unknown !== undefined) throw startupError(option, `has an unknown value "${unknown}"`, list);
  if (new Set(list).size !== list.length) throw startupError(option, "repeats a value", list);
}

function checkLimits(option: string, limits: AmountLimits | undefined) {
  if (limits === undefined) return;
  for (const bound of ["min", "max"] as const) {
    const value = limits[bound];
    if (value !== undefined && (typeof value !== "string" || !DECIMAL.test(value))) {
      throw startupError(`${option}.${bound}`, "must be a decimal string", value);
    }
  }
  if (
    limits.min !== undefined && limits.max !== undefined &&
    compareDecimals(limits.min, limits.max) > 0
  ) {
    throw startupError(option, "has min above max", limits);
  }
}

/**
 * Checks a policy once, at start-up, so a typo fails the deploy rather than a customer.
 *
 * @param policy The platform's rules.
 * @param catalog The effective catalog its currencies and networks must belong to.
 * @returns The same policy.
 * @throws {TypeError} Naming the option and its value when one is invalid.
 */
export function checkPolicy(
  policy: OnrampPolicy,
  catalog: Catalog = BUILT_IN_CATALOG,
): OnrampPolicy {
  checkList("destinationCurrencies", policy.destinationCurrencies, catalog.currencies);
  checkList("destinationNetworks", policy.destinationNetworks, catalog.networks);
  checkList("sourceCurrencies", policy.sourceCurrencies, catalog.sourceCurrencies);
  checkLimits("sourceAmount", policy.sourceAmount);
  checkLimits("destinationAmount", policy.destinationAmount);
  // A crypto limit needs a unit: 0.5 of btc and 0.5 of usdc differ 60,000-fold, so a limit
  // meant for one currency would let another escape it.
  if (policy.destinationAmount !== undefined && policy.destinationCurrencies?.length !== 1) {
    throw startupError(
      "destinationCurrencies",
      "must hold exactly one currency, the unit of 'policy.destinationAmount'",
      policy.destinationCurrencies,
    );
  }
  if (policy.lockWalletAddress !== undefined && typeof policy.lockWalletAddress !== "boolean") {
    throw startupError("lockWalletAddress", "must be a boolean", policy.lockWalletAddress);
  }
  return policy;
}

function notOffered(param: string, value: string, offered: readonly string[]): OnrampError {
  return invalidRequest(
    param,
    "parameter_not_allowed",
    `${param} "${value}" is not offered on this platform: choose one of ${offered.join(", ")}`,
  );
}

// Narrows a browser list to the offer, or applies the offer when the browser sent none.
function restrictList<T extends string>(
  param: string,
  requested: readonly T[] | undefined,
  offered: readonly T[] | undefined,
): T[] | undefined {
  if (offered === undefined) return requested && [...requested];
  if (requested === undefined) return [...offered];
  requested.forEach((value, index) => {
    if (!offered.includes(value)) throw notOffered(`${param}[${index}]`, value, offered);
  });
  return [...requested];
}

function checkDefault<T extends string>(
  param: string,
  value: T | undefined,
  offered?: readonly T[],
) {
  if (value !== undefined && offered !== undefined && !offered.includes(value)) {
    throw notOffered(param, value, offered);
  }
}

function describeLimits({ min, max }: AmountLimits): string {
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  return min !== undefined ? `at least ${min}` : `at most ${max}`;
}

function checkAmount(param: string, amount: string | undefined, limits: AmountLimits | undefined) {
  if (amount === undefined || limits === undefined) return;
  if (limits.min !== undefined && compareDecimals(amount, limits.min) < 0) {
    throw invalidRequest(
      param,
      "crypto_onramp_amount_below_minimum",
      `${param} must be at least ${limits.min} on this platform`,
    );
  }
  if (limits.max !== undefined && compareDecimals(amount, limits.max) > 0) {
    throw invalidRequest(
      param,
      "crypto_onramp_amount_above_maximum",
      `${param} must be at most ${limits.max} on this platform`,
    );
  }
}

// A limit on one amount would be escaped through the other, which Stripe converts at its own
// rate: with only one side limited, the other side is not accepted at all.
function checkAmounts(browser: CreateSessionBody, policy: OnrampPolicy) {
  const { sourceAmount, destinationAmount } = policy;
  checkAmount("source_amount", browser.source_amount, sourceAmount);
  checkAmount("destination_amount", browser.destination_amount, destinationAmount);
  const sides = [
    ["destination_amount", browser.destination_amount, sourceAmount, destinationAmount],
    ["source_amount", browser.source_amount, destinationAmount, sourceAmount],
  ] as const;
  for (const [param, amount, otherLimits, ownLimits] of sides) {
    if (amount !== undefined && otherLimits !== undefined && ownLimits === undefined) {
      const other = param === "source_amount" ? "destination_amount" : "source_amount";
      throw invalidRequest(
        param,
        "parameter_not_allowed",
        `${param} is not accepted on this platform, which limits ${other}: send ${other} ` +
          `(${describeLimits(otherLimits)}) instead`,
      );
    }
  }
}

const TAGS = "destination_tags";

type Wallets = NonNullable<CreateSessionBody["wallet_addresses"]>;
type WalletMap = Map<string, string>;

/** The wallets of a `wallet_addresses` value by network, and its tags by network. */
function walletsByNetwork(
  wallets: Wallets | undefined,
  catalog: Catalog,
): { addresses: WalletMap; tags: WalletMap } {
  const addresses: WalletMap = new Map();
  const tags: WalletMap = new Map(Object.entries(wallets?.destination_tags ?? {}));
  for (const [key, address] of Object.entries(wallets ?? {})) {
    const network = catalog.networkOfWalletKey.get(key);
    if (key !== TAGS && network !== undefined) addresses.set(network, address as string);
  }
  return { addresses, tags };
}

function walletsParam(
  addresses: WalletMap,
  tags: WalletMap,
  catalog: Catalog,
): Wallets | undefined {
  if (addresses.size === 0 && tags.size === 0) return undefined;
  const wallets: Record<string, unknown> = {};
  for (const [network, address] of addresses) wallets[catalog.walletKeys.get(network)!] = address;
  if (tags.size > 0) wallets[TAGS] = Object.fromEntries(tags);
  return wallets as Wallets;
}

function lockedOut(param: string, owned: readonly string[]): OnrampError {
  return invalidRequest(
    param,
    "parameter_not_allowed",
    `${param} cannot be set: this platform locks the wallet to the customer's own ` +
      `(on ${owned.join(", ")}); leave it out`,
  );
}

function notLockable(param: string, value: string, owned: readonly string[]): OnrampError {
  return invalidRequest(
    param,
    "parameter_not_allowed",
    `${param} "${value}" is not offered: this platform locks the wallet to the customer's own, ` +
      `which is on ${owned.join(", ")}; choose one of those`,
  );
}

/**
 * Merges the browser's wallets with the platform's. The platform owns every network it gives
 * a wallet or tag for: the browser's wallet and tag there are dropped. Platform wallets for
 * networks the session does not offer are dropped too (it may know wallets on many). When the
 * session is locked, the platform's wallets are the only ones: the browser may add none, and
 * the session offers only their networks.
 */
function mergeWallets(
  params: CreateSessionBody,
  browser: CreateSessionBody,
  customer: CustomerData,
  policy: OnrampPolicy,
  catalog: Catalog,
): void {
  const mine = walletsByNetwork(browser.wallet_addresses, catalog);
  const platform = walletsByNetwork(customer.wallet_addresses, catalog);
  const owned = catalog.networks.filter((n) => platform.addresses.has(n) || platform.tags.has(n));
  if (owned.length === 0) return; // the browser's wallets as sent, if any

  // Locked to the platform's wallets: the browser sets none, and on a network without one the
  // customer would type any wallet in, so the session offers only theirs.
  const locked = catalog.networks.filter((network) => platform.addresses.has(network));
  if (params.lock_wallet_address === true && locked.length > 0) {
    for (const network of mine.addresses.keys()) {
      if (!locked.includes(network)) {
        throw lockedOut(`wallet_addresses[${catalog.walletKeys.get(network)}]`, locked);
      }
    }
    for (const network of mine.tags.keys()) {
      if (!locked.includes(network)) {
        throw lockedOut(`wallet_addresses[${TAGS}][${network}]`, locked);
      }
    }
    if (browser.destination_networks !== undefined) {
      browser.destination_networks.forEach((network, i) => {
        if (!locked.includes(network)) {
          throw notLockable(`destination_networks[${i}]`, network, locked);
        }
      });
    } else {
      const offered = policy.destinationNetworks ?? catalog.networks;
      const lockable = offered.filter((network) => locked.includes(network));
      if (lockable.length === 0 && policy.lockWalletAddress === undefined) {
        throw invalidRequest(
          "lock_wallet_address",
          "parameter_not_allowed",
          `lock_wallet_address cannot be true here: the customer's wallets are on ` +
            `${locked.join(", ")}, none of which this platform offers; leave it out`,
        );
      }
      if (lockable.length === 0) {
        throw new PlatformFault(
          `policy.lockWalletAddress locks the customer's wallets, but resolveCustomer supplied ` +
            `them only for ${locked.join(", ")}, none of which policy.destinationNetworks offers ` +
            `(${offered.join(", ")})`,
        );
      }
      params.destination_networks = lockable as DestinationNetwork[];
    }
    const network = browser.destination_network;
    if (network !== undefined && !locked.includes(network)) {
      throw notLockable("destination_network", network, locked);
    }
  }

  // Stripe needs networks next to wallets (create reference): with none chosen, offer every
  // network, which is what Stripe offers when destination_networks is left out.
  const offered = sessionNetworks(params) ?? catalog.networks;
  const addresses: WalletMap = new Map();
  const tags: WalletMap = new Map();
  for (
    const [source, map, into] of [
      [mine, mine.addresses, addresses],
      [mine, mine.tags, tags],
      [platform, platform.addresses, addresses],
      [platform, platform.tags, tags],
    ] as const
  ) {
    for (const [network, value] of map) {
      const fromPlatform = source === platform;
      if (fromPlatform ? offered.includes(network) : !owned.includes(network)) {
        into.set(network, value);
      }
    }
  }
  const kept = [...addresses.keys()].some((network) => platform.addresses.has(network));
  if (kept && sessionNetworks(params) === undefined) {
    params.destination_networks = [...catalog.networks] as DestinationNetwork[];
  }
  const wallets = walletsParam(addresses, tags, catalog);
  if (wallets === undefined) delete params.wallet_addresses;
  else params.wallet_addresses = wallets;
}

const MAX_METADATA_KEYS = 50; // https://docs.stripe.com/metadata

function mergeMetadata(
  params: CreateSessionBody,
  browser: CreateSessionBody,
  customer: CustomerData,
): void {
  const platform = customer.metadata;
  if (platform === undefined) return;
  if (typeof platform === "string" || typeof browser.metadata !== "object") {
    params.metadata = platform;
    return;
  }
  const merged = { ...browser.metadata, ...platform };
  const count = Object.keys(merged).length;
  if (count > MAX_METADATA_KEYS) {
    const own = Object.keys(platform).length;
    throw invalidRequest(
      "metadata",
      "parameter_invalid",
      `Invalid metadata: the platform adds ${own} keys of its own, so send at most ` +
        `${
          MAX_METADATA_KEYS - own
        } (current count with them is ${count}, Stripe's limit ${MAX_METADATA_KEYS})`,
    );
  }
  params.metadata = merged;
}

/**
 * Combines what the browser asked for with the platform's rules and customer data. The
 * platform's values win, completely: offered lists are imposed (the browser may narrow them),
 * defaults must be on offer, amounts within limits (and the unlimited side refused),
 * `lock_wallet_address` forced, the customer's wallets own their networks (and, when locked,
 * are the only wallets and networks), and KYC details and metadata merged field by field with
 * the platform's taking precedence (`address` and `dob` whole).
 *
 * @param browser The validated body the browser sent (only allowed fields).
 * @param customer Data from the platform's `resolveCustomer` hook, already validated.
 * @param policy The platform's rules, checked by {@linkcode checkPolicy}.
 * @param catalog The effective catalog.
 * @returns The parameters to send to Stripe (before the customer IP is added).
 * @throws {OnrampError} A 400 naming the parameter the browser sent that breaks a rule.
 * @throws {PlatformFault} When the platform's policy and data cannot make a session.
 */
export function applyPolicy(
  browser: CreateSessionBody,
  customer: CustomerData,
  policy: OnrampPolicy,
  catalog: Catalog = BUILT_IN_CATALOG,
): CreateSessionBody {
  const params: CreateSessionBody = { ...browser };
  // Values of the effective catalog, checked at start-up; the types know the built-in ones only.
  const offeredCurrencies = policy.destinationCurrencies as
    | readonly DestinationCurrency[]
    | undefined;
  const offeredNetworks = policy.destinationNetworks as
    | readonly DestinationNetwork[]
    | undefined;
  const offeredFiat = policy.sourceCurrencies as readonly SourceCurrency[] | undefined;
  const currencies = restrictList(
    "destination_currencies",
    browser.destination_currencies,
    offeredCurrencies,
  );
  const networks = restrictList(
    "destination_networks",
    browser.destination_networks,
    offeredNetworks,
  );
  if (currencies) params.destination_currencies = currencies;
  if (networks) params.destination_networks = networks;
  checkDefault("destination_currency", browser.destination_currency, offeredCurrencies);
  checkDefault("destination_network", browser.destination_network, offeredNetworks);
  checkDefault("source_currency", browser.source_currency, offeredFiat);
  if (params.source_currency === undefined && offeredFiat?.length === 1) {
    params.source_currency = offeredFiat[0]!;
  }
  checkAmounts(browser, policy);
  if (policy.lockWalletAddress !== undefined) params.lock_wallet_address = policy.lockWalletAddress;

  mergeWallets(params, browser, customer, policy, catalog);
  // Field by field; an address or a date of birth is one unit, taken whole from one side.
  const kyc = customer.kyc_details === undefined
    ? browser.kyc_details
    : { ...browser.kyc_details, ...customer.kyc_details };
  if (kyc) params.kyc_details = kyc;
  mergeMetadata(params, browser, customer);
  return params;
}
