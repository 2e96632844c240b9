/**
 * The mock's webhook deliveries: `crypto.onramp_session_updated` events built as Stripe's event
 * object (https://docs.stripe.com/api/events/object), signed as Stripe signs them
 * (https://docs.stripe.com/webhooks#verify-events: `Stripe-Signature: t=<unix>,v1=<hex>`, the
 * hex an HMAC-SHA256 keyed with the whole `whsec_…` secret over `"<t>.<raw body>"`), and sent
 * to one endpoint, in order per session, again after a non-2xx answer with a short, bounded
 * backoff. Signing uses Web Crypto only, so the mock runs on every runtime.
 *
 * @module
 */
import type { CryptoOnrampSession } from "../client/types.ts";
import type { OnrampSessionUpdatedEvent } from "../webhooks/event.ts";

/** Where the mock delivers its events: one Stripe webhook endpoint. */
export interface MockWebhookEndpoint {
  /** The endpoint's URL, e.g. `http://localhost:8000/onramp/webhooks`. */
  url: string;
  /** The endpoint's signing secret (`whsec_…`); give the receiver the same one. */
  secret: string;
  /**
   * Sends each delivery: an app's own `fetch` delivers in-process. Looked up on each call.
   *
   * @default {globalThis.fetch}
   */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * Attempts of one delivery, the first included. A non-2xx answer, a network error or a
   * timeout is tried again, until one attempt gets a 2xx or this many were made.
   *
   * @default {4}
   */
  maxAttempts?: number;
  /**
   * The wait before the first retry, in milliseconds, doubled before each later one: Stripe
   * spreads its retries over three days, the mock over seconds. @default {250}
   */
  retryDelayMs?: number;
  /** How long one attempt may take before it counts as failed, in milliseconds. @default {10000} */
  timeoutMs?: number;
}

/** Why a delivery was made. */
export type DeliveryReason =
  /** The session's status changed. */
  | "status_change"
  /** Asked for through `POST /v1/test_helpers/…/redeliver`: a duplicate, or a held event. */
  | "redeliver";

/** One attempt at delivering an event, as Stripe's Dashboard lists them. */
export interface MockWebhookDelivery {
  /** The event, `evt_…`. */
  readonly eventId: string;
  /** The session it is about. */
  readonly sessionId: string;
  /** The session's status in the event. */
  readonly status: string;
  /** The event's `created`, in Unix seconds. */
  readonly created: number;
  /** Why the delivery was made. */
  readonly reason: DeliveryReason;
  /** 1 for the first attempt of this delivery, then 2, 3… */
  readonly attempt: number;
  /** The endpoint's HTTP status, or `null` when it gave none (network error, timeout). */
  readonly responseStatus: number | null;
  /** The first 2,000 characters of the endpoint's answer. */
  readonly responseBody: string;
  /** Why no answer came, when none did. */
  readonly error: string | null;
}

/** The checked endpoint, its defaults resolved (see {@linkcode MockWebhookEndpoint}). */
export interface ResolvedEndpoint {
  /** Where to deliver. */
  readonly url: string;
  /** The signing secret. */
  readonly secret: string;
  /** The platform's transport; `undefined` reads `globalThis.fetch` on each call. */
  readonly fetch: ((request: Request) => Promise<Response>) | undefined;
  /** Attempts per delivery. */
  readonly maxAttempts: number;
  /** The first retry's wait, in milliseconds. */
  readonly retryDelayMs: number;
  /** One attempt's bound, in milliseconds. */
  readonly timeoutMs: number;
}

const SECRET = /^whsec_\S+$/;
const MAX_ATTEMPTS = 10;
const MAX_RESPONSE_CHARS = 2_000;

function fail(field: string, rule: string, value: unknown): never {
  const shown = field === "secret" ? "(not shown)" : String(value);
  throw new RangeError(
    `Cannot create Stripe mock as 'webhookEndpoint.${field}' must be ${rule}: current value is ${shown}`,
  );
}

