/**
 * The factory of the onramp sub-app: one line in a platform's Hono app gives its browser code
 * a safe way to mint Stripe crypto onramp sessions.
 *
 * @module
 */
import type * as z from "zod/mini";
import { type Context, Hono, type MiddlewareHandler, type Next } from "hono";
import { HTTPException } from "hono/http-exception";
import { cors } from "hono/cors";
import { createClientWithSeams } from "../client/create_client.ts";
import type { ClientSeams } from "../client/retrying_fetch.ts";
import { consoleLogger, type Logger, redactingLogger } from "../errors/logger.ts";
import { invalidRequest, OnrampError, toErrorResponse } from "../errors/onramp_error.ts";
import { assertPositiveInteger } from "../errors/option_checks.ts";
import {
  type CustomerIpResolver,
  customerIpResolver,
  type GetClientIp,
  type OnrampEnv,
} from "../ip/customer_ip.ts";
import { requestOrigin } from "../ip/forwarded_origin.ts";
import {
  compileTrustedProxies,
  type TrustedProxies,
  type TrustRule,
} from "../ip/trusted_proxies.ts";
import {
  type BrowserField,
  checkPolicy,
  DEFAULT_BROWSER_FIELDS,
  type OnrampPolicy,
} from "../validation/policy.ts";
import { rateLimit, type RateLimitOptions } from "../ratelimit/rate_limit.ts";
import { type CatalogOptions, createCatalog } from "../validation/catalog.ts";
import {
  asParsedJson,
  CLIENT_SECRET_HEADER,
  CREATE_BODY_FIELDS,
  type CreateSessionBodySchema,
  requestSchemas,
} from "../validation/schemas.ts";
import { checkValue } from "../validation/schema_violation.ts";
import { mintSession, type ResolveCustomer } from "./create_session.ts";
import { limitBody } from "./_body_limit.ts";
import { markUncacheable } from "./_uncacheable.ts";
import { registerDocs } from "./docs.ts";
import { registerWebhookRoute, type WebhookOptions } from "./webhooks.ts";
import { fetchQuotes } from "./quotes.ts";
import { refuseSecretInUrl, retrievePublicSession } from "./retrieve_session.ts";

/**
 * The sub-app {@linkcode cryptoOnramp} returns: a Hono app, to mount with `app.route(path, …)`.
 *
 * @internal
 */
type OnrampApp = Hono<OnrampEnv>;

