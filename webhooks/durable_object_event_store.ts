/**
 * A webhook event store on Cloudflare Durable Objects, so that every Worker instance, in every
 * location, handles each Stripe event once and in order: {@linkcode WebhookEventsDurableObject}
 * keeps a session's events and {@linkcode createDurableObjectEventStore} sends it each claim.
 *
 * Import it from the `./durable-object` entry point, which also exports the
 * `DurableObject*Like` types of its parameters.
 *
 * @module
 */
import type {
  DurableObjectNamespaceLike,
  DurableObjectStateLike,
} from "../stores/durable_object_like.ts";
import {
  type ClaimResult,
  completedSession,
  decideClaim,
  EVENT_RETENTION_MS,
  type EventClaim,
  releasedSession,
  type SessionState,
  type WebhookEventStore,
} from "./event_store.ts";
import { forgetAtOf, readSessionState } from "./_stored_state.ts";

/** What the store asks of the object: the path of its request. */
type Operation = "claim" | "complete" | "release";

const OPERATIONS: readonly string[] = ["claim", "complete", "release"];

/** The body of each request: the claim with its owner, and the caller's clock (not needed to release). */
interface EventRequest extends EventClaim {
  readonly nowMs?: number;
}

// The object sees only its own requests, so any origin does; this one says what it is for.
const ORIGIN = "https://webhook-events.internal";

// Ids, statuses and owners (UUIDs) are far shorter; anything longer is not from the store.
const MAX_TEXT = 255;
const MAX_BODY_BYTES = 4_096;

const CLAIM_RESULTS: readonly string[] = ["claimed", "duplicate", "in_progress", "stale"];

/** What the object stores per session: its state, and when to forget it. */
type StoredSession = SessionState & { readonly forgetAtMs: number };

const eventKey = (eventId: string) => `event:${eventId}`;
const sessionKey = (sessionId: string) => `session:${sessionId}`;

/**
 * A Durable Object that remembers one session's webhook events: the Cloudflare side of
 * {@linkcode createDurableObjectEventStore}. Export it from the Worker's entry module and bind
 * it in `wrangler.toml` (in a Worker that already has migrations, give this one a new tag):
 *
 * ```toml
 * [[durable_objects.bindings]]
 * name = "WEBHOOK_EVENTS"
 * class_name = "WebhookEventsDurableObject"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["WebhookEventsDurableObject"]
 * ```
 *
 * Each claim, completion and release reads and writes the session's entries in the object's
 * storage inside `blockConcurrencyWhile`, so operations that race are applied one after the
 * other: of concurrent claims for the session, exactly one is `"claimed"`. An alarm deletes
 * what was last written {@linkcode EVENT_RETENTION_MS} ago, so an object holds a session only
 * while Stripe may still deliver its events.
 *
 * The object is an HTTP endpoint of its own: it answers `POST /claim`, `/complete` and
 * `/release` with a JSON body of `{ eventId, sessionId, created, status, owner, nowMs }`, and
 * refuses anything else with a 4xx. `owner` is the claimant's id: `/complete` and `/release`
 * drop only the claim it holds, so a late call after a claim timed out leaves the next
 * delivery's claim alone.
 *
 * @example The Worker's entry module
 * ```ts
 * import { Hono } from "hono";
 * import { cryptoOnramp } from "../mod.ts";
 * import {
 *   createDurableObjectEventStore,
 *   type DurableObjectNamespaceLike,
 * } from "../stores/durable_object.ts";
 *
 * export { WebhookEventsDurableObject } from "../stores/durable_object.ts";
 *
 * interface Env {
 *   STRIPE_SECRET_KEY: string;
 *   STRIPE_WEBHOOK_SECRET: string;
 *   WEBHOOK_EVENTS: DurableObjectNamespaceLike;
 * }
 *
 * let app: Hono | undefined;
 * const worker = {
 *   fetch(request: Request, env: Env): Response | Promise<Response> {
 *     app ??= new Hono().route(
 *       "/onramp",
 *       cryptoOnramp({
 *         stripeSecretKey: env.STRIPE_SECRET_KEY,
 *         webhooks: {
 *           secret: env.STRIPE_WEBHOOK_SECRET,
 *           onSessionUpdated: (session) => console.log(session.id, session.status),
 *           store: createDurableObjectEventStore(env.WEBHOOK_EVENTS),
 *         },
 *       }),
 *     );
 *     return app.fetch(request, env);
 *   },
 * };
 * export default worker;
 * ```
 */
export class WebhookEventsDurableObject {
  readonly #state: DurableObjectStateLike;