/**
 * Checks the endpoint at start-up and resolves its defaults.
 *
 * @param endpoint The endpoint, as given.
 * @returns The endpoint with every default filled in.
 * @throws {RangeError} When a field is invalid (the secret is never echoed).
 */
export function checkWebhookEndpoint(endpoint: MockWebhookEndpoint): ResolvedEndpoint {
  const { url, secret, fetch, maxAttempts = 4, retryDelayMs = 250, timeoutMs = 10_000 } = endpoint;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch { /* reported below */ }
  if (parsed === undefined || !/^https?:$/.test(parsed.protocol)) {
    fail("url", "an absolute http or https URL", url);
  }
  if (typeof secret !== "string" || !SECRET.test(secret)) {
    fail("secret", "a webhook signing secret (whsec_… without whitespace)", secret);
  }
  if (fetch !== undefined && typeof fetch !== "function") fail("fetch", "a function", fetch);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
    fail("maxAttempts", `an integer from 1 to ${MAX_ATTEMPTS}`, maxAttempts);
  }
  if (!Number.isFinite(retryDelayMs) || retryDelayMs < 0) {
    fail("retryDelayMs", "a non-negative number", retryDelayMs);
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    fail("timeoutMs", "a positive number", timeoutMs);
  }
  return { url, secret, fetch, maxAttempts, retryDelayMs, timeoutMs };
}

/** What an event is made of. */
export interface EventInput {
  /** `evt_…`. */
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  /** The session as it is now. */
  readonly session: CryptoOnrampSession;
  /** The members that changed, with their values before. */
  readonly previous: Record<string, unknown>;
  /** The API request that caused the change, or `null` for the mock's own timer. */
  readonly request: { readonly id: string; readonly idempotencyKey: string | null } | null;
}

/**
 * The API version the mock's events say they were rendered with, as the project's pinned
 * `Stripe-Version` (README, "Options of cryptoOnramp").
 */
export const MOCK_EVENT_API_VERSION = "2026-07-29.dahlia";

/**
 * Builds a `crypto.onramp_session_updated` event, in the shape of Stripe's event object.
 *
 * @param input Id, time, session, changes and cause.
 * @returns The event; `data.object` is a copy, so later changes do not show in it.
 */
export function buildEvent(input: EventInput): OnrampSessionUpdatedEvent {
  return {
    id: input.id,
    object: "event",
    api_version: MOCK_EVENT_API_VERSION,
    created: input.created,
    data: {
      object: structuredClone(input.session),
      previous_attributes: structuredClone(input.previous),
    },
    livemode: false,
    pending_webhooks: 1,
    request: input.request === null
      ? { id: null, idempotency_key: null }
      : { id: input.request.id, idempotency_key: input.request.idempotencyKey },
    type: "crypto.onramp_session_updated",
  };
}

const encoder = new TextEncoder();

function toHex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Signs `body` as Stripe does: `t=<timestampS>,v1=<HMAC-SHA256 over "<t>.<body>">`.
 *
 * @param key The endpoint secret, imported for HMAC-SHA256 signing.
 * @param timestampS The signing time, in Unix seconds.
 * @param body The exact body that will be sent.
 * @returns The `Stripe-Signature` header value.
 */
