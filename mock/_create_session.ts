/**
 * `POST /v1/crypto/onramp_sessions` in the mock: the create parameters checked as Stripe
 * would (shape, enums, amounts, the create reference's cross-field rules, the customer's IP
 * address), and
 * the `crypto.onramp_session` built from them.
 *
 * @module
 */
import * as z from "zod/mini";
import type { CryptoOnrampSession } from "../client/types.ts";
import { type IpBinary, ipToBinary } from "../ip/normalize_ip.ts";
import { BUILT_IN_CATALOG, type Catalog, FIAT_DECIMALS } from "../validation/catalog.ts";
import { findCreateSessionViolation } from "../validation/rules.ts";
import { checkValue } from "../validation/schema_violation.ts";
import { asParsedJson, type CreateSessionBody, requestSchemas } from "../validation/schemas.ts";
import { invalidParam } from "./_answers.ts";
import type { FormNode, FormObject } from "./form_parse.ts";

/** The browser-facing body of `catalog` plus the parameter only a server sends. */
function createParamsSchema(catalog: Catalog) {
  return z.extend(requestSchemas(catalog).createSessionBody, {
    customer_ip_address: z.optional(z.string()),
  });
}
const paramsSchemas = new WeakMap<Catalog, ReturnType<typeof createParamsSchema>>();

/** Create parameters that passed every check. */
export interface CheckedCreate {
  /** The parameters but the IP address. */
  readonly params: CreateSessionBody;
  /** `customer_ip_address` exactly as received. */
  readonly customerIp: string | undefined;
  /** Its numeric form, for the region check. */
  readonly ip: IpBinary | undefined;
}

const DIGITS = /^[0-9]{1,4}$/;

// Form values are all strings: give the schema the booleans and integers it expects, and drop
// empty values, which Stripe reads as "unset" (`metadata[key]=` unsets a key, `metadata=` all).
function coerce(node: FormNode, path: readonly string[]): unknown {
  if (typeof node === "string") {
    if (node === "") return undefined;
    const name = path.join(".");
    if (name === "lock_wallet_address" && (node === "true" || node === "false")) {
      return node === "true";
    }
    if (path[0] === "kyc_details" && path[1] === "dob" && DIGITS.test(node)) return Number(node);
    return node;
  }
  if (Array.isArray(node)) {
    return node.map((item, i) => coerce(item, [...path, String(i)])).filter((v) => v !== undefined);
  }
  const entries = Object.entries(node)
    .map(([key, value]) => [key, coerce(value, [...path, key])] as const)
    .filter(([, value]) => value !== undefined);
  return Object.fromEntries(entries);
}

/**
 * Checks create parameters in Stripe's order: unknown names, shapes and enums, the IP address,
 * then the cross-field rules of https://docs.stripe.com/api/crypto/onramp_sessions/create.
 *
 * @param form The parsed form body.
 * @param catalog The networks, currencies and pairs the mock knows.
 * @returns The checked parameters.
 * @throws {RejectedRequest} A 400 naming the parameter; never saved under an idempotency key.
 */
export function checkCreateParams(
  form: FormObject,
  catalog: Catalog = BUILT_IN_CATALOG,
): CheckedCreate {
  let schema = paramsSchemas.get(catalog);
  if (schema === undefined) paramsSchemas.set(catalog, schema = createParamsSchema(catalog));
  const parsed = checkValue(schema, coerce(form, []), "request body");
  if (!parsed.success) {
    const { param, code, message } = parsed.violation;
    throw invalidParam(param, code, message);
  }
  const { customer_ip_address: customerIp, ...params } = asParsedJson(parsed.data);
  // Strict on purpose: Stripe takes one bare IPv4 or IPv6 address, no brackets, port or zone.
  const ip = customerIp === undefined ? undefined : ipToBinary(customerIp);
  if (customerIp !== undefined && ip === undefined) {
    throw invalidParam(
      "customer_ip_address",
      "parameter_invalid",
      "Invalid customer_ip_address: must be one IPv4 or IPv6 address, such as 203.0.113.7",
    );
  }
  const violation = findCreateSessionViolation(params, catalog);
  if (violation) throw invalidParam(violation.param, violation.code, violation.message);
  return { params, customerIp, ip };
}

