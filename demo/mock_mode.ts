/**
 * The demo server on the embedded mock Stripe, wired end to end with no network: the mock
 * delivers its signed webhooks to this app's own `/onramp/webhooks` (in-process, through the
 * app's `fetch`), signed with a `whsec_…` secret made at start-up, and the demo page drives the
 * mock through the demo routes below, which call the mock's test helpers. Loaded only when no
 * `STRIPE_SECRET_KEY` is set (entries import it dynamically), so a real deployment never runs it.
 *
 * Demo routes, each driving a session only with its `client_secret` in `Onramp-Client-Secret`
 * (what the customer's widget holds):
 * - `POST /demo/sessions/{id}/advance`: the customer's next step (identity check, payment,
 *   delivery on chain);
 * - `POST /demo/sessions/{id}/reject`: Stripe declines the customer;
 * - `POST /demo/sessions/{id}/duplicate`: the latest event delivered a second time;
 * - `POST /demo/sessions/{id}/out_of_order`: two steps, the first one's event delivered last;
 * - `GET /demo/sessions/{id}/events`: what the handler received (each event once) and every
 *   delivery with the route's answer (`handled`, `duplicate`, `stale`).
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { OnrampError } from "../errors/onramp_error.ts";
import { isStripeErrorType } from "../errors/stripe_error.ts";
import { assertSessionOwner } from "../routes/retrieve_session.ts";
import { CLIENT_SECRET_HEADER } from "../validation/schemas.ts";
import { createStripeMock, type StripeMock } from "../mock/stripe_mock.ts";
import type { ServerConfig } from "./config.ts";
import { simulatedWidget } from "./simulated_widget.ts";
import {
  createServerApp,
  DEMO_PATH,
  MOCK_SECRET_KEY,
  ONRAMP_PATH,
  type ServerAppOptions,
} from "./server_app.ts";

/** Options of {@linkcode createMockModeApp}. */
export interface MockModeOptions {
  /** Moves every session one step on this period, on the mock's timer. @default {off: the page's buttons drive it} */
  autoAdvanceMs?: number;
  /** Where each handled event's log line goes. @default {console.log} */
  logLine?: ServerAppOptions["logLine"];
}

/** One event the server's handler received. */
interface HandledEvent {
  readonly event_id: string;
  readonly status: string;
  readonly created: number;
}

// The journal lives in this instance's memory: bounded, so a long-running demo cannot grow it
// without end.
const MAX_SESSIONS = 1_000;
const MAX_EVENTS_PER_SESSION = 50;
const MAX_ID_LENGTH = 255;
const STRIPE_API = "https://api.stripe.com";
const TEST_HELPERS = "/v1/test_helpers/crypto/onramp_sessions";

function createJournal() {
  const bySession = new Map<string, HandledEvent[]>();
  return {
    record(sessionId: string, event: HandledEvent): void {
      const list = bySession.get(sessionId) ?? [];
      bySession.delete(sessionId); // re-inserted last: the Map keeps the recent sessions
      if (list.length < MAX_EVENTS_PER_SESSION) list.push(event);
      bySession.set(sessionId, list);
      if (bySession.size > MAX_SESSIONS) bySession.delete(bySession.keys().next().value!);
    },
    of: (sessionId: string): readonly HandledEvent[] => bySession.get(sessionId) ?? [],
  };
}

/** A `whsec_…` secret of 32 random bytes, made inside the call (never at module level). */
function mockWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_mock_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// The outcome the webhook route answered (`{"received":true,"outcome":"handled"}`), if any.
function outcomeOf(body: string): string | null {
  try {
    const outcome = (JSON.parse(body) as { outcome?: unknown }).outcome;
    return typeof outcome === "string" ? outcome : null;
  } catch {
    return null;
  }
}

