/**
 * An in-process stand-in for Stripe's Crypto Onramp endpoints: a `fetch` function that answers
 * like `api.stripe.com` (auth, form parsing, Stripe-shaped errors, idempotency, list cursors,
 * quotes) and injects faults on demand. Its sessions live: test-helper routes (or a timer) move
 * them through their statuses, and each change is delivered as a signed
 * `crypto.onramp_session_updated` webhook. Pass it as the client's `fetch` option, or serve it
 * over HTTP with `serve_mock.ts`.
 *
 * Runs anywhere `fetch` types exist (Deno, Workers, Node): no `Deno.*`, and no timers or
 * randomness at module level.
 *
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { createOnrampClient } from "../client/create_client.ts";
 * import { createStripeMock } from "./stripe_mock.ts";
 *
 * const mock = createStripeMock();
 * const client = createOnrampClient({ secretKey: "sk_test_mock", fetch: mock.fetch });
 * const session = await client.createSession({ destination_currencies: ["eth"] });
 * assertMatch(session.id, /^cos_/);
 * ```
 *
 * @module
 */
import type { CryptoOnrampSession } from "../client/types.ts";
import { type CatalogOptions, createCatalog } from "../validation/catalog.ts";
import {
  type Answer,
  errorAnswer,
  invalidParam,
  jsonAnswer,
  randomString,
  RejectedRequest,
  unknownParam,
} from "./_answers.ts";
import { authenticate, TEST_KEY } from "./_auth.ts";
import { buildSession, checkCreateParams, isUnsupportedRegion } from "./_create_session.ts";
import { createIdempotencyLayer } from "./_idempotency.ts";
import { listSessions } from "./_list_sessions.ts";
import { buildQuotes } from "./_quotes.ts";
import {
  type ControlAction,
  type ControlParams,
  createSessionLife,
  noSuchSession,
} from "./_session_life.ts";
import {
  checkWebhookEndpoint,
  createWebhookSender,
  type MockWebhookDelivery,
  type MockWebhookEndpoint,
} from "./_webhooks.ts";
import { checkFault, createFaultPlan, faultAnswer } from "./_fault_plan.ts";
import { DroppedConnectionError, type Fault, type FaultRule, type QueuedFault } from "./faults.ts";
import type { OnrampSessionUpdatedEvent } from "../webhooks/event.ts";
import { type FormObject, FormParseError, parseStripeForm } from "./form_parse.ts";

export type { Fault, FaultRule, FaultTiming, QueuedFault } from "./faults.ts";
export { DroppedConnectionError } from "./faults.ts";
export type { CryptoOnrampSession } from "../client/types.ts";
export type { OnrampSessionUpdatedEvent } from "../webhooks/event.ts";
export type { DeliveryReason, MockWebhookDelivery, MockWebhookEndpoint } from "./_webhooks.ts";

/** Options of {@linkcode createStripeMock}. */
export interface StripeMockOptions {
  /** Keys the mock accepts as Bearer (or basic-auth user). @default {any sk_test_… or rk_test_… key} */
  secretKeys?: readonly string[];
  /** Randomness for ids, secrets and fault rates; inject for deterministic tests. @default {Math.random} */
  random?: () => number;
  /** The clock, in milliseconds since the epoch. @default {Date.now} */
  now?: () => number;
  /** Faults injected at their rates (0..1), checked in order on each request. @default {[]} */
  faults?: readonly FaultRule[];
  /**
   * Simulated processing time of every request, in milliseconds. A create holds its
   * idempotency key during it, so concurrent uses of one key collide. @default {0}
   */
  latencyMs?: number;
  /**
   * Networks, currencies, pairs and precisions to add to the built-in catalog, as the
   * `catalog` option of `cryptoOnramp()` takes them: give both the same, and the mock accepts
   * what the proxy lets through. @default {the built-in catalog only}
   */
  catalog?: CatalogOptions;
  /**
   * Where each `crypto.onramp_session_updated` event is delivered, signed with the endpoint's
   * `whsec_…` secret, as Stripe delivers to a webhook endpoint. Without it, events are made
   * (see {@linkcode StripeMock.events}) but not sent. @default {no endpoint}
   */
  webhookEndpoint?: MockWebhookEndpoint;
  /**
   * Moves every session one status on, every this many milliseconds from its last change,
   * until `fulfillment_complete`, as a customer going through the widget would. The timer is
   * set inside the calls that mint or move a session, never at module level. @default {off: sessions move only when driven}
   */
  autoAdvanceMs?: number;
}

