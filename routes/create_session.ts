/**
 * `POST /sessions`: mints an onramp session for the customer in front of the browser.
 *
 * @module
 */
import type { Context } from "hono";
import type { OnrampClient } from "../client/create_client.ts";
import { fromUpstream } from "./_from_upstream.ts";
import type { Logger } from "../errors/logger.ts";
import { OnrampError } from "../errors/onramp_error.ts";
import { type OnrampEnv, type RequestContext, requireCustomerIp } from "../ip/customer_ip.ts";
import type { Catalog } from "../validation/catalog.ts";
import {
  applyPolicy,
  type CustomerData,
  type OnrampPolicy,
  PlatformFault,
} from "../validation/policy.ts";
import { createSessionViolations, enforceRules } from "../validation/rules.ts";
import { checkValue } from "../validation/schema_violation.ts";
import {
  asParsedJson,
  type CreateSessionBody,
  type RequestSchemas,
} from "../validation/schemas.ts";
import type { PublicSession } from "./_responses.ts";
import { toPublicSession } from "./public_session.ts";

/** Supplies the signed-in customer's data from the platform's own auth, or refuses them. */
export type ResolveCustomer = (
  c: RequestContext,
) => CustomerData | undefined | Promise<CustomerData | undefined>;

/** What the create handler needs, resolved once at start-up. */
export interface CreateSessionDeps {
  client: OnrampClient;
  policy: OnrampPolicy;
  /** The effective catalog, which the policy and the rules follow. */
  catalog: Catalog;
  /** The catalog's request schemas, each built on first use: `resolveCustomer`'s data must pass `customerData`. */
  schemas: RequestSchemas;
  resolveCustomer: ResolveCustomer | undefined;
  onMissingIp: "reject" | "omit" | undefined;
  log: Logger;
}

/**
 * The platform's own set-up is at fault, not the request: a 500 that says so to the browser
 * and tells the platform's operator what to fix in the log (never echoing the data itself).
 *
 * @param log Where the fault is reported.
 * @param detail What is wrong with the platform's configuration or data.
 * @returns The error to throw.
 */
export function platformMisconfigured(log: Logger, detail: string): OnrampError {
  log({ level: "error", message: detail, status: 500, code: "platform_misconfigured" });
  return new OnrampError(500, {
    type: "api_error",
    code: "platform_misconfigured",
    message: "The platform's onramp configuration is at fault, not this request: " +
      "the platform has been told what to fix",
  });
}

async function customerDataOf(c: Context, deps: CreateSessionDeps): Promise<CustomerData> {
  const data = deps.resolveCustomer ? await deps.resolveCustomer(c) : undefined;
  if (data === undefined) return {};
  const parsed = checkValue(deps.schemas.customerData, data, "customer data");
  if (!parsed.success) {
    // The platform's own data is wrong: its fault, never the customer's.
    const { param, message } = parsed.violation;
    throw platformMisconfigured(
      deps.log,
      `resolveCustomer returned invalid customer data at ${param || "the top level"}: ${message}`,
    );
  }
  return asParsedJson(parsed.data);
}

// The browser's key is namespaced by the customer's address before it reaches Stripe, so one
// customer cannot replay another's key to obtain their session.
async function upstreamIdempotencyKey(key: string, ip: string | undefined): Promise<string> {
  const bytes = new TextEncoder().encode(`${ip ?? ""}\n${key}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return "onramp-" + Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Mints a session: applies the policy and the customer's data, checks Stripe's create rules, adds the
 * customer IP and calls Stripe.
 *
 * @param deps The client, policy, hook and logger.
 * @param c The request context (for `resolveCustomer` and `customerIp`).
 * @param browser The validated body the browser sent.
 * @param browserKey The browser's `Idempotency-Key`, if it sent one.
 * @returns The browser's view of the new session.
 * @throws {OnrampError} For a broken rule (400), a refused customer, or a failed upstream call.
 */
export async function mintSession(
  deps: CreateSessionDeps,
  c: Context<OnrampEnv>,
  browser: CreateSessionBody,
  browserKey: string | undefined,
): Promise<PublicSession> {
  const customer = await customerDataOf(c, deps);
  let params: CreateSessionBody;
  try {
    params = applyPolicy(browser, customer, deps.policy, deps.catalog);
  } catch (error) {
    if (error instanceof PlatformFault) throw platformMisconfigured(deps.log, error.message);
    throw error;
  }
  // The policy already refused what the browser may not do; what is left breaks only Stripe's
  // own rules, on parameters the browser sent (documented ones refused, the rest warned).
  enforceRules(createSessionViolations(params, deps.catalog), deps.log);

  const ip = requireCustomerIp(c.get("customerIp"), deps.onMissingIp);
  const idempotencyKey = browserKey === undefined
    ? undefined
    : await upstreamIdempotencyKey(browserKey, ip);
  try {
    const session = await deps.client.createSession(
      ip === undefined ? params : { ...params, customer_ip_address: ip },
      idempotencyKey === undefined ? {} : { idempotencyKey },
    );
    return toPublicSession(session, true);
  } catch (error) {
    throw fromUpstream(error, deps.log);
  }
}
