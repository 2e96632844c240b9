/**
 * A typed Stripe Crypto Onramp client on `openapi-fetch`, with the types generated from
 * `openapi.yaml`.
 *
 * @module
 */
import createClient from "openapi-fetch";
import type { paths } from "../generated/stripe_onramp.ts";
import { assertNonNegativeInteger, assertPositiveInteger } from "../errors/option_checks.ts";
import { isStripeErrorType } from "../errors/stripe_error.ts";
import { redactApiKeys, StripeApiError } from "./errors.ts";
import { encodeStripeForm, type FormValue } from "./form_body.ts";
import type {
  CreateSessionParams,
  CryptoOnrampSession,
  CryptoOnrampSessionList,
  ListSessionsParams,
  OnrampApi,
  OnrampQuotes,
  QuoteParams,
} from "./types.ts";
import { type ClientSeams, createRetryingFetch, outcomeOf } from "./retrying_fetch.ts";
import { DEFAULT_MAX_RETRY_AFTER_MS } from "./retry.ts";

/** Stripe's production API. */
export const STRIPE_API_BASE = "https://api.stripe.com";

/** Options of {@linkcode createOnrampClient}. */
export interface OnrampClientOptions {
  /** Stripe secret (`sk_…`) or restricted (`rk_…`) key. Sent only to `baseUrl`. */
  secretKey: string;
  /** Where the API lives; point it at a mock in tests. @default {"https://api.stripe.com"} */
  baseUrl?: string;
  /** A pinned `Stripe-Version` header value, e.g. `2026-07-29.dahlia;crypto_onramp_beta=v2`. */
  stripeVersion?: string;
  /** The deadline of each attempt, in milliseconds. @default {30000} */
  timeoutMs?: number;
  /** Retries after a retryable failure (network, timeout, 409, 429, 5xx). @default {2} */
  maxNetworkRetries?: number;
  /** The longest `Retry-After` worth waiting for; a longer one is returned as is. @default {5000} */
  maxRetryAfterMs?: number;
  /**
   * Sends each HTTP request to Stripe, attempts and retries alike, as the standard `fetch`
   * does. Replace it to go through an egress proxy, to record calls, or to answer from a
   * stand-in for Stripe in tests (nothing else needs mocking). Looked up on each call, so a
   * `globalThis.fetch` patched later is used too.
   *
   * @default {globalThis.fetch}
   *
   * @example Log each call to Stripe
   * ```ts
   * import { createOnrampClient } from "./create_client.ts";
   *
   * const client = createOnrampClient({
   *   secretKey: "sk_test_123",
   *   fetch: (request) => {
   *     console.log(request.method, new URL(request.url).pathname);
   *     return Promise.resolve(Response.json({ id: "cos_123", client_secret: "x" }));
   *   },
   * });
   * await client.retrieveSession("cos_123"); // logs "GET /v1/crypto/onramp_sessions/cos_123"
   * ```
   */
  fetch?: (request: Request) => Promise<Response>;
}

/** Per-call options of {@linkcode OnrampClient.createSession}. */
export interface CreateSessionOptions {
  /** Reuse a key to make a repeated create return the first session. @default {a random UUID} */
  idempotencyKey?: string;
}

/** The typed onramp client that {@linkcode createOnrampClient} returns. */
export interface OnrampClient {
  /** Creates a session (`POST /v1/crypto/onramp_sessions`). */
  createSession(
    params: CreateSessionParams,
    options?: CreateSessionOptions,
  ): Promise<CryptoOnrampSession>;
  /** Retrieves a session by id (`GET /v1/crypto/onramp_sessions/{session}`). */
  retrieveSession(id: string): Promise<CryptoOnrampSession>;
  /** Lists sessions, newest first (`GET /v1/crypto/onramp_sessions`). */
  listSessions(params?: ListSessionsParams): Promise<CryptoOnrampSessionList>;
  /** Gets estimated quotes (`GET /v1/crypto/onramp_quotes`). */
  getQuotes(params?: QuoteParams): Promise<OnrampQuotes>;
  /** The underlying `openapi-fetch` client, with auth, encoding and retries, for other calls. */
  readonly api: OnrampApi;
}

const FORM = "application/x-www-form-urlencoded";
const MAX_IDEMPOTENCY_KEY_LENGTH = 255; // https://docs.stripe.com/api/idempotent_requests

function checkOptions(options: OnrampClientOptions): void {
  const { secretKey, timeoutMs, maxNetworkRetries, maxRetryAfterMs, fetch } = options;
  if (typeof secretKey !== "string" || !/^(sk|rk)_(live|test)_\S+$/.test(secretKey)) {
    // Never echo the value: it may be a real key in the wrong place.
    throw new TypeError(
      "Cannot create onramp client as 'secretKey' is not a Stripe secret or restricted key: " +
        "expected sk_live_…, sk_test_…, rk_live_… or rk_test_…",
    );
  }
  for (const [name, value] of Object.entries({ timeoutMs, maxRetryAfterMs })) {
    if (value !== undefined) assertPositiveInteger("onramp client", name, value);
  }
  if (maxNetworkRetries !== undefined) {
    assertNonNegativeInteger("onramp client", "maxNetworkRetries", maxNetworkRetries);
  }
  if (fetch !== undefined && typeof fetch !== "function") {
    throw new TypeError(
      `Cannot create onramp client as 'fetch' must be a function: current value is of type ${typeof fetch}`,
    );
  }
}