/** A session the mock created, with what it received but does not return. */
export interface MockSessionRecord {
  /** The session, as retrieve returns it. */
  readonly session: CryptoOnrampSession;
  /** The `customer_ip_address` parameter exactly as received, or `null` when absent. */
  readonly received_customer_ip_address: string | null;
}

/** Counters of a {@linkcode StripeMock}. */
export interface StripeMockStats {
  /** Requests received, faulted ones included. */
  requests: number;
  /** Faults injected, queued or drawn. */
  faultsInjected: number;
  /** Sessions minted (an idempotent replay mints none). */
  sessionsCreated: number;
}

/** The mock that {@linkcode createStripeMock} returns. */
export interface StripeMock {
  /** Answers like api.stripe.com; pass as the client's `fetch` option. Needs no `this`. */
  fetch(request: Request): Promise<Response>;
  /** Queues faults for the next requests, used in order before the `faults` rates apply. */
  failNext(...faults: readonly (Fault | QueuedFault)[]): void;
  /** Counters, for tests. */
  readonly stats: Readonly<StripeMockStats>;
  /** The sessions created, oldest first. */
  sessions(): readonly MockSessionRecord[];
  /** How many sessions each `Idempotency-Key` minted (a replayed key stays at 1). */
  createsByIdempotencyKey(): ReadonlyMap<string, number>;
  /** The events made so far, oldest first: every one, or one session's. */
  events(sessionId?: string): readonly OnrampSessionUpdatedEvent[];
  /** Every attempt at delivering an event so far, oldest first: every one, or one session's. */
  deliveries(sessionId?: string): readonly MockWebhookDelivery[];
  /**
   * Settles once every delivery queued so far is done (retries included) and, with
   * `autoAdvanceMs`, every session has reached a final status.
   */
  settled(): Promise<void>;
  /**
   * Forgets sessions, events, deliveries, saved idempotency results, queued faults and
   * counters, and stops every timer.
   */
  reset(): void;
}

const SESSIONS_PATH = "/v1/crypto/onramp_sessions";
const TEST_HELPERS_PATH = "/v1/test_helpers/crypto/onramp_sessions";
const CONTROL_ACTIONS: readonly ControlAction[] = ["advance", "reject", "redeliver"];
const QUOTES_PATH = "/v1/crypto/onramp_quotes";
const FORM = "application/x-www-form-urlencoded";
const MAX_ECHO = 100; // characters of a path or id quoted back in a message
const MAX_ID_ATTEMPTS = 10;

type Endpoint =
  | { kind: "create" }
  | { kind: "list" }
  | { kind: "retrieve"; id: string }
  | { kind: "quotes" }
  | { kind: "control"; action: ControlAction; id: string };

function checkOptions(options: StripeMockOptions): void {
  const { secretKeys, faults = [], latencyMs = 0, autoAdvanceMs } = options;
  if (autoAdvanceMs !== undefined && !(Number.isFinite(autoAdvanceMs) && autoAdvanceMs > 0)) {
    throw new RangeError(
      `Cannot create Stripe mock as 'autoAdvanceMs' must be a positive number: current value is ${autoAdvanceMs}`,
    );
  }
  if (secretKeys !== undefined && (secretKeys.length === 0 || secretKeys.some((k) => !k))) {
    throw new RangeError(
      "Cannot create Stripe mock as 'secretKeys' must hold at least one non-empty key",
    );
  }
  if (!Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new RangeError(
      `Cannot create Stripe mock as 'latencyMs' must be a non-negative number: current value is ${latencyMs}`,
    );
  }
  faults.forEach(({ fault, rate, when = "before" }, i) => {
    if (!(rate >= 0 && rate <= 1)) {
      throw new RangeError(
        `Cannot create Stripe mock as 'faults[${i}].rate' must be between 0 and 1: current value is ${rate}`,
      );
    }
    if (when !== "before" && when !== "after") {
      throw new RangeError(
        `Cannot create Stripe mock as 'faults[${i}].when' must be "before" or "after": current value is ${when}`,
      );
    }
    checkFault(fault, `faults[${i}].fault`);
  });
}

// Waits inside a call (never at module level, for Workers); gives up when the caller aborts.
// The signal is read only when there is something to wait for: under Deno.serve, merely
// touching `request.signal` prints a notice about its legacy abort behaviour.
function wait(ms: number, request: Request): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  const { signal } = request;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const echo = (text: string) => text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text;

