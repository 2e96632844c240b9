/**
 * `POST /webhooks`: receives Stripe's `crypto.onramp_session_updated` events, verified against
 * the raw bytes, each handled exactly once and never out of order, and hands the session to the
 * platform's `onSessionUpdated`.
 *
 * @module
 */
import type { Handler, Hono } from "hono";
import type { OnrampClient } from "../client/create_client.ts";
import type { CryptoOnrampSession } from "../client/types.ts";
import type { Logger } from "../errors/logger.ts";
import { OnrampError } from "../errors/onramp_error.ts";
import { assertPositiveInteger } from "../errors/option_checks.ts";
import type { OnrampContext, OnrampEnv } from "../ip/customer_ip.ts";
import { type OnrampSessionUpdatedEvent, readEvent } from "../webhooks/event.ts";
import {
  CLAIM_TIMEOUT_MS,
  createMemoryEventStore,
  type EventClaim,
  type WebhookEventStore,
} from "../webhooks/event_store.ts";
import {
  checkWebhookSecrets,
  createSignatureVerifier,
  DEFAULT_TOLERANCE_SECONDS,
} from "../webhooks/signature.ts";
import { limitBody } from "./_body_limit.ts";
import { fromUpstream } from "./_from_upstream.ts";

/**
 * The platform's handler of a session's new status: credit the customer on
 * `fulfillment_complete`, tell them on `rejected`. It runs once per event, never for an event
 * older than one already handled for the session. Return quickly (Stripe waits a few seconds for
 * the answer); on Cloudflare Workers, hand longer work to `c.executionCtx.waitUntil(…)`. A
 * handler still running after two minutes (`CLAIM_TIMEOUT_MS`) loses its claim and may run a
 * second time for Stripe's redelivery. Throwing makes the route answer 500, and Stripe delivers
 * the event again later.
 */
export type OnSessionUpdated = (
  session: CryptoOnrampSession,
  event: OnrampSessionUpdatedEvent,
  c: OnrampContext,
) => void | Promise<void>;

/** The `webhooks` option of `cryptoOnramp`: enables `POST /webhooks`. */
export interface WebhookOptions {
  /**
   * The endpoint's signing secret (`whsec_…`, from the Dashboard or `stripe listen`), or several
   * while a secret is being rolled: a delivery signed with any of them is accepted.
   */
  secret: string | readonly string[];
  /** Called once per `crypto.onramp_session_updated` event, in order per session. */
  onSessionUpdated: OnSessionUpdated;
  /** How far, in seconds, a signature's timestamp may be from now. @default {300} */
  toleranceSeconds?: number;
  /**
   * Where handled events and each session's last status are kept. The default counts in this
   * instance's memory; on many instances, share one (`createDenoKvEventStore` from `./deno-kv`,
   * `createDurableObjectEventStore` from `./durable-object`).
   *
   * @default {createMemoryEventStore()}
   */
  store?: WebhookEventStore;
  /**
   * Retrieve the session from Stripe before the handler runs, as Stripe advises for the freshest
   * state, instead of handing over the event's copy.
   *
   * @default {false}
   */
  refetchSession?: boolean;
  /** The largest event body accepted, in bytes. @default {262144} */
  maxBodyBytes?: number;
}

/** What the webhook route needs besides its options. */
export interface WebhookRouteDeps {
  /** The Stripe client, for `refetchSession`. */
  client: OnrampClient;
  /** Where refusals and failures are reported (never the body). */
  log: Logger;
  /** The clock, in milliseconds since the epoch. */
  now: () => number;
}

/** The path of the route, relative to the mount point. */
export const WEBHOOK_PATH = "/webhooks";

const IN_PROGRESS_RETRY_SECONDS = 30;

function refused(code: string, message: string): OnrampError {
  return new OnrampError(400, { type: "invalid_request_error", code, message });
}

/**
 * Checks the webhook options at start-up and registers `POST /webhooks` (documented in
 * `openapi/onramp_routes.ts`: the route under `paths`, the event under OpenAPI 3.1's top-level
 * `webhooks`).
 *
 * @param app The onramp sub-app.
 * @param options The secrets, the handler and the store.
 * @param deps The client, the logger and the clock.
 * @throws {TypeError} When a secret is not a `whsec_…` string or the handler is not a function.
 * @throws {RangeError} When `toleranceSeconds` or `maxBodyBytes` is not a positive integer.
 */
