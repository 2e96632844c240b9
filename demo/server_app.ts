/**
 * The runnable server's app: the demo page at `/` and the onramp routes at `/onramp`, Stripe's
 * webhook events included. Every runtime entry (`demo/runtimes/*.ts`) builds this same app.
 *
 * @module
 */
import { Hono } from "hono";
import { consoleLogger } from "../errors/logger.ts";
import { OnrampError, toErrorResponse } from "../errors/onramp_error.ts";
import type { RateLimitStore } from "../ratelimit/store.ts";
import { cryptoOnramp, type CryptoOnrampOptions } from "../routes/onramp_app.ts";
import type { OnSessionUpdated } from "../routes/webhooks.ts";
import type { WebhookEventStore } from "../webhooks/event_store.ts";
import type { ServerConfig } from "./config.ts";
import { renderDemoPage, type SimulatedWidget } from "./demo_page.ts";

/** Where the onramp routes are mounted. */
export const ONRAMP_PATH = "/onramp";

/** Where mock mode's demo routes live (see `demo/mock_mode.ts`). */
export const DEMO_PATH = "/demo";

/** Options of {@linkcode createServerApp}. */
export interface ServerAppOptions {
  /** The settings read from the environment. */
  config: ServerConfig;
  /** The secret key to use: the configured one, or the mock's. */
  secretKey: string;
  /** The webhook endpoint's `whsec_…` secrets: `STRIPE_WEBHOOK_SECRET`, or the mock's. */
  webhookSecrets: readonly string[];
  /** Where handled webhook events are remembered. @default {this instance's memory} */
  webhookStore?: WebhookEventStore;
  /** Set when Stripe is the embedded mock: its transport. */
  mockFetch?: CryptoOnrampOptions["fetch"];
  /** How the server reaches the real Stripe (the runtime's fastest transport). @default {globalThis.fetch} */
  fetch?: CryptoOnrampOptions["fetch"];
  /** Where rate-limit counters live when `RATE_LIMIT_PER_MINUTE` is set. @default {this instance's memory} */
  rateLimitStore?: RateLimitStore;
  /** Also told of each handled event, after its log line (mock mode's journal). */
  onWebhookEvent?: OnSessionUpdated;
  /** Adds routes of its own before the onramp routes (mock mode's demo routes). */
  extend?: (app: Hono) => void;
  /** Mock mode's simulated widget, shown on the page after a mint. */
  simulatedWidget?: SimulatedWidget;
  /** Where each handled event's log line goes. @default {console.log} */
  logLine?: (line: string) => void;
}

/**
 * The log line of one handled event: one JSON object with `event_id`, `session_id` and the
 * session's `status`, and nothing of the body (it holds the customer's wallets and the session's
 * `client_secret`).
 *
 * @param eventId The event's id.
 * @param sessionId The session's id.
 * @param status The session's status in the event.
 * @returns The line, without a line break.
 */
export function webhookLogLine(eventId: string, sessionId: string, status: string): string {
  return JSON.stringify({
    level: "info",
    message: "Webhook event handled",
    event_id: eventId,
    session_id: sessionId,
    status,
  });
}

/**
 * Builds the server app.
 *
 * @param options Settings, keys, stores and (in mock mode) the mock's transport and routes.
 * @returns The Hono app to serve.
 * @throws {TypeError} When an option of `cryptoOnramp` is invalid (a webhook secret that is not
 * `whsec_…`, for one).
 */