function registerDemoRoutes(
  app: Hono,
  mock: StripeMock,
  journal: ReturnType<typeof createJournal>,
) {
  // Every call goes through the mock's own HTTP surface, authenticated like the proxy's.
  async function callMock(path: string, form?: Record<string, string>) {
    const response = await mock.fetch(
      new Request(`${STRIPE_API}${path}`, {
        method: form === undefined ? "GET" : "POST",
        headers: {
          Authorization: `Bearer ${MOCK_SECRET_KEY}`,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        ...(form !== undefined && { body: new URLSearchParams(form).toString() }),
      }),
    );
    const body = await response.json() as Record<string, unknown>;
    if (response.ok) return body;
    // The mock's refusal (an illegal step, an unknown session), passed on in Stripe's shape.
    const error = (body.error ?? {}) as Record<string, unknown>;
    throw new OnrampError(response.status === 404 ? 404 : 400, {
      type: isStripeErrorType(error.type) ? error.type : "invalid_request_error",
      message: typeof error.message === "string" ? error.message : "The mock refused the step",
      ...(typeof error.code === "string" && { code: error.code }),
      ...(typeof error.param === "string" && { param: error.param }),
    });
  }

  const step = (id: string, action: string, form: Record<string, string> = {}) =>
    callMock(`${TEST_HELPERS}/${encodeURIComponent(id)}/${action}`, form);

  // Only the customer, who holds the session's client_secret, drives it.
  async function ownedSession(c: Context, id: string): Promise<Record<string, unknown>> {
    const secret = c.req.header(CLIENT_SECRET_HEADER);
    if (secret === undefined) {
      throw new OnrampError(400, {
        type: "invalid_request_error",
        code: "parameter_missing",
        param: "Onramp-Client-Secret",
        message: "Send the session's client_secret in the Onramp-Client-Secret header",
      });
    }
    const session = await callMock(`/v1/crypto/onramp_sessions/${encodeURIComponent(id)}`);
    await assertSessionOwner(session, secret);
    return session;
  }

  function sessionId(c: Context): string {
    const id = c.req.param("id") ?? "";
    if (id.length > MAX_ID_LENGTH || !id.startsWith("cos_")) {
      throw new OnrampError(404, {
        type: "invalid_request_error",
        code: "resource_missing",
        param: "id",
        message: "No such crypto.onramp_session",
      });
    }
    return id;
  }

  app.post(`${DEMO_PATH}/sessions/:id/:action`, async function driveMockSession(c) {
    const id = sessionId(c);
    const action = c.req.param("action");
    const session = await ownedSession(c, id);
    let moved: Record<string, unknown> = session;
    switch (action) {
      case "advance":
      case "reject":
        moved = await step(id, action);
        break;
      case "duplicate":
        await step(id, "redeliver");
        break;
      case "out_of_order": {
        // Two steps, the first one's event held back and sent after the second's: the
        // webhook route must see it is older and leave the session where it is.
        if (session.status !== "initialized" && session.status !== "requires_payment") {
          throw new OnrampError(400, {
            type: "invalid_request_error",
            code: "crypto_onramp_session_unexpected_state",
            message: `An out-of-order delivery takes two more steps: this session is ` +
              `${String(session.status)}`,
          });
        }
        await step(id, "advance", { hold_delivery: "true" });
        const held = mock.events(id).at(-1)!.id;
        moved = await step(id, "advance");
        await step(id, "redeliver", { event: held });
        break;
      }
      default:
        throw new OnrampError(404, {
          type: "invalid_request_error",
          code: "resource_missing",
          message: "Unknown step: use advance, reject, duplicate or out_of_order",
        });
    }
    return c.json({ id, status: moved.status }, 200);
  });

  app.get(`${DEMO_PATH}/sessions/:id/events`, function mockSessionEvents(c) {
    const id = sessionId(c);
    const handled = journal.of(id);
    // Ids and statuses only, as `GET /onramp/sessions/{id}` shows a session id's holder.
    return c.json({
      id,
      status: handled.at(-1)?.status ?? null,
      handled,
      deliveries: mock.deliveries(id).map((d) => ({
        event_id: d.eventId,
        status: d.status,
        attempt: d.attempt,
        response_status: d.responseStatus,
        outcome: outcomeOf(d.responseBody),
      })),
    });
  });
}

/**
 * Builds the demo app on the embedded mock Stripe: the mock delivers signed webhooks to the
 * app's own `/onramp/webhooks`, and the demo routes let the page drive each session.
 *
 * @example Drive a session to the end, offline
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readServerConfig } from "./config.ts";
 * import { createMockModeApp } from "./mock_mode.ts";
 *
 * const lines: string[] = [];
 * const app = createMockModeApp(readServerConfig(() => undefined), {
 *   logLine: (line) => lines.push(line),
 * });
 * const minted = await app.request("/onramp/sessions", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: "{}",
 * }, { remoteAddr: { hostname: "203.0.113.7", port: 1, transport: "tcp" } });
 * const { id, client_secret } = await minted.json();
 * for (let step = 0; step < 3; step++) {
 *   await app.request(`/demo/sessions/${id}/advance`, {
 *     method: "POST",
 *     headers: { "onramp-client-secret": client_secret },
 *   });
 * }
 * // The mock delivers each step's event to the app's own /onramp/webhooks, a moment later.
 * let events = await (await app.request(`/demo/sessions/${id}/events`)).json();
 * while (events.deliveries.length < 3) {
 *   await new Promise((resolve) => setTimeout(resolve, 10));
 *   events = await (await app.request(`/demo/sessions/${id}/events`)).json();
 * }
 * assertEquals(events.status, "fulfillment_complete");
 * assertEquals(lines.length, 3); // one JSON line per handled event
 * ```
 *
 * @param config The settings read from the environment (its keys are not used).
 * @param options The mock's timer, and where log lines go.
 * @returns The app to serve.
 */
export function createMockModeApp(config: ServerConfig, options: MockModeOptions = {}): Hono {
  const { autoAdvanceMs, logLine } = options;
  const secret = mockWebhookSecret();
  const journal = createJournal();
  // The app delivers to itself: the mock's endpoint reaches it through a late-bound reference
  // (no delivery happens before the first request, long after both exist).
  const mock = createStripeMock({
    webhookEndpoint: {
      url: `http://localhost${ONRAMP_PATH}/webhooks`,
      secret,
      fetch: (request) => Promise.resolve(app.fetch(request)),
    },
    ...(autoAdvanceMs !== undefined && { autoAdvanceMs }),
  });
  const app = createServerApp({
    config,
    secretKey: MOCK_SECRET_KEY,
    webhookSecrets: [secret],
    mockFetch: mock.fetch,
    onWebhookEvent(session, event) {
      journal.record(session.id, {
        event_id: event.id,
        status: session.status,
        created: event.created,
      });
    },
    extend: (server) => registerDemoRoutes(server, mock, journal),
    simulatedWidget: simulatedWidget(`${ONRAMP_PATH}/webhooks`),
    ...(logLine !== undefined && { logLine }),
  });
  return app;
}