function toStripeApiError(error: unknown, response: Response): StripeApiError {
  const body = (error as { error?: Record<string, unknown> } | undefined)?.error;
  const text = (key: string) => typeof body?.[key] === "string" ? body[key] as string : undefined;
  const type = text("type");
  const status = response.status;
  // The retry decision that stopped on this response says whether it is worth repeating; the
  // status alone cannot (Stripe-Should-Retry may overrule it). A response the retrying fetch
  // did not return is not vouched for.
  const outcome = outcomeOf(response);
  return new StripeApiError({
    type: isStripeErrorType(type) ? type : "api_error",
    code: text("code"),
    param: text("param"),
    message: redactApiKeys(
      text("message") ?? `Stripe answered HTTP ${status} without an error body`,
    ),
    statusCode: status,
    requestId: response.headers.get("request-id") ?? undefined,
    retryable: outcome?.retryable ?? false,
    attempts: outcome?.attempts ?? 1,
  });
}

async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch (cause) {
    if (cause instanceof StripeApiError) throw cause;
    // A 2xx whose body is not JSON (a captive proxy, a truncated answer). Stripe did answer, so
    // no retry was due; but the same request (same Idempotency-Key) may well be read next time.
    throw new StripeApiError({
      type: "api_error",
      message: "Stripe's answer could not be read",
      retryable: true,
    }, { cause });
  }
  const { data, error, response } = result;
  // Branch on the status, not on `error`: an empty error body leaves `error` undefined.
  if (!response.ok || data === undefined) throw toStripeApiError(error, response);
  return data;
}

/**
 * Creates a typed client for Stripe's Crypto Onramp API that runs on Deno, Cloudflare Workers
 * and Node.
 *
 * Bodies and queries use Stripe's bracket encoding; every create carries an
 * `Idempotency-Key`, reused on its retries; failures are thrown as {@linkcode StripeApiError}.
 *
 * @example Create a session against a stand-in for Stripe
 * ```ts
 * import { createOnrampClient } from "./create_client.ts";
 *
 * const client = createOnrampClient({
 *   secretKey: "sk_test_123",
 *   fetch: () =>
 *     Promise.resolve(Response.json({ id: "cos_123", client_secret: "cos_123_secret_x" })),
 * });
 * const session = await client.createSession({ destination_currencies: ["eth"] });
 * console.log(session.id); // "cos_123"
 * ```
 *
 * @param options Key, endpoint, timeouts, retries and transport.
 * @returns The client.
 * @throws {TypeError} When `secretKey` is not a Stripe secret or restricted key, or `fetch` is
 * not a function.
 * @throws {RangeError} When a timing option is not a positive integer.
 */
export function createOnrampClient(options: OnrampClientOptions): OnrampClient {
  return createClientWithSeams(options, {});
}

/**
 * {@linkcode createOnrampClient} with its clock, timer, jitter and key generator replaced.
 * Internal, for tests (not exported from `mod.ts`): they pin the waits and the keys.
 *
 * @param options As for {@linkcode createOnrampClient}.
 * @param seams The replacements; each one left out keeps the platform's own.
 * @returns The client.
 * @throws {TypeError} As {@linkcode createOnrampClient} does.
 * @throws {RangeError} As {@linkcode createOnrampClient} does.
 */
export function createClientWithSeams(
  options: OnrampClientOptions,
  seams: ClientSeams,
): OnrampClient {
  checkOptions(options);
  const {
    secretKey,
    baseUrl = STRIPE_API_BASE,
    stripeVersion,
    timeoutMs = 30_000,
    maxNetworkRetries = 2,
    maxRetryAfterMs = DEFAULT_MAX_RETRY_AFTER_MS,
    fetch,
  } = options;
  const headers: Record<string, string> = { Authorization: `Bearer ${secretKey}` };
  if (stripeVersion !== undefined) headers["Stripe-Version"] = stripeVersion;

  const api = createClient<paths>({
    baseUrl,
    headers,
    fetch: createRetryingFetch({ timeoutMs, maxNetworkRetries, maxRetryAfterMs, fetch, seams }),
    querySerializer: (query) => encodeStripeForm(query as unknown as Record<string, FormValue>),
    bodySerializer: (body) => encodeStripeForm(body as unknown as Record<string, FormValue>),
  });

  return {
    api,
    async createSession(params, { idempotencyKey } = {}) {
      const key = idempotencyKey ?? (seams.randomId ?? (() => crypto.randomUUID()))();
      if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        throw new RangeError(
          `Cannot create onramp session as 'idempotencyKey' must be 1 to 255 characters: current length is ${key.length}`,
        );
      }
      return await unwrap(api.POST("/v1/crypto/onramp_sessions", {
        body: params,
        headers: { "Content-Type": FORM, "Idempotency-Key": key },
      }));
    },
    retrieveSession(id) {
      return unwrap(api.GET("/v1/crypto/onramp_sessions/{session}", {
        params: { path: { session: id } },
      }));
    },
    listSessions(params = {}) {
      return unwrap(api.GET("/v1/crypto/onramp_sessions", { params: { query: params } }));
    },
    getQuotes(params = {}) {
      return unwrap(api.GET("/v1/crypto/onramp_quotes", { params: { query: params } }));
    },
  };
}