/**
 * Whether the mock refuses this customer's region: the IPv4 documentation range 192.0.2.0/24
 * (TEST-NET-1, RFC 5737) stands in for "a region Stripe cannot serve".
 *
 * @param ip The customer's address.
 * @returns `true` for 192.0.2.0–192.0.2.255 (IPv4-mapped IPv6 included).
 */
export function isUnsupportedRegion(ip: IpBinary): boolean {
  return ip.version === 4 && ip.value >> 8n === 0xc00002n;
}

/** Writes `amount` with exactly `places` decimals, as Stripe returns amounts. */
export function padDecimals(amount: string, places: number): string {
  const [whole = "0", fraction = ""] = amount.split(".");
  return places === 0 ? whole : `${whole}.${fraction.padEnd(places, "0")}`;
}

function walletAddressesOf(
  params: CreateSessionBody,
  catalog: Catalog,
): CryptoOnrampSession["transaction_details"]["wallet_addresses"] {
  const wallets: Record<string, unknown> | undefined = params.wallet_addresses;
  if (wallets === undefined) return null;
  // Every network key is present, null when no address was given, as in Stripe's session
  // object (https://docs.stripe.com/api/crypto/onramp_sessions/object).
  const byKey: Record<string, string | null> = {};
  for (const key of catalog.walletKeys.values()) {
    byKey[key] = Object.hasOwn(wallets, key) ? wallets[key] as string : null;
  }
  const sent = (wallets.destination_tags ?? {}) as Record<string, string>;
  const tags = Object.fromEntries(
    catalog.tagNetworks.map((
      network,
    ) => [network, Object.hasOwn(sent, network) ? sent[network]! : null]),
  );
  return { ...byKey, destination_tags: tags };
}

/** The identity of a new session. */
export interface SessionIdentity {
  /** `cos_…`. */
  readonly id: string;
  /** `cos_…_secret_…`. */
  readonly clientSecret: string;
  /** Unix seconds. */
  readonly created: number;
}

/**
 * Builds the `crypto.onramp_session` Stripe would return for `params`, in the shape of the
 * example in https://docs.stripe.com/api/crypto/onramp_sessions/create.
 *
 * @param params Checked create parameters.
 * @param identity Id, client secret and creation time.
 * @param catalog The networks, currencies and precisions the mock knows.
 * @returns A test-mode session in status `initialized`.
 */
export function buildSession(
  params: CreateSessionBody,
  identity: SessionIdentity,
  catalog: Catalog = BUILT_IN_CATALOG,
): CryptoOnrampSession {
  const { destination_amount, destination_currency, source_amount, kyc_details } = params;
  const metadata = typeof params.metadata === "object" ? params.metadata : {};
  return {
    id: identity.id,
    object: "crypto.onramp_session",
    client_secret: identity.clientSecret,
    created: identity.created,
    kyc_details_provided: kyc_details !== undefined && Object.keys(kyc_details).length > 0,
    livemode: false,
    metadata,
    redirect_url: null,
    status: "initialized",
    transaction_details: {
      // The rules guarantee a currency with a destination_amount; amounts come back padded to
      // full precision, like the "0.100000000000000000" of Stripe's examples.
      destination_amount: destination_amount === undefined || destination_currency === undefined
        ? null
        : padDecimals(
          destination_amount,
          catalog.precision.get(destination_currency)?.decimals ?? 0,
        ),
      destination_currencies: [...(params.destination_currencies ?? catalog.currencies)],
      destination_currency: destination_currency ?? null,
      destination_network: params.destination_network ?? null,
      destination_networks: [...(params.destination_networks ?? catalog.networks)],
      fees: null,
      lock_wallet_address: params.lock_wallet_address ?? false,
      source_amount: source_amount === undefined ? null : padDecimals(source_amount, FIAT_DECIMALS),
      source_currency: params.source_currency ?? null,
      transaction_id: null,
      wallet_address: null,
      wallet_addresses: walletAddressesOf(params, catalog),
    },
  };
}