export async function signatureHeader(
  key: CryptoKey,
  timestampS: number,
  body: string,
): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestampS}.${body}`));
  return `t=${timestampS},v1=${toHex(mac)}`;
}

/** Imports a `whsec_…` secret as Stripe's libraries use it: the whole string, UTF-8. */
export function importSigningKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
}

// Reads at most `max` characters of an answer, then lets the rest go: an endpoint may answer
// anything, of any size.
async function readClipped(response: Response, max: number): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < max) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body cut off mid-way: keep what arrived.
  } finally {
    reader.cancel().catch(() => {});
  }
  return text.slice(0, max);
}

type Base = Pick<MockWebhookDelivery, "eventId" | "sessionId" | "status" | "created" | "reason">;
type Outcome = Pick<MockWebhookDelivery, "responseStatus" | "responseBody" | "error">;

/** Sends events to the endpoint; see {@linkcode createWebhookSender}. */
export interface WebhookSender {
  /** Queues a delivery of `event` behind the session's earlier ones. */
  send(event: OnrampSessionUpdatedEvent, reason: DeliveryReason): void;
  /** Settles once every queued delivery, retries included, is done. */
  settled(): Promise<void>;
  /** Every attempt so far, oldest first. */
  deliveries(): readonly MockWebhookDelivery[];
  /** Drops the queue (attempts under way stop at their next wait) and the record. */
  clear(): void;
}

/**
 * Creates the sender of one endpoint's deliveries. Each delivery is signed afresh (as Stripe
 * re-signs every retry with a new `t`) and sent after the session's earlier deliveries are done,
 * so one session's events arrive in the order they were sent.
 *
 * @param endpoint The checked endpoint.
 * @param now The mock's clock, in milliseconds since the epoch.
 * @returns The sender.
 */
export function createWebhookSender(endpoint: ResolvedEndpoint, now: () => number): WebhookSender {
  const { url, secret, maxAttempts, retryDelayMs, timeoutMs } = endpoint;
  let key: Promise<CryptoKey> | undefined;
  const records: MockWebhookDelivery[] = [];
  const queues = new Map<string, Promise<void>>();
  const pending = new Set<Promise<void>>();
  // Cleared on `clear()`: every wait listening to it ends at once, and the loop stops.
  let generation = new AbortController();

  function pause(ms: number, stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (stop.aborted) return resolve();
      const timer = setTimeout(done, ms);
      stop.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        stop.removeEventListener("abort", done);
        resolve();
      }
    });
  }

  async function attempt(body: string): Promise<Outcome> {
    key ??= importSigningKey(secret);
    const header = await signatureHeader(await key, Math.floor(now() / 1000), body);
    const aborter = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        aborter.abort();
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const send = endpoint.fetch ?? globalThis.fetch;
      const request = new Request(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "Stripe-Signature": header,
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body,
        signal: aborter.signal,
      });
      const response = await Promise.race([send(request), timedOut]);
      const responseBody = await Promise.race([
        readClipped(response, MAX_RESPONSE_CHARS),
        timedOut,
      ]);
      return { responseStatus: response.status, responseBody, error: null };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { responseStatus: null, responseBody: "", error: message.slice(0, 200) };
    } finally {
      clearTimeout(timer);
      timedOut.catch(() => {});
    }
  }

  async function deliver(base: Base, body: string, stop: AbortSignal): Promise<void> {
    for (let n = 1; n <= maxAttempts && !stop.aborted; n++) {
      if (n > 1) await pause(retryDelayMs * 2 ** (n - 2), stop);
      if (stop.aborted) return;
      const outcome = await attempt(body);
      if (stop.aborted) return;
      records.push({ ...base, attempt: n, ...outcome });
      const status = outcome.responseStatus;
      if (status !== null && status >= 200 && status < 300) return;
    }
  }

  return {
    send(event, reason) {
      // Stripe sends its events pretty-printed; the receiver must verify these exact bytes.
      const body = JSON.stringify(event, null, 2);
      const session = event.data.object;
      const base: Base = {
        eventId: event.id,
        sessionId: session.id,
        status: session.status,
        created: event.created,
        reason,
      };
      const stop = generation.signal;
      const run = () => deliver(base, body, stop);
      const previous = queues.get(session.id) ?? Promise.resolve();
      const next = previous.then(run, run);
      queues.set(session.id, next);
      pending.add(next);
      const forget = () => {
        pending.delete(next);
        if (queues.get(session.id) === next) queues.delete(session.id);
      };
      next.then(forget, forget);
    },
    async settled() {
      while (pending.size > 0) await Promise.all(pending);
    },
    deliveries: () => [...records],
    clear() {
      generation.abort();
      generation = new AbortController();
      records.length = 0;
    },
  };
}