// `/v1/test_helpers/crypto/onramp_sessions/{id}/{action}`, in the shape of Stripe's test
// helpers (e.g. `/v1/test_helpers/test_clocks/{id}/advance`).
function controlRoute(method: string, path: string): Endpoint | undefined {
  if (method !== "POST" || !path.startsWith(`${TEST_HELPERS_PATH}/`)) return undefined;
  const [id, action, ...extra] = path.slice(TEST_HELPERS_PATH.length + 1).split("/");
  if (!id || extra.length > 0 || !CONTROL_ACTIONS.includes(action as ControlAction)) {
    return undefined;
  }
  try {
    return { kind: "control", action: action as ControlAction, id: decodeURIComponent(id) };
  } catch {
    return undefined; // malformed %-escape: no such URL
  }
}

function route(method: string, path: string): Endpoint {
  if (path === SESSIONS_PATH && method === "POST") return { kind: "create" };
  if (path === SESSIONS_PATH && method === "GET") return { kind: "list" };
  if (path === QUOTES_PATH && method === "GET") return { kind: "quotes" };
  const rest = path.startsWith(`${SESSIONS_PATH}/`) ? path.slice(SESSIONS_PATH.length + 1) : "";
  if (method === "GET" && rest !== "" && !rest.includes("/")) {
    try {
      return { kind: "retrieve", id: decodeURIComponent(rest) }; // SDKs percent-encode ids
    } catch { /* malformed %-escape: no such URL */ }
  }
  const control = controlRoute(method, path);
  if (control !== undefined) return control;
  // Stripe answers an unknown method and path pair with 404, not 405.
  throw new RejectedRequest(errorAnswer(404, {
    type: "invalid_request_error",
    message: `Unrecognized request URL (${method}: ${echo(path)}). Please see ` +
      "https://docs.stripe.com/api for the endpoints that exist.",
  }));
}

// On Deno the URL is glued from the Host header, so `Host: a:b:c` gives one that does not
// parse: a request we cannot place, answered as Stripe answers a bad request.
function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new RejectedRequest(errorAnswer(400, {
      type: "invalid_request_error",
      message: "Invalid request: the request URL cannot be read (is the Host header a host?)",
    }));
  }
}

// A POST's parameters come as a form, as every Stripe API call's do.
function requireForm(headers: Headers, body: string): void {
  const contentType = headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (body !== "" && contentType !== FORM) {
    throw new RejectedRequest(errorAnswer(400, {
      type: "invalid_request_error",
      message: `Invalid request: send the parameters as ${FORM}, not as ${
        echo(contentType ?? "a body without Content-Type")
      }`,
    }));
  }
}

// What a control route accepts: `hold_delivery` when it moves the session, `event` when it
// delivers; `expand`, which every Stripe endpoint takes, is ignored.
function controlParams(action: ControlAction, form: FormObject): ControlParams {
  const known = action === "redeliver" ? ["event", "expand"] : ["hold_delivery", "expand"];
  for (const name of Object.keys(form)) if (!known.includes(name)) throw unknownParam(name);
  const hold = form.hold_delivery;
  if (hold !== undefined && hold !== "true" && hold !== "false") {
    throw invalidParam("hold_delivery", "parameter_invalid", "Invalid boolean: hold_delivery");
  }
  const event = form.event;
  if (event !== undefined && (typeof event !== "string" || !event.startsWith("evt_"))) {
    throw invalidParam("event", "parameter_invalid", "Invalid event: must be an evt_ id");
  }
  return { holdDelivery: hold === "true", eventId: event };
}

function parseForm(input: string | URLSearchParams): FormObject {
  try {
    return parseStripeForm(input);
  } catch (error) {
    if (error instanceof FormParseError) {
      throw invalidParam(error.param, "parameter_invalid", error.message);
    }
    throw error;
  }
}

