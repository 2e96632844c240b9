/**
 * Middleware that decides the customer's IP address once per request and stores it as
 * `c.var.customerIp` for the route that sends it to Stripe.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { invalidRequest } from "../errors/onramp_error.ts";
import { resolveClientIp } from "./client_ip.ts";
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

/** Reads the customer's IP address the platform's own way (e.g. from a header its CDN sets). */
export type GetClientIp = (c: Context) => string | undefined | Promise<string | undefined>;

/** Options of {@linkcode customerIp}. */
export interface CustomerIpOptions {
  /** Proxies whose `X-Forwarded-For` is believed: a hop count or a list of CIDRs. @default {trust none} */
  trustedProxies?: TrustedProxies | undefined;
  /** Replaces the runtime lookup entirely; what it returns is still validated. */
  getClientIp?: GetClientIp | undefined;
  /** What to do when no valid address can be found: refuse (400), or create without one. @default {"reject"} */
  onMissingIp?: "reject" | "omit" | undefined;
}

/**
 * Resolves the customer's IP: the platform's `getClientIp` if given, else the connection's own
 * peer address (`CF-Connecting-IP` on Workers), walking `X-Forwarded-For` only through trusted
 * proxies. Never made up: with no valid address it refuses the request unless told to omit it.
 *
 * @param options Trusted proxies, an override, and the missing-address behaviour.
 * @returns The middleware.
 * @throws {RangeError} At start-up, when `trustedProxies` is invalid.
 */
export function customerIp(options: CustomerIpOptions = {}): MiddlewareHandler<OnrampEnv> {
  const { trustedProxies, getClientIp, onMissingIp = "reject" } = options;
  const rule = compileTrustedProxies(trustedProxies);
  return async function customerIp(c, next) {
    const found = getClientIp ? await getClientIp(c) : resolveClientIp(
      { peer: runtimePeerAddress(c), forwardedFor: c.req.header("x-forwarded-for") ?? null },
      rule,
    );
    const normalized = found === undefined ? undefined : normalizeIp(found);
    // The unspecified address says nothing about where the customer is.
    const ip = normalized === "0.0.0.0" || normalized === "::" ? undefined : normalized;
    if (ip === undefined && onMissingIp === "reject") {
      throw invalidRequest(
        "customer_ip_address",
        "customer_ip_address_unknown",
        "The customer's IP address could not be determined, so the onramp cannot check the " +
          "customer's region: the server needs its trusted proxies configured",
      );
    }
    c.set("customerIp", ip);
    await next();
  };
}