  /**
   * Called by the Workers runtime.
   *
   * @param state The object's state and storage.
   * @param _env The Worker's bindings (unused).
   */
  constructor(state: DurableObjectStateLike, _env?: unknown) {
    this.#state = state;
  }

  /**
   * Claims, completes or releases one event: a `POST` to `/claim`, `/complete` or `/release`
   * whose JSON body is `{ eventId, sessionId, created, status, owner, nowMs }` (`nowMs` is not
   * needed to release).
   *
   * @param request The operation, from {@linkcode createDurableObjectEventStore}.
   * @returns `{ result }` as JSON for a claim, 204 for the others; 404, 405, 413 or 400 when
   * the request is not one of them.
   */
  async fetch(request: Request): Promise<Response> {
    const operation = new URL(request.url).pathname.slice(1);
    // A refused body is left unread, not cancelled: cancelling resets the caller's connection.
    if (!OPERATIONS.includes(operation)) {
      return refusal(404, "Send POST /claim, /complete or /release");
    }
    if (request.method !== "POST") {
      return refusal(405, `Send /${operation} as a POST`, { allow: "POST" });
    }
    const body = await readBody(request);
    if (body === TOO_LARGE) return refusal(413, `Send a body of at most ${MAX_BODY_BYTES} bytes`);
    const event = parseEventRequest(body);
    if (event !== undefined && operation === "release") {
      return await this.#state.blockConcurrencyWhile(async () => {
        await this.#release(event.claim);
        return new Response(null, { status: 204 });
      });
    }
    if (event?.nowMs === undefined) {
      return refusal(
        400,
        "Send a JSON body of { eventId, sessionId, created, status, owner, nowMs }",
      );
    }
    const { claim } = event;
    const nowMs = event.nowMs;
    return await this.#state.blockConcurrencyWhile(async () => {
      if (operation === "claim") return Response.json({ result: await this.#claim(claim, nowMs) });
      await this.#complete(claim, nowMs);
      return new Response(null, { status: 204 });
    });
  }

  /**
   * Deletes what is past its retention; called by the runtime at the alarm's time.
   *
   * @returns When the cleanup is done.
   */
  alarm(): Promise<void> {
    return this.#state.blockConcurrencyWhile(async () => {
      const { storage } = this.#state;
      const nowMs = Date.now();
      const past: string[] = [];
      let nextAlarmMs = Infinity;
      for (const [key, value] of await storage.list<unknown>()) {
        const forgetAtMs = forgetAtOf(value);
        if (forgetAtMs === undefined || forgetAtMs <= nowMs) past.push(key);
        else nextAlarmMs = Math.min(nextAlarmMs, forgetAtMs);
      }
      // The storage API deletes at most 128 keys per call.
      for (let i = 0; i < past.length; i += 128) await storage.delete(past.slice(i, i + 128));
      if (nextAlarmMs !== Infinity) await storage.setAlarm(nextAlarmMs);
    });
  }

  async #claim(claim: EventClaim, nowMs: number): Promise<ClaimResult> {
    const { storage } = this.#state;
    const forgetAtMs = forgetAtOf(await storage.get<unknown>(eventKey(claim.eventId)));
    const session = readSessionState(await storage.get<unknown>(sessionKey(claim.sessionId)));
    const decision = decideClaim(
      forgetAtMs !== undefined && forgetAtMs > nowMs,
      session,
      claim,
      nowMs,
    );
    if (decision.result === "claimed") {
      await this.#keep(sessionKey(claim.sessionId), decision.session, nowMs + EVENT_RETENTION_MS);
    }
    return decision.result;
  }

  async #complete(claim: EventClaim, nowMs: number): Promise<void> {
    const { storage } = this.#state;
    const forgetAtMs = nowMs + EVENT_RETENTION_MS;
    const session = readSessionState(await storage.get<unknown>(sessionKey(claim.sessionId)));
    await storage.put(eventKey(claim.eventId), { forgetAtMs });
    await this.#keep(sessionKey(claim.sessionId), completedSession(session, claim), forgetAtMs);
  }

  async #release(claim: EventClaim): Promise<void> {
    const { storage } = this.#state;
    const key = sessionKey(claim.sessionId);
    const stored = await storage.get<unknown>(key);
    const next = releasedSession(readSessionState(stored), claim);
    if (next === undefined) return; // not claimed by this event: nothing to undo
    if (next.applied === undefined) await storage.delete([key]);
    else await this.#keep(key, next, forgetAtOf(stored) ?? Date.now() + EVENT_RETENTION_MS);
  }

  // Writes a session's state, and makes sure an alarm will forget it.
  async #keep(key: string, session: SessionState, forgetAtMs: number): Promise<void> {
    const { storage } = this.#state;
    await storage.put<StoredSession>(key, { ...session, forgetAtMs });
    if (await storage.getAlarm() === null) await storage.setAlarm(forgetAtMs);
  }
}

