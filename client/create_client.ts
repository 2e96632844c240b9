/**
 * A typed Stripe Crypto Onramp client on `openapi-fetch`, with the types generated from
 * `openapi.yaml`.
 *
 * @module
 */
import type { paths } from "../generated/stripe_onramp.ts";
import { assertNonNegativeInteger, assertPositiveInteger } from "../errors/option_checks.ts";
import { isStripeErrorType } from "../errors/stripe_error.ts";
import { type AnswerShape, CREATED_SESSION, QUOTES, SESSION, SESSION_LIST } from "./answers.ts";
import { StripeApiError, upstreamFault } from "./errors.ts";
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
import type { Outbound } from "./_transport.ts";
import {
  type ClientSeams,
  createRetryingCall,
  createRetryingFetch,
  outcomeOf,
  type UpstreamAnswer,
} from "./retrying_fetch.ts";
import { DEFAULT_MAX_RETRY_AFTER_MS } from "./retry.ts";
import { createTypedClient } from "./_openapi_client.ts";

/** Stripe's production API. */
export const STRIPE_API_BASE = "https://api.stripe.com";

/**
 * The default time one attempt may take, in milliseconds: ten times what a create usually takes,
 * and short enough that a stalled attempt is retried within {@linkcode DEFAULT_DEADLINE_MS}.
 */
export const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * The default time a whole call may take, retries and waits included, in milliseconds: under the
 * 29–30 s after which common gateways and load balancers give up on a request, so the browser
 * gets our 504 in Stripe's shape rather than a proxy's page.
 */
export const DEFAULT_DEADLINE_MS = 25_000;
/**
 * The default bound on an answer's body, in bytes (1 MiB). A session or a set of quotes is a few
 * KB, and a list page of 100 sessions about 80 KB as Stripe prints it. Only a page of sessions
 * that each carry close to the most metadata Stripe allows (50 keys of 40 characters, values
 * of 500) can pass it, at up to 2.8 MB: list such sessions with a smaller `limit`, or raise the
 * bound (docs/stripe-api-notes.md#answers).
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/** Options of {@linkcode createOnrampClient}. */
export interface OnrampClientOptions {
  /** Stripe secret (`sk_…`) or restricted (`rk_…`) key. Sent only to `baseUrl`. */
  secretKey: string;
  /** Where the API lives; point it at a mock in tests. @default {"https://api.stripe.com"} */
  baseUrl?: string;
  /** A pinned `Stripe-Version` header value, e.g. `2026-07-29.dahlia;crypto_onramp_beta=v2`. */
  stripeVersion?: string;
  /**
   * The time one attempt may take, in milliseconds, from sending the request to the last byte
   * of the answer. An attempt that runs out is cut off and, budget and deadline permitting,
   * retried. Each attempt gets the smaller of this and what is left of `deadlineMs`.
   *
   * @default {10000}
   */
  timeoutMs?: number;
  /**
   * The time a whole call may take, in milliseconds: every attempt and every wait between
   * attempts included. A retry whose wait would end at or after the deadline is not made; the
   * call then fails with the last attempt's error, `retryable: true`.
   *
   * @default {25000}
   */
  deadlineMs?: number;
  /**
   * The largest answer accepted, in bytes, counted after decompression and checked against
   * `Content-Length` before anything is read. A larger one is cut off and thrown as
   * `upstream_response_too_large`, never retried.
   *
   * @default {1048576}
   */
  maxResponseBytes?: number;
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
   *     return Promise.resolve(Response.json({
   *       error: { type: "invalid_request_error", code: "resource_missing", message: "No such session" },
   *     }, { status: 404 }));
   *   },
   * });
   * // logs "GET /v1/crypto/onramp_sessions/cos_123", then rejects with Stripe's 404
   * await client.retrieveSession("cos_123").catch((error) => console.log(error.code));
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
  /**
   * An `openapi-fetch` client with the same auth, encoding, retries and bounds, for other calls:
   * it takes and gives web `Request`s and `Response`s, and runs the middleware given to its
   * `use()`. (The methods above run on a twin of it that skips those objects.)
   */
  readonly api: OnrampApi;
}

const FORM = "application/x-www-form-urlencoded";
const MAX_IDEMPOTENCY_KEY_LENGTH = 255; // https://docs.stripe.com/api/idempotent_requests
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
// A lone UTF-16 surrogate: half a character, which no URL or form can encode.
const LONE_SURROGATE = /\p{Surrogate}/u;

