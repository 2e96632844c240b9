/**
 * The platform's rules for the sessions its customers may create: which fields the browser may
 * set, which currencies and networks are on offer, amount limits, wallet locking, and the
 * customer data the platform supplies itself. The browser cannot override any of it.
 *
 * @module
 */
import {
  DESTINATION_CURRENCIES,
  DESTINATION_NETWORKS,
  type DestinationCurrency,
  type DestinationNetwork,
  SOURCE_CURRENCIES,
  type SourceCurrency,
} from "./catalog.ts";
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
  destinationCurrencies?: readonly DestinationCurrency[];
  /** The networks on offer; one value locks it. Sent as `destination_networks`. */
  destinationNetworks?: readonly DestinationNetwork[];
  /** The fiat currencies a default may use; one value sets it. */
  sourceCurrencies?: readonly SourceCurrency[];
  /** Bounds of `source_amount`. */
  sourceAmount?: AmountLimits;
  /** Bounds of `destination_amount`. */
  destinationAmount?: AmountLimits;
  /** Forces `lock_wallet_address` to this value whatever the browser sends. */
  lockWalletAddress?: boolean;
}

const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** Compares two non-negative decimal strings exactly (no floating point). */
export function compareDecimals(a: string, b: string): number {
  const [aWhole = "", aFraction = ""] = a.split(".");
  const [bWhole = "", bFraction = ""] = b.split(".");
  const places = Math.max(aFraction.length, bFraction.length);
  const scaled = (whole: string, fraction: string) => BigInt(whole + fraction.padEnd(places, "0"));
  const difference = scaled(aWhole, aFraction) - scaled(bWhole, bFraction);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
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
  if (list.length === 0) throw startupError(option, "must not be empty", list);
  const unknown = list.find((value) => !known.includes(value));
  if (unknown !== undefined) throw startupError(option, `has an unknown value "${unknown}"`, list);
}

function checkLimits(option: string, limits: AmountLimits | undefined) {
  if (limits === undefined) return;
  for (const bound of ["min", "max"] as const) {
    const value = limits[bound];
    if (value !== undefined && !DECIMAL.test(value)) {
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
 * @returns The same policy.
 * @throws {TypeError} Naming the option and its value when one is invalid.
 */
export function checkPolicy(policy: OnrampPolicy): OnrampPolicy {
  checkList("destinationCurrencies", policy.destinationCurrencies, DESTINATION_CURRENCIES);
  checkList("destinationNetworks", policy.destinationNetworks, DESTINATION_NETWORKS);
  checkList("sourceCurrencies", policy.sourceCurrencies, SOURCE_CURRENCIES);
  checkLimits("sourceAmount", policy.sourceAmount);
  checkLimits("destinationAmount", policy.destinationAmount);
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

function mergeRecords<T extends object>(
  browser: T | undefined,
  platform: T | undefined,
): T | undefined {
  if (platform === undefined) return browser;
  if (browser === undefined) return platform;
  return { ...browser, ...platform };
}

/**
 * Combines what the browser asked for with the platform's rules and customer data. The
 * platform's values win: offered lists are imposed, defaults must be on offer, amounts within
 * limits, `lock_wallet_address` forced, and the customer's wallets, KYC details and metadata
 * merged key by key with the platform's taking precedence.
 *
 * @param browser The validated body the browser sent (only allowed fields).
 * @param customer Data from the platform's `resolveCustomer` hook.
 * @param policy The platform's rules, checked by {@linkcode checkPolicy}.
 * @returns The parameters to send to Stripe (before the customer IP is added).
 * @throws {OnrampError} A 400 naming the parameter that breaks a rule.
 */
export function applyPolicy(
  browser: CreateSessionBody,
  customer: CustomerData,
  policy: OnrampPolicy,
): CreateSessionBody {
  const params: CreateSessionBody = { ...browser };
  const currencies = restrictList(
    "destination_currencies",
    browser.destination_currencies,
    policy.destinationCurrencies,
  );
  const networks = restrictList(
    "destination_networks",
    browser.destination_networks,
    policy.destinationNetworks,
  );
  if (currencies) params.destination_currencies = currencies;
  if (networks) params.destination_networks = networks;
  checkDefault("destination_currency", browser.destination_currency, policy.destinationCurrencies);
  checkDefault("destination_network", browser.destination_network, policy.destinationNetworks);
  checkDefault("source_currency", browser.source_currency, policy.sourceCurrencies);
  if (params.source_currency === undefined && policy.sourceCurrencies?.length === 1) {
    params.source_currency = policy.sourceCurrencies[0]!;
  }
  checkAmount("source_amount", browser.source_amount, policy.sourceAmount);
  checkAmount("destination_amount", browser.destination_amount, policy.destinationAmount);
  if (policy.lockWalletAddress !== undefined) params.lock_wallet_address = policy.lockWalletAddress;

  const wallets = mergeRecords(browser.wallet_addresses, customer.wallet_addresses);
  if (wallets) {
    const tags = mergeRecords(
      browser.wallet_addresses?.destination_tags,
      customer.wallet_addresses?.destination_tags,
    );
    params.wallet_addresses = tags ? { ...wallets, destination_tags: tags } : wallets;
  }
  const kyc = mergeRecords(browser.kyc_details, customer.kyc_details);
  if (kyc) params.kyc_details = kyc;
  if (customer.metadata !== undefined) {
    params.metadata = typeof customer.metadata === "string" || typeof browser.metadata !== "object"
      ? customer.metadata
      : { ...browser.metadata, ...customer.metadata };
  }
  return params;
}