/**
 * Creates a {@linkcode WebhookEventStore} that keeps events in
 * {@linkcode WebhookEventsDurableObject}s: each session's events go to one object
 * (`namespace.idFromName(sessionId)`), which applies them one at a time, so each event is
 * handled once and in order however many Worker instances receive them. An object lives near
 * whoever first used it, usually the Worker that received the session's first event.
 *
 * A failed call to the object rejects; the route then answers a retryable 503 and Stripe
 * delivers the event again.
 *
 * @example Keep events in the `WEBHOOK_EVENTS` binding
 * ```ts
 * import {
 *   createDurableObjectEventStore,
 *   type DurableObjectNamespaceLike,
 * } from "../stores/durable_object.ts";
 *
 * function eventStoreFor(env: { WEBHOOK_EVENTS: DurableObjectNamespaceLike }) {
 *   return createDurableObjectEventStore(env.WEBHOOK_EVENTS);
 * }
 * ```
 *
 * @param namespace The Durable Object binding of {@linkcode WebhookEventsDurableObject}.
 * @returns The store.
 * @throws {TypeError} When `namespace` is not a Durable Object namespace (e.g. the binding is
 * missing from `wrangler.toml`).
 */
export function createDurableObjectEventStore<Id>(
  namespace: DurableObjectNamespaceLike<Id>,
): WebhookEventStore {
  const candidate = namespace as Partial<DurableObjectNamespaceLike<Id>> | null | undefined;
  if (typeof candidate?.idFromName !== "function" || typeof candidate.get !== "function") {
    throw new TypeError(
      "Cannot create Durable Object event store as 'namespace' must be a Durable Object namespace binding: current value is " +
        (candidate === null ? "null" : `of type ${typeof candidate}`),
    );
  }

  async function send(operation: Operation, claim: EventClaim, nowMs?: number) {
    const { eventId, sessionId, created, status, owner } = claim;
    const body: EventRequest = {
      eventId,
      sessionId,
      created,
      status,
      owner,
      ...(nowMs !== undefined && { nowMs }),
    };
    const stub = namespace.get(namespace.idFromName(sessionId));
    const res = await stub.fetch(
      new Request(`${ORIGIN}/${operation}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`The webhook events Durable Object answered HTTP ${res.status}`);
    }
    return res;
  }

  return {
    async claim(claim, nowMs) {
      const answer: unknown = await (await send("claim", claim, nowMs)).json().catch(() =>
        undefined
      );
      const result = typeof answer === "object" && answer !== null
        ? (answer as Record<string, unknown>).result
        : undefined;
      if (typeof result !== "string" || !CLAIM_RESULTS.includes(result)) {
        throw new Error("The webhook events Durable Object answered without a claim result");
      }
      return result as ClaimResult;
    },
    async complete(claim, nowMs) {
      await (await send("complete", claim, nowMs)).body?.cancel();
    },
    async release(claim) {
      await (await send("release", claim)).body?.cancel();
    },
  };
}

function refusal(status: number, message: string, headers: HeadersInit = {}): Response {
  return Response.json({ error: message }, { status, headers });
}

const TOO_LARGE: unique symbol = Symbol("too large");

// The body as JSON (`undefined` when it is not JSON), read no further than MAX_BODY_BYTES.
async function readBody(request: Request): Promise<unknown> {
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) return TOO_LARGE;
  const chunks: Uint8Array[] = [];
  let length = 0;
  if (request.body !== null) {
    for await (const chunk of request.body) {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) return TOO_LARGE; // leaving the loop cancels the stream
      chunks.push(chunk);
    }
  }
  const bytes = new Uint8Array(length);
  chunks.reduce((offset, chunk) => (bytes.set(chunk, offset), offset + chunk.length), 0);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

const isText = (value: unknown): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= MAX_TEXT;

// The claim in a body, and the caller's clock when it sent one.
function parseEventRequest(body: unknown): { claim: EventClaim; nowMs?: number } | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const { eventId, sessionId, created, status, owner, nowMs } = body as Record<string, unknown>;
  // Without its owner a claim could not tell its own claim from a newer delivery's.
  const valid = isText(eventId) && isText(sessionId) && isText(status) && isText(owner) &&
    typeof created === "number" && Number.isSafeInteger(created) &&
    (nowMs === undefined || typeof nowMs === "number" && Number.isSafeInteger(nowMs));
  if (!valid) return undefined;
  return {
    claim: { eventId, sessionId, created, status, owner },
    ...(nowMs !== undefined && { nowMs }),
  };
}