/** Options of {@linkcode cryptoOnramp}. */
export interface CryptoOnrampOptions {
  /** Stripe secret (`sk_…`) or restricted (`rk_…`) key. Never sent to the browser. */
  stripeSecretKey: string;
  /** Where Stripe's API lives; point it at a mock to develop offline. @default {"https://api.stripe.com"} */
  stripeApiBase?: string;
  /** A pinned `Stripe-Version` header, e.g. `2026-07-29.dahlia;crypto_onramp_beta=v2`. */
  stripeVersion?: string;
  /**
   * The time one attempt at a call to Stripe may take, in milliseconds, answer body included;
   * one that runs out is retried while the budget and `deadlineMs` allow. Each attempt gets
   * the smaller of this and what is left of `deadlineMs`.
   *
   * @default {10000}
   */
  timeoutMs?: number;
  /**
   * The time a whole call to Stripe may take, in milliseconds, every attempt and every wait
   * between them included: the longest a browser waits on Stripe. A retry whose wait would end
   * at or after it is not made; a call that runs out is answered 504 `upstream_timeout` (or the
   * last attempt's 502/503), `retryable: true`.
   *
   * @default {25000}
   */
  deadlineMs?: number;
  /** Retries of a call to Stripe after a retryable failure. @default {2} */
  maxNetworkRetries?: number;
  /**
   * The largest answer accepted from Stripe, in bytes, counted decompressed. A larger one is
   * cut off and answered 502 `upstream_response_too_large`, `retryable: false`.
   *
   * @default {1048576}
   */
  maxResponseBytes?: number;
  /**
   * Proxies whose `X-Forwarded-For` is believed, a hop count or CIDR list; the origin check also
   * believes the scheme and host they forward (`X-Forwarded-Proto`, `X-Forwarded-Host`,
   * `Forwarded`), so same-origin calls work behind a TLS-terminating proxy. @default {none}
   */
  trustedProxies?: TrustedProxies;
  /** Reads the customer's IP address the platform's own way; the result is still validated. */
  getClientIp?: GetClientIp;
  /** With no valid customer IP: refuse with 400, or create the session without one. @default {"reject"} */
  onMissingIp?: "reject" | "omit";
  /** What the browser may choose: fields, currencies, networks, amounts, wallet locking. */
  policy?: OnrampPolicy;
  /**
   * Networks, currencies, pairs, precisions and wallet keys to add to the built-in catalog,
   * for what Stripe has approved the platform for before this module lists it. Checked at
   * start-up; the request schemas, `/openapi.json`, the policy and the rules follow it.
   *
   * @default {the built-in catalog only}
   *
   * @example Allow USDT on Optimism
   * ```ts
   * import { cryptoOnramp } from "./onramp_app.ts";
   *
   * cryptoOnramp({
   *   stripeSecretKey: "sk_test_123",
   *   catalog: {
   *     currencies: { usdt: { decimals: 6 } },
   *     networks: { optimism: { currencies: ["eth", "usdc", "usdt"] } },
   *   },
   * });
   * ```
   */
  catalog?: CatalogOptions;
  /** Supplies the signed-in customer's wallets, KYC details and metadata; may throw an {@linkcode OnrampError} (401/403) to refuse. */
  resolveCustomer?: ResolveCustomer;
  /** Cross-origin sites allowed to call the routes (e.g. `https://app.example.com`). Same-origin calls are always allowed (behind a proxy, once it is in `trustedProxies`). @default {none} */
  allowedOrigins?: readonly string[];
  /**
   * A per-address limit on the API routes (not on `/openapi.json` or `/docs`): over it, a 429
   * with `Retry-After`. Counted per instance unless given a shared `store`.
   *
   * @default {no limit}
   */
  rateLimit?: RateLimitOptions;
  /** The largest request body accepted, in bytes. @default {32768} */
  maxBodyBytes?: number;
  /**
   * Where faults are reported. Every entry is redacted first (API keys, webhook and client
   * secrets), its message clipped to 1,000 characters on one line; a logger that throws is
   * ignored.
   *
   * @default {JSON lines on the console}
   */
  logger?: Logger;
  /** The title of the OpenAPI document and docs page. @default {"Crypto onramp"} */
  docsTitle?: string;
  /**
   * Sends each HTTP request to Stripe, as the standard `fetch` does. Replace it to go through
   * an egress proxy, or to develop and test against a stand-in for Stripe (such as the
   * embedded mock) with no network. Looked up on each call, never at start-up.
   *
   * @default {globalThis.fetch}
   *
   * @example Answer every call to Stripe from a stand-in
   * ```ts
   * import { Hono } from "hono";
   * import { cryptoOnramp } from "./onramp_app.ts";
   * import { createStripeMock } from "../mock/stripe_mock.ts";
   *
   * const stripe = createStripeMock();
   * const app = new Hono();
   * app.route("/onramp", cryptoOnramp({ stripeSecretKey: "sk_test_123", fetch: stripe.fetch }));
   * ```
   */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * Enables `POST /webhooks`, where Stripe delivers `crypto.onramp_session_updated` events:
   * verified against the endpoint's secret, each handed to `onSessionUpdated` once, in order per
   * session. Point a Stripe webhook endpoint at `<mount>/webhooks`.
   *
   * @default {no webhook route}
   */
  webhooks?: WebhookOptions;
}

// Checked at start-up, before any schema is built: a field the create does not have.
function checkBrowserFields(fields: readonly BrowserField[]): void {
  const known: readonly string[] = CREATE_BODY_FIELDS;
  const unknown = fields.find((field) => !known.includes(field));
  if (unknown !== undefined) {
    throw new TypeError(
      `Cannot create onramp handler as 'policy.browserFields' has an unknown field: current value is "${unknown}"`,
    );
  }
}

/**
 * What part of the request a schema checks, as a refusal names it when no parameter is at
 * fault: `header`, `param` (the path), `query`, or `request body`.
 */
type RequestPart = "header" | "param" | "query" | "request body";

// The one place a failed schema becomes Stripe's error shape, naming the parameter. Every
// route validates in its handler, synchronously: a validator middleware would parse each part
// asynchronously, in a layer of its own, for a tenth of a create's cost.
function validated<T extends z.core.$ZodType>(
  schema: T,
  value: unknown,
  part: RequestPart,
): z.output<T> {
  const result = checkValue(schema, value, part);
  if (result.success) return result.data;
  const { param, code, message } = result.violation;
  throw invalidRequest(param, code, message);
}

// The query as Hono's validators read it: a name given once is a string, repeated a list.
// (`Object.fromEntries` makes each name an own key: a `__proto__` is refused as unknown).
function queryOf(c: Context): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(c.req.queries()).map(([name, values]) => [
      name,
      values.length === 1 ? values[0]! : values,
    ]),
  );
}

// The body as Hono's JSON validator reads it, once `requireJson` let its type through: a Hono
// exception when it is not JSON at all, which the error handler answers as `invalid_json`.
async function readJsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new HTTPException(400, { message: "Malformed JSON in request body" });
  }
}