export function registerWebhookRoute(
  app: Hono<OnrampEnv>,
  options: WebhookOptions,
  deps: WebhookRouteDeps,
): void {
  const {
    secret,
    onSessionUpdated,
    toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
    store = createMemoryEventStore(),
    refetchSession = false,
    maxBodyBytes = 262_144,
  } = options;
  const secrets = checkWebhookSecrets(secret);
  if (typeof onSessionUpdated !== "function") {
    throw new TypeError(
      "Cannot create onramp handler as 'webhooks.onSessionUpdated' must be a function: current value is of type " +
        typeof onSessionUpdated,
    );
  }
  assertPositiveInteger("onramp handler", "webhooks.toleranceSeconds", toleranceSeconds);
  assertPositiveInteger("onramp handler", "webhooks.maxBodyBytes", maxBodyBytes);
  const verifier = createSignatureVerifier(secrets, toleranceSeconds);
  const { client, log, now } = deps;

  async function sessionFor(event: OnrampSessionUpdatedEvent): Promise<CryptoOnrampSession> {
    if (!refetchSession) return event.data.object;
    try {
      return await client.retrieveSession(event.data.object.id);
    } catch (error) {
      throw fromUpstream(error, log);
    }
  }

  // Names what was thrown without its message, which may hold a secret or the platform's data.
  const kindOf = (error: unknown) => error instanceof Error ? error.name : "a non-Error value";

  // The handler ran: answering an error would make Stripe deliver the event again, and the
  // handler run again once the claim lapses. So the store's failure is logged, not answered.
  async function completeClaim(claim: EventClaim): Promise<void> {
    try {
      await store.complete(claim, now());
    } catch (error) {
      log({
        level: "error",
        message: `The webhook event store failed (${kindOf(error)}) to record ${claim.eventId} ` +
          `as handled; answered 200, as the handler ran. Its claim lapses after ` +
          `${CLAIM_TIMEOUT_MS / 1000} s: a delivery of it after that runs the handler again`,
        status: 200,
        code: "webhook_store_unavailable",
      });
    }
  }

  // The handler failed, and its own error is the answer: a store that cannot release the claim
  // only delays the redelivery, which is handled once the claim lapses.
  async function releaseClaim(claim: EventClaim, status: number): Promise<void> {
    try {
      await store.release(claim);
    } catch (error) {
      log({
        level: "error",
        message: `The webhook event store failed (${kindOf(error)}) to release ${claim.eventId}; ` +
          `its claim lapses after ${CLAIM_TIMEOUT_MS / 1000} s, and Stripe's redelivery is ` +
          `handled then`,
        status,
        code: "webhook_store_unavailable",
      });
    }
  }

  async function handle(claim: EventClaim, event: OnrampSessionUpdatedEvent, c: OnrampContext) {
    try {
      await onSessionUpdated(await sessionFor(event), event, c);
    } catch (error) {
      await releaseClaim(claim, error instanceof OnrampError ? error.status : 500);
      if (error instanceof OnrampError) throw error; // the refetch failed: Stripe retries
      log({
        level: "error",
        message: `onSessionUpdated threw ${kindOf(error)} for ${claim.eventId}; ` +
          "Stripe will deliver it again",
        status: 500,
        code: "webhook_handler_failed",
      });
      throw new OnrampError(500, {
        type: "api_error",
        code: "webhook_handler_failed",
        message: "The platform's handler failed: Stripe will deliver the event again",
      }, { cause: error });
    }
    await completeClaim(claim);
  }

  async function claimEvent(claim: EventClaim) {
    try {
      return await store.claim(claim, now());
    } catch (error) {
      log({
        level: "error",
        message: `The webhook event store failed (${kindOf(error)}); ` +
          `Stripe will deliver ${claim.eventId} again`,
        status: 503,
        code: "webhook_store_unavailable",
      });
      throw new OnrampError(503, {
        type: "api_error",
        code: "webhook_store_unavailable",
        message: "The webhook event store is unavailable: Stripe will deliver the event again",
        retryable: true,
      }, { cause: error });
    }
  }

  const receiveWebhook: Handler<OnrampEnv> = async function receiveWebhook(c) {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const verified = await verifier.verify(raw, c.req.header("stripe-signature"), now());
    if (!verified.ok) {
      // Nothing of an unverified body is read, parsed or logged.
      log({ level: "warn", message: verified.message, status: 400, code: verified.failure });
      throw refused(verified.failure, verified.message);
    }
    const read = readEvent(raw);
    if (read.kind === "invalid") {
      log({ level: "warn", message: read.message, status: 400, code: "webhook_event_invalid" });
      throw refused("webhook_event_invalid", read.message);
    }
    if (read.kind === "other") return c.json({ received: true, outcome: "ignored" }, 200);

    const { event } = read;
    const claim: EventClaim = {
      eventId: event.id,
      sessionId: event.data.object.id,
      created: event.created,
      status: event.data.object.status,
      // One owner per delivery: should this claim time out and a redelivery claim the event,
      // this delivery's late complete or release leaves the redelivery's claim alone.
      owner: crypto.randomUUID(),
    };
    const result = await claimEvent(claim);
    if (result === "in_progress") {
      throw new OnrampError(409, {
        type: "api_error",
        code: "webhook_event_in_progress",
        message: "Another event of this session is being handled: deliver this one again later",
        retryable: true,
      }, { headers: { "Retry-After": String(IN_PROGRESS_RETRY_SECONDS) } });
    }
    if (result === "claimed") await handle(claim, event, c);
    return c.json({ received: true, outcome: result === "claimed" ? "handled" : result }, 200);
  };

  app.post(
    WEBHOOK_PATH,
    limitBody(maxBodyBytes, "event body"),
    receiveWebhook,
  );
}