/**
 * Creates an embedded mock of Stripe's Crypto Onramp endpoints.
 *
 * Endpoints: `POST /v1/crypto/onramp_sessions`, `GET /v1/crypto/onramp_sessions`,
 * `GET /v1/crypto/onramp_sessions/{id}` and `GET /v1/crypto/onramp_quotes`; anything else is
 * a Stripe-shaped 404. Every answer carries a `Request-Id: req_…` header.
 *
 * Test helpers (mock only, authenticated like the rest, in the style of Stripe's
 * `/v1/test_helpers/…`), each a `POST` that answers the session or the event:
 * - `/v1/test_helpers/crypto/onramp_sessions/{id}/advance` moves the session to its next status:
 *   `initialized` → `requires_payment` → `fulfillment_processing` → `fulfillment_complete` (which
 *   sets `transaction_details.transaction_id` to an on-chain-looking hash);
 * - `…/{id}/reject` ends it `rejected` (from `initialized` or `requires_payment`);
 * - `…/{id}/redeliver` sends one of its events again (`event=evt_…`, the latest by default).
 *
 * An illegal move is a 400 `crypto_onramp_session_unexpected_state`. `hold_delivery=true` on a
 * move makes its event without sending it: a later `redeliver` then sends it after newer ones,
 * out of order. Every change after creation (never the creation itself) makes a
 * `crypto.onramp_session_updated` event, delivered to `webhookEndpoint` if there is one.
 *
 * Idempotency (POST only): a key's first result is saved and replayed byte for byte with
 * `Idempotent-Replayed: true`, region refusals included; a different request under the same
 * key gets a 400 `idempotency_error`; a rejected request (auth, parameters) saves nothing, so a
 * corrected retry with the same key works; a second request while the key's first is still
 * running gets a 409 `idempotency_key_in_use` and mints nothing (the client retries 409s).
 *
 * Faults: the `failNext` queue first, then each rule whose `random() < rate`. A `"before"`
 * fault replaces the request (nothing is created or saved: the request never reached the
 * API); an `"after"` fault replaces the answer of a request that was fully handled.
 *
 * @example Lose the answer of a create, then replay it with the same key
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { createStripeMock } from "./stripe_mock.ts";
 *
 * const mock = createStripeMock();
 * mock.failNext({ fault: { kind: "drop" }, when: "after" });
 * const create = () =>
 *   mock.fetch(
 *     new Request("https://api.stripe.com/v1/crypto/onramp_sessions", {
 *       method: "POST",
 *       headers: {
 *         Authorization: "Bearer sk_test_123",
 *         "Content-Type": "application/x-www-form-urlencoded",
 *         "Idempotency-Key": "order-42",
 *       },
 *       body: "destination_networks[0]=ethereum",
 *     }),
 *   );
 * await assertRejects(create, TypeError); // minted, but the answer was lost
 * const replay = await create();
 * assertEquals(replay.headers.get("Idempotent-Replayed"), "true");
 * assertEquals(mock.createsByIdempotencyKey().get("order-42"), 1);
 * ```
 *
 * @param options Keys, randomness, clock, fault rates and latency.
 * @returns The mock.
 * @throws {RangeError} When an option is out of range (a rate outside 0..1, a negative
 * latency, an empty `secretKeys`).
 * @throws {TypeError} When a `catalog` entry is invalid.
 */