// The spellings of a JSON media type taken for a create's body: parameters must be
// `name=value`, so `application/json;` is refused.
const JSON_REQUEST_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

function requireJson(): MiddlewareHandler {
  return async function requireJson(c, next) {
    if (c.req.method === "POST") {
      const type = c.req.header("content-type") ?? "";
      if (!JSON_REQUEST_TYPE.test(type)) {
        throw new OnrampError(415, {
          type: "invalid_request_error",
          code: "unsupported_media_type",
          message: "Send the body as JSON: set Content-Type: application/json",
        });
      }
    }
    await next();
  };
}

// One middleware for the checks every route needs: each extra layer costs a few µs per request.
function guardRequest(
  allowedOrigins: readonly string[],
  proxies: TrustRule,
  customerIpOf: CustomerIpResolver,
): MiddlewareHandler<OnrampEnv> {
  return async function guardRequest(c, next) {
    try {
      await checkAndNext(c, next);
    } finally {
      // On the answer once it is made, refusals by the checks included: headers set on the
      // context first would make Hono copy a Headers object into every answer (~8 µs).
      markUncacheable(c);
    }
  };

  async function checkAndNext(c: Context<OnrampEnv>, next: Next): Promise<void> {
    const origin = c.req.header("origin");
    // Browsers send Origin on cross-origin calls and on same-origin POSTs; refuse only foreign
    // ones not listed, so a request that CORS would hide from the page is not run either. Our
    // own origin is the one the browser used (a trusted proxy may say it was https), and is
    // unknown, so matches nothing, when the Host or a forwarded header cannot be read.
    if (
      origin !== undefined && !allowedOrigins.includes(origin) &&
      origin !== requestOrigin(c, proxies)
    ) {
      throw new OnrampError(403, {
        type: "invalid_request_error",
        code: "origin_not_allowed",
        message: "This origin may not call the onramp routes",
      });
    }
    // The customer's address, once, for the rate limit and the create (`c.var.customerIp`).
    const ip = customerIpOf(c);
    c.set("customerIp", ip instanceof Promise ? await ip : ip);
    await next();
  }
}

/**
 * Creates the onramp sub-app: `POST /sessions`, `GET /sessions/{id}`, `GET /quotes`, and their
 * OpenAPI 3.1 document at `/openapi.json` with a human page at `/docs`.
 *
 * Every option is checked here, at start-up; a mistake fails the deploy, not a customer.
 *
 * @example Mount it in a Hono app
 * ```ts
 * import { Hono } from "hono";
 * import { cryptoOnramp } from "./onramp_app.ts";
 *
 * const app = new Hono();
 * app.route("/onramp", cryptoOnramp({ stripeSecretKey: "sk_test_123" }));
 *
 * const res = await app.request("/onramp/openapi.json");
 * console.log(res.status); // 200
 * ```
 *
 * @param options The Stripe key and the platform's choices.
 * @returns The sub-app, to mount with `app.route(path, …)`.
 * @throws {TypeError} When the key, `stripeApiBase`, `fetch`, `logger`, a policy or catalog option or
 * `rateLimit.onStoreError` is invalid.
 * @throws {RangeError} When a numeric option is out of range.
 */
export function cryptoOnramp(options: CryptoOnrampOptions): OnrampApp {
  return cryptoOnrampWithSeams(options, {});
}

/**
 * {@linkcode cryptoOnramp} with the Stripe client's clock, timer, jitter and key generator
 * replaced. Internal, for tests (not exported from `mod.ts`): they skip the real backoff.
 *
 * @param options As for {@linkcode cryptoOnramp}.
 * @param seams The replacements; each one left out keeps the platform's own.
 * @returns The sub-app, to mount with `app.route(path, …)`.
 * @throws {TypeError} As {@linkcode cryptoOnramp} does.
 * @throws {RangeError} As {@linkcode cryptoOnramp} does.
 */