export function createServerApp(options: ServerAppOptions): Hono {
  const {
    config,
    secretKey,
    webhookSecrets,
    webhookStore,
    mockFetch,
    fetch,
    rateLimitStore,
    onWebhookEvent,
    extend,
    simulatedWidget,
    logLine = console.log,
  } = options;
  const mock = mockFetch !== undefined;
  const page = renderDemoPage({
    onrampPath: ONRAMP_PATH,
    demoPath: mock ? DEMO_PATH : undefined,
    simulatedWidget,
    publishableKey: mock ? undefined : config.publishableKey,
    mock,
  });
  const app = new Hono();
  app.get("/", (c) => c.html(page));
  // Outside the onramp routes too, every refusal is in Stripe's shape: an odd request target
  // (or a Host that Deno glues into the URL, such as `Host: x/y`) lands here.
  app.notFound(function unknownRoute(c) {
    throw new OnrampError(404, {
      type: "invalid_request_error",
      code: "resource_missing",
      message: `Unrecognized request URL (${c.req.method}: ${c.req.path.slice(0, 200)})`,
    });
  });
  app.onError(toErrorResponse(consoleLogger));
  extend?.(app);
  app.route(
    ONRAMP_PATH,
    cryptoOnramp({
      stripeSecretKey: secretKey,
      ...(config.apiBase !== undefined && { stripeApiBase: config.apiBase }),
      ...(config.apiVersion !== undefined && { stripeVersion: config.apiVersion }),
      ...(config.trustedProxies !== undefined && { trustedProxies: config.trustedProxies }),
      ...(mockFetch !== undefined ? { fetch: mockFetch } : fetch !== undefined && { fetch }),
      ...(config.rateLimitPerMinute !== undefined && {
        rateLimit: {
          limit: config.rateLimitPerMinute,
          windowMs: 60_000,
          ...(rateLimitStore !== undefined && { store: rateLimitStore }),
        },
      }),
      webhooks: {
        secret: webhookSecrets,
        ...(webhookStore !== undefined && { store: webhookStore }),
        async onSessionUpdated(session, event, c) {
          logLine(webhookLogLine(event.id, session.id, session.status));
          await onWebhookEvent?.(session, event, c);
        },
      },
    }),
  );
  return app;
}

/** The key a server uses with the embedded mock Stripe. */
export const MOCK_SECRET_KEY = "sk_test_embedded_mock";

/** What `demo/mock_mode.ts` exports: loaded only when no key is set. */
export interface MockModeModule {
  /** Builds the app on the embedded mock (see `demo/mock_mode.ts`). */
  createMockModeApp(config: ServerConfig): Hono;
}

/**
 * Builds the server app from its settings: on Stripe with `STRIPE_SECRET_KEY` (and
 * `STRIPE_WEBHOOK_SECRET`), else on the embedded mock Stripe, saying so on the console. The
 * mock's code is loaded only then, so a real deployment never runs it.
 *
 * @param config The settings read from the environment.
 * @param loadMockMode Imports `demo/mock_mode.ts` (`() => import("./mock_mode.ts")`); called
 * only without a key.
 * @param [options={}] How to reach the real Stripe.
 * @param [options.fetch=globalThis.fetch] The runtime's transport (`createNodeFetch()` on Node).
 * @returns The app to serve.
 * @throws {TypeError} When a secret key is set without webhook secrets (which
 * `readServerConfig` already refuses).
 */
export async function createConfiguredApp(
  config: ServerConfig,
  loadMockMode: () => Promise<MockModeModule>,
  options: { fetch?: CryptoOnrampOptions["fetch"] } = {},
): Promise<Hono> {
  if (config.secretKey !== undefined) {
    if (config.webhookSecrets === undefined) {
      throw new TypeError(
        "Cannot start the onramp server as 'STRIPE_WEBHOOK_SECRET' must be set with STRIPE_SECRET_KEY",
      );
    }
    return createServerApp({
      config,
      secretKey: config.secretKey,
      webhookSecrets: config.webhookSecrets,
      ...(options.fetch !== undefined && { fetch: options.fetch }),
    });
  }
  console.warn(
    "No STRIPE_SECRET_KEY set: using the embedded mock Stripe. Sessions are simulated " +
      "(livemode: false), no money moves, and the mock delivers its signed webhooks to this " +
      `server's ${ONRAMP_PATH}/webhooks.`,
  );
  const { createMockModeApp } = await loadMockMode();
  return createMockModeApp(config);
}