export function createStripeMock(options: StripeMockOptions = {}): StripeMock {
  checkOptions(options);
  const {
    secretKeys,
    random = Math.random,
    now = Date.now,
    faults = [],
    latencyMs = 0,
    autoAdvanceMs,
  } = options;
  const catalog = createCatalog(options.catalog, "Stripe mock");
  const accepts = secretKeys === undefined
    ? (key: string) => TEST_KEY.test(key)
    : (key: string) => secretKeys.includes(key);
  const plan = createFaultPlan(faults, random);
  const idempotency = createIdempotencyLayer();
  const stats: StripeMockStats = { requests: 0, faultsInjected: 0, sessionsCreated: 0 };
  const records: { session: CryptoOnrampSession; received_customer_ip_address: string | null }[] =
    [];
  const byId = new Map<string, CryptoOnrampSession>();
  const createsByKey = new Map<string, number>();
  const sender = options.webhookEndpoint === undefined
    ? undefined
    : createWebhookSender(checkWebhookEndpoint(options.webhookEndpoint), now);
  const life = createSessionLife({
    random,
    now,
    sender,
    autoAdvanceMs,
    get: (id) => byId.get(id),
    set(session) {
      byId.set(session.id, session);
      const record = records.find((r) => r.session.id === session.id);
      if (record !== undefined) record.session = session;
    },
  });

  function mintId(): string {
    for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
      const id = `cos_${randomString(random, 24)}`;
      if (!byId.has(id)) return id;
    }
    throw new RangeError(
      "Cannot mint a session id as 'random' keeps repeating itself: inject a source that varies",
    );
  }

  function createSession(headers: Headers, body: string, key: string | null): Answer {
    requireForm(headers, body);
    const { params, customerIp, ip } = checkCreateParams(parseForm(body), catalog);
    if (ip !== undefined && isUnsupportedRegion(ip)) {
      // The endpoint ran and refused the customer: Stripe saves this answer under the key.
      return errorAnswer(400, {
        type: "invalid_request_error",
        code: "crypto_onramp_unsupportable_customer",
        message: "This customer's region is not supported by the crypto onramp",
      });
    }
    const id = mintId();
    const session = buildSession(params, {
      id,
      clientSecret: `${id}_secret_${randomString(random, 32)}`,
      created: Math.floor(now() / 1000),
    }, catalog);
    records.push({ session, received_customer_ip_address: customerIp ?? null });
    byId.set(id, session);
    stats.sessionsCreated++;
    if (key !== null) createsByKey.set(key, (createsByKey.get(key) ?? 0) + 1);
    life.started(session);
    return jsonAnswer(200, session);
  }

  function retrieve(id: string, query: FormObject): Answer {
    for (const name of Object.keys(query)) if (name !== "expand") throw unknownParam(name);
    const session = byId.get(id);
    return session === undefined ? noSuchSession(id) : jsonAnswer(200, session);
  }

  async function handle(request: Request, requestId: string): Promise<Answer> {
    try {
      const url = parseUrl(request.url);
      authenticate(request.headers, accepts);
      const endpoint = route(request.method, url.pathname);
      if (endpoint.kind === "create" || endpoint.kind === "control") {
        const body = await request.text();
        const key = request.headers.get("idempotency-key");
        const execute = async () => {
          await wait(latencyMs, request);
          if (endpoint.kind === "create") return createSession(request.headers, body, key);
          requireForm(request.headers, body);
          const params = controlParams(endpoint.action, parseForm(body));
          return life.control(endpoint.action, endpoint.id, params, {
            id: requestId,
            idempotencyKey: key,
          });
        };
        if (key === null) return await execute();
        const fingerprint = `${request.method} ${url.pathname}\n${body}`;
        return await idempotency.run(key, fingerprint, requestId, execute);
      }
      await wait(latencyMs, request);
      const query = parseForm(url.searchParams);
      if (endpoint.kind === "retrieve") return retrieve(endpoint.id, query);
      if (endpoint.kind === "list") {
        return jsonAnswer(200, listSessions(records.map((r) => r.session), query, catalog));
      }
      return jsonAnswer(200, buildQuotes(query, random, now(), catalog));
    } catch (error) {
      if (error instanceof RejectedRequest) return error.answer;
      throw error;
    }
  }

  // A status or rate-limit fault becomes the answer; a delay waits and lets the request go on.
  async function strike(fault: Fault, request: Request): Promise<Answer | undefined> {
    switch (fault.kind) {
      case "drop":
        throw new DroppedConnectionError();
      case "delay":
        await wait(fault.ms, request);
        return undefined;
      default:
        return faultAnswer(fault);
    }
  }

  return {
    stats,
    async fetch(request) {
      stats.requests++;
      const requestId = `req_${randomString(random, 14)}`;
      const planned = plan.next();
      if (planned !== undefined) stats.faultsInjected++;
      let answer = planned?.when === "before" ? await strike(planned.fault, request) : undefined;
      answer ??= await handle(request, requestId);
      if (planned?.when === "after") answer = await strike(planned.fault, request) ?? answer;
      return new Response(answer.body, {
        status: answer.status,
        headers: { "Content-Type": "application/json", "Request-Id": requestId, ...answer.headers },
      });
    },
    failNext(...queued) {
      plan.enqueue(queued);
    },
    sessions: () => records.map((record) => ({ ...record })),
    createsByIdempotencyKey: () => new Map(createsByKey),
    events: (sessionId) => life.events(sessionId),
    deliveries(sessionId) {
      const all = sender?.deliveries() ?? [];
      return sessionId === undefined ? all : all.filter((d) => d.sessionId === sessionId);
    },
    settled: () => life.settled(),
    reset() {
      life.clear();
      sender?.clear();
      records.length = 0;
      byId.clear();
      createsByKey.clear();
      idempotency.clear();
      plan.clear();
      Object.assign(stats, { requests: 0, faultsInjected: 0, sessionsCreated: 0 });
    },
  };
}