function checkWellFormed(name: string, value: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new TypeError(
      `Cannot call Stripe as '${name}' is not well-formed Unicode: it holds a lone UTF-16 surrogate`,
    );
  }
  return value;
}

function isHttpUrl(value: unknown): boolean {
  try {
    return /^https?:$/.test(new URL(String(value)).protocol);
  } catch {
    return false;
  }
}

function checkOptions(options: OnrampClientOptions): void {
  const { secretKey, baseUrl, timeoutMs, deadlineMs, maxNetworkRetries, maxRetryAfterMs } = options;
  const { maxResponseBytes, fetch } = options;
  if (typeof secretKey !== "string" || !/^(sk|rk)_(live|test)_\S+$/.test(secretKey)) {
    // Never echo the value: it may be a real key in the wrong place.
    throw new TypeError(
      "Cannot create onramp client as 'secretKey' is not a Stripe secret or restricted key: " +
        "expected sk_live_…, sk_test_…, rk_live_… or rk_test_…",
    );
  }
  if (baseUrl !== undefined && !isHttpUrl(baseUrl)) {
    // Checked here, or every call would fail building its URL, as if Stripe had.
    throw new TypeError(
      `Cannot create onramp client as 'baseUrl' must be an http or https URL: current value is ${
        JSON.stringify(String(baseUrl).slice(0, 100))
      }`,
    );
  }
  const bounds = { timeoutMs, deadlineMs, maxRetryAfterMs, maxResponseBytes };
  for (const [name, value] of Object.entries(bounds)) {
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

// The error statuses whose body the caller sees (Stripe's message, code and param are relayed):
// those must be Stripe's envelope. For 401, 403, 409, 429 and 5xx the status alone decides what
// the caller is told, so any body will do.
function relaysBody(status: number): boolean {
  return status < 500 && status !== 401 && status !== 403 && status !== 409 && status !== 429;
}

function toStripeApiError(error: unknown, response: UpstreamAnswer | Response): StripeApiError {
  const envelope = (error as { error?: unknown } | undefined)?.error;
  const body = typeof envelope === "object" && envelope !== null
    ? envelope as Record<string, unknown>
    : undefined;
  const text = (key: string) => typeof body?.[key] === "string" ? body[key] as string : undefined;
  const type = text("type");
  const status = response.status;
  // The retry decision that stopped on this response says whether it is worth repeating; the
  // status alone cannot (Stripe-Should-Retry may overrule it). A response the retrying fetch
  // did not return is not vouched for.
  const outcome = outcomeOf(response);
  const attempts = outcome?.attempts ?? 1;
  if (type === undefined && relaysBody(status)) {
    // Stripe answers every error with {"error": {"type", …}} (https://docs.stripe.com/api/errors):
    // without it, whatever answered is not Stripe, and its status says nothing about the request.
    return upstreamFault(
      "upstream_invalid_response",
      `Stripe answered HTTP ${status} without its error envelope`,
      response,
      attempts,
    );
  }
  return new StripeApiError({
    type: isStripeErrorType(type) ? type : "api_error",
    code: text("code"),
    param: text("param"),
    message: text("message") ?? `Stripe answered HTTP ${status} without an error message`,
    statusCode: status,
    requestId: response.headers.get("request-id") ?? undefined,
    retryable: outcome?.retryable ?? false,
    attempts,
  });
}

// openapi-fetch parses nothing (`parseAs: "text"`): a body that is not JSON is then an answer
// to refuse, not an exception that could pass for a failure to reach Stripe.
type TextResult = { data?: string; error?: unknown; response: UpstreamAnswer | Response };

/**
 * The request openapi-fetch builds for the client's own calls (its `Request` option): the
 * parts, kept as openapi-fetch made them, where a web `Request` would copy and check them all
 * once more only to be copied again for the attempt. The headers were checked already: they
 * come from openapi-fetch as a `Headers`.
 */
class OutboundRequest implements Outbound {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;

  constructor(url: string, init: { method?: string; headers?: Headers; body?: string }) {
    this.url = url;
    this.method = init.method ?? "GET";
    this.headers = init.headers ?? new Headers();
    this.body = init.body;
  }
}

// The parsed answer, or what is wrong with it.
function readAnswer(data: string | undefined, shape: AnswerShape): { value: unknown } | string {
  if (data === undefined || data === "") return "an empty body"; // a 204, or an empty 200
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return "a body that is not JSON";
  }
  const problem = shape.problem(value);
  return problem === undefined ? { value } : `an invalid ${shape.object}: ${problem}`;
}

// Errors thrown by the call itself propagate as they are: a StripeApiError from the retrying
// fetch, or a local failure before anything was sent (a parameter that cannot be encoded, a
// header the platform rejects), which must surface as the TypeError it is.
async function unwrap<T>(call: Promise<TextResult>, shape: AnswerShape): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toStripeApiError(error, response);
  const answer = readAnswer(data, shape);
  if (typeof answer !== "string") return answer.value as T;
  throw upstreamFault(
    "upstream_invalid_response",
    `Stripe answered HTTP ${response.status} with ${answer}`,
    response,
    outcomeOf(response)?.attempts ?? 1,
  );
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
 * import { createStripeMock } from "../mock/stripe_mock.ts";
 *
 * const client = createOnrampClient({ secretKey: "sk_test_123", fetch: createStripeMock().fetch });
 * const session = await client.createSession({ destination_currencies: ["eth"] });
 * console.log(session.id.startsWith("cos_")); // true
 * ```
 *
 * @example Bound each attempt and the whole call
 * ```ts
 * import { createOnrampClient } from "./create_client.ts";
 *
 * // Attempts of at most 5 s, and an answer (or an error) within 12 s, retries included.
 * const client = createOnrampClient({ secretKey: "sk_test_123", timeoutMs: 5_000, deadlineMs: 12_000 });
 * ```
 *
 * @param options Key, endpoint, timeouts, retries, answer bound and transport.
 * @returns The client.
 * @throws {TypeError} When `secretKey` is not a Stripe secret or restricted key, `baseUrl` is
 * not an http(s) URL, or `fetch` is not a function.
 * @throws {RangeError} When a timing or size option is not a positive integer.
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
    timeoutMs = DEFAULT_TIMEOUT_MS,
    deadlineMs = DEFAULT_DEADLINE_MS,
    maxNetworkRetries = 2,
    maxRetryAfterMs = DEFAULT_MAX_RETRY_AFTER_MS,
    maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES,
    fetch,
  } = options;
  const headers: Record<string, string> = { Authorization: `Bearer ${secretKey}` };
  if (stripeVersion !== undefined) headers["Stripe-Version"] = stripeVersion;

  const retrying = {
    timeoutMs,
    deadlineMs,
    maxNetworkRetries,
    maxRetryAfterMs,
    maxResponseBytes,
    fetch,
    seams,
  };
  const shared = {
    baseUrl,
    headers,
    querySerializer: (query: unknown) =>
      encodeStripeForm(query as unknown as Record<string, FormValue>),
    bodySerializer: (body: unknown) =>
      encodeStripeForm(body as unknown as Record<string, FormValue>),
  };
  const api = createTypedClient<paths>({ ...shared, fetch: createRetryingFetch(retrying) });
  // The methods' twin of `api`: openapi-fetch builds the request (URL, query, body, headers),
  // and the retrying call sends it from its parts and answers an `UpstreamAnswer`, which has
  // all openapi-fetch reads of a response.
  const call = createRetryingCall(retrying);
  const own = createTypedClient<paths>({
    ...shared,
    Request: OutboundRequest as unknown as typeof Request,
    fetch: call as unknown as (request: Request) => Promise<Response>,
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
      if (!VISIBLE_ASCII.test(key)) {
        // A header holds no other text: fail here, naming it, not inside the transport.
        throw new TypeError(
          "Cannot create onramp session as 'idempotencyKey' must hold visible ASCII characters only",
        );
      }
      return await unwrap(
        own.POST("/v1/crypto/onramp_sessions", {
          body: params,
          headers: { "Content-Type": FORM, "Idempotency-Key": key },
          parseAs: "text",
        }),
        CREATED_SESSION,
      );
    },
    retrieveSession(id) {
      return unwrap(
        own.GET("/v1/crypto/onramp_sessions/{session}", {
          params: { path: { session: checkWellFormed("id", id) } },
          parseAs: "text",
        }),
        SESSION,
      );
    },
    listSessions(params = {}) {
      return unwrap(
        own.GET("/v1/crypto/onramp_sessions", { params: { query: params }, parseAs: "text" }),
        SESSION_LIST,
      );
    },
    getQuotes(params = {}) {
      return unwrap(
        own.GET("/v1/crypto/onramp_quotes", { params: { query: params }, parseAs: "text" }),
        QUOTES,
      );
    },
  };
}
