/**
 * Per-address rate limiting of the onramp routes: a fixed-window counter per customer IP in a
 * pluggable {@linkcode RateLimitStore}.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../errors/logger.ts";
import { OnrampError } from "../errors/onramp_error.ts";
import type { OnrampContext, OnrampEnv } from "../ip/customer_ip.ts";
import { assertPositiveInteger } from "../errors/option_checks.ts";
import { createMemoryStore } from "./memory_store.ts";
import type { RateLimitHit, RateLimitStore } from "./store.ts";
import { expandIPv6 } from "hono/utils/ipaddr";

/** Options of the `rateLimit` option of `cryptoOnramp`. */
export interface RateLimitOptions {
  /** The most requests one key (by default, one customer IP) may make per window. */
  limit: number;
  /**
   * The window's length in milliseconds. Windows are fixed and aligned to the clock (a minute's
   * window starts on the minute), so up to twice `limit` can pass around a window's end.
   */
  windowMs: number;
  /**
   * Where the counters live. The default counts in this instance's memory: on a deployment of
   * many instances (Deno Deploy, Cloudflare Workers), each counts alone, so use a shared store
   * (`createDenoKvStore` from the `./deno-kv` entry point, or
   * {@linkcode createDurableObjectStore}) to enforce one limit everywhere.
   *
   * @default {createMemoryStore()}
   */
  store?: RateLimitStore;
  /**
   * Whose bucket a request counts in; `undefined` means the shared `"unknown"` bucket.
   *
   * @default {the customer IP (`c.var.customerIp`); for IPv6, its /64 network}
   */
  key?: (c: OnrampContext) => string | undefined;
  /**
   * What to do when the store fails (e.g. it cannot be reached): `"allow"` lets the request
   * through uncounted, `"deny"` answers 503 with `retryable: true`. Either way the failure is
   * logged at level `error`.
   *
   * @default {"allow"}
   */
  onStoreError?: "allow" | "deny";
}

// Requests with no known address share one bucket rather than going unlimited: otherwise
// whoever can hide their address (an untrusted proxy chain, a bad header) escapes the limit.
// The cost falls on the misconfigured case only, where the routes that need an IP refuse
// anyway (see `onMissingIp`).
const UNKNOWN_KEY = "unknown";

// One customer usually holds a whole IPv6 /64 (RFC 6177 assigns at least that much), so a
// bucket per full IPv6 address would hand an attacker 2^64 fresh buckets.
function customerIpKey(c: OnrampContext): string | undefined {
  const ip = c.get("customerIp");
  if (ip === undefined || !ip.includes(":")) return ip;
  return `${expandIPv6(ip).split(":").slice(0, 4).join(":")}::/64`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : "a non-Error value";
}

/**
 * Creates the middleware that counts each request in its key's window and refuses those over
 * the limit with a 429 in Stripe's shape (`type: "invalid_request_error"`, `code:
 * "rate_limit"`, as Stripe's own 429s have) and a `Retry-After` header. Every answer it lets
 * through carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until
 * the window ends), after the IETF HTTPAPI draft.
 *
 * Mount it after `customerIp`, whose address is the default key.
 *
 * A store failure allows the request by default (`onStoreError: "allow"`): the limiter guards
 * against abuse, and a broken store should not take checkout down with it; Stripe still
 * applies its own limits behind the proxy. Choose `"deny"` where the limit matters more than
 * availability. Such answers carry no `RateLimit-*` headers, as no count is known. Log
 * entries never hold the key: a custom key may be a user's identity.
 *
 * @example Five requests a minute per address
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { consoleLogger } from "../errors/logger.ts";
 * import type { OnrampContext, OnrampEnv } from "../ip/customer_ip.ts";
 * import { rateLimit } from "./rate_limit.ts";
 *
 * const app = new Hono<OnrampEnv>();
 * app.use(async (c, next) => {
 *   c.set("customerIp", "203.0.113.7");
 *   await next();
 * });
 * app.use(rateLimit({ limit: 5, windowMs: 60_000 }, consoleLogger));
 * app.get("/quotes", (c) => c.json({}));
 * const res = await app.request("/quotes");
 * assertEquals(res.headers.get("RateLimit-Remaining"), "4");
 * ```
 *
 * @param options The limit, the window, and the store.
 * @param log Where store failures and the first refusal of a key in a window are reported.
 * @returns The middleware.
 * @throws {RangeError} When `limit` or `windowMs` is not a positive integer.
 * @throws {TypeError} When `onStoreError` is neither `"allow"` nor `"deny"`.
 */
export function rateLimit(options: RateLimitOptions, log: Logger): MiddlewareHandler<OnrampEnv> {
  const {
    limit,
    windowMs,
    store = createMemoryStore(),
    key = customerIpKey,
    onStoreError = "allow",
  } = options;
  assertPositiveInteger("onramp handler", "rateLimit.limit", limit);
  assertPositiveInteger("onramp handler", "rateLimit.windowMs", windowMs);
  if (onStoreError !== "allow" && onStoreError !== "deny") {
    throw new TypeError(
      `Cannot create onramp handler as 'rateLimit.onStoreError' must be "allow" or "deny": current value is ${
        JSON.stringify(onStoreError)
      }`,
    );
  }
  const limitHeader = String(limit);
  const from = options.key === undefined ? " from this address" : "";

  return async function rateLimit(c, next) {
    const nowMs = Date.now();
    const bucket = key(c) ?? UNKNOWN_KEY;
    let hit: RateLimitHit;
    try {
      hit = await store.hit(bucket, windowMs, nowMs);
    } catch (error) {
      const deny = onStoreError === "deny";
      log({
        level: "error",
        message: `The rate limit store failed (${describe(error)}); the request was ${
          deny ? "refused" : "let through uncounted"
        }`,
        ...(deny && { status: 503, code: "rate_limit_unavailable" }),
      });
      if (deny) {
        throw new OnrampError(503, {
          type: "api_error",
          code: "rate_limit_unavailable",
          message: "The onramp service is busy; try again shortly",
          retryable: true,
        }, { cause: error });
      }
      await next();
      return;
    }

    // Round up: a client that waits this long is sure to be in the next window.
    const seconds = String(Math.max(1, Math.ceil((hit.resetAtMs - nowMs) / 1000)));
    const headers = {
      "RateLimit-Limit": limitHeader,
      "RateLimit-Remaining": String(Math.max(0, limit - hit.count)),
      "RateLimit-Reset": seconds,
    };
    if (hit.count > limit) {
      // Once per key and window, so a flood does not become a flood of log lines.
      if (hit.count === limit + 1) {
        log({
          level: "warn",
          message: `A client reached the rate limit of ${limit} requests per ${windowMs} ms`,
          status: 429,
          code: "rate_limit",
        });
      }
      throw new OnrampError(429, {
        type: "invalid_request_error",
        code: "rate_limit",
        message: `Too many requests${from}: try again in ${seconds} s`,
      }, { headers: { ...headers, "Retry-After": seconds } });
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
  };
}