export function cryptoOnrampWithSeams(
  options: CryptoOnrampOptions,
  seams: ClientSeams,
): OnrampApp {
  const {
    stripeSecretKey,
    stripeApiBase,
    stripeVersion,
    timeoutMs,
    deadlineMs,
    maxNetworkRetries,
    maxResponseBytes,
    trustedProxies,
    getClientIp,
    onMissingIp,
    policy = {},
    catalog: catalogOptions,
    resolveCustomer,
    allowedOrigins,
    rateLimit: rateLimitOptions,
    maxBodyBytes = 32_768,
    logger = consoleLogger,
    docsTitle = "Crypto onramp",
    fetch,
    webhooks,
  } = options;
  assertPositiveInteger("onramp handler", "maxBodyBytes", maxBodyBytes);
  if (typeof logger !== "function") {
    // Checked now: the wrapper below ignores a logger that throws, so a wrong one would be silent.
    throw new TypeError(
      `Cannot create onramp handler as 'logger' must be a function: current value is of type ${typeof logger}`,
    );
  }
  // Every entry is made safe here, once, whoever logs it: routes, rate limiter, error handler.
  const log = redactingLogger(logger);
  const client = createClientWithSeams({
    secretKey: stripeSecretKey,
    ...(stripeApiBase !== undefined && { baseUrl: stripeApiBase }),
    ...(stripeVersion !== undefined && { stripeVersion }),
    ...(timeoutMs !== undefined && { timeoutMs }),
    ...(deadlineMs !== undefined && { deadlineMs }),
    ...(maxNetworkRetries !== undefined && { maxNetworkRetries }),
    ...(maxResponseBytes !== undefined && { maxResponseBytes }),
    ...(fetch !== undefined && { fetch }),
  }, seams);
  const catalog = createCatalog(catalogOptions);
  checkPolicy(policy, catalog);
  const browserFields = policy.browserFields ?? DEFAULT_BROWSER_FIELDS;
  checkBrowserFields(browserFields);
  // Each schema is built by the first request that needs it, not at start-up: every option they
  // follow was checked above.
  const schemas = requestSchemas(catalog);
  let createBody: CreateSessionBodySchema | undefined;
  const createBodyOf = () => createBody ??= schemas.createBodyFor(browserFields);
  const sessionDeps = {
    client,
    policy,
    catalog,
    schemas,
    resolveCustomer,
    onMissingIp,
    log,
  };

  const app = new Hono<OnrampEnv>();
  // Set before returning: Hono's route() reads a sub-app's onError when it is mounted.
  app.onError(toErrorResponse(log));
  if (allowedOrigins !== undefined) {
    app.use(
      "*",
      cors({
        origin: [...allowedOrigins],
        allowMethods: ["GET", "POST"],
        // Onramp-Client-Secret: the proof of ownership GET /sessions/{id} reads.
        allowHeaders: ["Content-Type", "Idempotency-Key", "Onramp-Client-Secret"],
        exposeHeaders: ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
        maxAge: 600,
      }),
    );
  }
  app.use(
    "*",
    guardRequest(
      allowedOrigins ?? [],
      compileTrustedProxies(trustedProxies),
      customerIpResolver({ trustedProxies, getClientIp }),
    ),
  );
  if (rateLimitOptions !== undefined) {
    const limiter = rateLimit(rateLimitOptions, log);
    // "/sessions/*" matches "/sessions" too: one pattern each, so no request counts twice.
    app.use("/sessions/*", limiter);
    app.use("/quotes", limiter);
  }
  app.use(
    "/sessions",
    limitBody(maxBodyBytes, "request body"),
    requireJson(),
  );

  app.post("/sessions", async function createSession(c) {
    const header = validated(
      schemas.idempotencyHeader,
      { "idempotency-key": c.req.header("idempotency-key") },
      "header",
    );
    const body = asParsedJson(validated(createBodyOf(), await readJsonBody(c), "request body"));
    const session = await mintSession(sessionDeps, c, body, header["idempotency-key"]);
    return c.json(session, 200);
  });
  app.get("/sessions/:id", async function retrieveSession(c) {
    const { id } = validated(schemas.sessionPath, c.req.param(), "param");
    const secret = validated(
      schemas.clientSecretHeader,
      { [CLIENT_SECRET_HEADER]: c.req.header(CLIENT_SECRET_HEADER) },
      "header",
    )[CLIENT_SECRET_HEADER];
    refuseSecretInUrl(Object.keys(c.req.queries()));
    return c.json(await retrievePublicSession(client, log, id, secret), 200);
  });
  app.get("/quotes", async function getQuotes(c) {
    const query = asParsedJson(validated(schemas.quoteQuery, queryOf(c), "query"));
    return c.json(await fetchQuotes(client, log, query, catalog), 200);
  });
  if (webhooks !== undefined) {
    registerWebhookRoute(app, webhooks, { client, log, now: seams.now ?? Date.now });
  }
  registerDocs(app, () => ({
    title: docsTitle,
    schemas,
    createBody: createBodyOf(),
    webhooks: webhooks !== undefined,
  }));
  // Everything under the mount point is ours to answer, in Stripe's shape.
  app.all("*", function unknownRoute(c) {
    throw new OnrampError(404, {
      type: "invalid_request_error",
      code: "resource_missing",
      message: `Unrecognized request URL (${c.req.method}: ${c.req.path.slice(0, 200)})`,
    });
  });
  return app;
}
