/**
 * Middleware that decides the customer's IP address once per request and stores it as
 * `c.var.customerIp` for the route that sends it to Stripe.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { invalidRequest } from "../errors/onramp_error.ts";
import { resolveForwardedFor } from "./forwarded_for.ts";
import { normalizeIp } from "./normalize_ip.ts";
import { runtimePeerAddress } from "./runtime_peer.ts";
import { compileTrustedProxies, type TrustedProxies } from "./trusted_proxies.ts";

/** The variables the onramp routes keep on the Hono context. */
export interface OnrampEnv {
  /** Hono's variables of this sub-app. */
  Variables: {
    /** The customer's IP address in canonical form, or `undefined` when it could not be known. */
    customerIp: string | undefined;
  };
}

/**
 * Hono's request context (`Context` from `hono`), as the platform's hooks receive it.
 *
 * @internal
 */
export type RequestContext = Context;

/**
 * Hono's request context of the onramp routes (`Context<OnrampEnv>` from `hono`).
 *
 * @internal
 */
export type OnrampContext = Context<OnrampEnv>;

/** Reads the customer's IP address the platform's own way (e.g. from a header its CDN sets). */
export type GetClientIp = (c: RequestContext) => string | undefined | Promise<string | undefined>;

/** Options of {@linkcode customerIp}. */
export interface CustomerIpOptions {
  /** Proxies whose `X-Forwarded-For` is believed: a hop count or a list of CIDRs. @default {trust none} */
  trustedProxies?: TrustedProxies | undefined;
  /** Replaces the runtime lookup entirely; what it returns is still validated. */
  getClientIp?: GetClientIp | undefined;
}

/** Decides one request's customer IP, as {@linkcode customerIp} stores it. */
export type CustomerIpResolver = (
  c: RequestContext,
) => string | undefined | Promise<string | undefined>;

/**
 * Compiles how a request's customer IP is found: the platform's `getClientIp` if given, else
 * the connection's own peer address (`CF-Connecting-IP` on Workers), walking `X-Forwarded-For`
 * only through trusted proxies; then validated and written canonically. Synchronous unless
 * `getClientIp` is async. Never made up: with no valid address it answers `undefined`.
 *
 * @example Resolve the address once, in a middleware of one's own
 * ```ts
 * import { Hono } from "hono";
 * import { customerIpResolver } from "./customer_ip.ts";
 *
 * const customerIpOf = customerIpResolver({ trustedProxies: ["10.0.0.0/8"] });
 * const app = new Hono();
 * app.get("/ip", async (c) => c.json({ ip: (await customerIpOf(c)) ?? null }));
 * ```
 *
 * @param options Trusted proxies and an override.
 * @returns The resolver.
 * @throws {RangeError} At start-up, when `trustedProxies` is invalid.
 */
export function customerIpResolver(options: CustomerIpOptions = {}): CustomerIpResolver {
  const { trustedProxies, getClientIp } = options;
  const rule = compileTrustedProxies(trustedProxies);
  const accept = (found: string | undefined) => {
    const normalized = found === undefined ? undefined : normalizeIp(found);
    // The unspecified address says nothing about where the customer is.
    return normalized === "0.0.0.0" || normalized === "::" ? undefined : normalized;
  };
  if (getClientIp !== undefined) {
    return async function customerIpOf(c) {
      return accept(await getClientIp(c));
    };
  }
  return function customerIpOf(c) {
    return accept(resolveForwardedFor(
      { peer: runtimePeerAddress(c), forwardedFor: c.req.header("x-forwarded-for") ?? null },
      rule,
    ));
  };
}

/**
 * Resolves the customer's IP (see {@linkcode customerIpResolver}) and stores it as
 * `c.var.customerIp`. With no valid address `customerIp` is `undefined`, and the routes that
 * need it refuse through {@linkcode requireCustomerIp}.
 *
 * @param options Trusted proxies and an override.
 * @returns The middleware.
 * @throws {RangeError} At start-up, when `trustedProxies` is invalid.
 */
export function customerIp(options: CustomerIpOptions = {}): MiddlewareHandler<OnrampEnv> {
  const resolve = customerIpResolver(options);
  return async function customerIp(c, next) {
    c.set("customerIp", await resolve(c));
    await next();
  };
}

/**
 * The customer's IP for a call to Stripe, or a refusal when it is unknown and the platform
 * did not choose to go without: never a made-up address.
 *
 * @param ip What {@linkcode customerIp} found.
 * @param onMissingIp The platform's choice for an unknown address.
 * @returns The address, or `undefined` when allowed to omit it.
 * @throws {OnrampError} A 400 naming `customer_ip_address` when it is unknown and required.
 */
export function requireCustomerIp(
  ip: string | undefined,
  onMissingIp: "reject" | "omit" = "reject",
): string | undefined {
  if (ip === undefined && onMissingIp === "reject") {
    throw invalidRequest(
      "customer_ip_address",
      "customer_ip_address_unknown",
      "The customer's IP address could not be determined, so the onramp cannot check the " +
        "customer's region: the server needs its trusted proxies configured",
    );
  }
  return ip;
}
