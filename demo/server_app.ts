/**
 * The runnable server's app: the demo page at `/` and the onramp routes at `/onramp`. Every
 * runtime entry (`demo/runtimes/*.ts`) builds this same app.
 *
 * @module
 */
import { Hono } from "hono";
import { consoleLogger } from "../errors/logger.ts";
import { OnrampError, toErrorResponse } from "../errors/onramp_error.ts";
import type { RateLimitStore } from "../ratelimit/store.ts";
import { cryptoOnramp, type CryptoOnrampOptions } from "../routes/onramp_app.ts";
import type { ServerConfig } from "./config.ts";
import { renderDemoPage } from "./demo_page.ts";

/** Where the onramp routes are mounted. */
export const ONRAMP_PATH = "/onramp";

/** Options of {@linkcode createServerApp}. */
export interface ServerAppOptions {
  /** The settings read from the environment. */
  config: ServerConfig;
  /** The secret key to use: the configured one, or the mock's. */
  secretKey: string;
  /** Set when Stripe is the embedded mock: its transport. */
  mockFetch?: CryptoOnrampOptions["fetch"];
  /** Where rate-limit counters live when `RATE_LIMIT_PER_MINUTE` is set. @default {this instance's memory} */
  rateLimitStore?: RateLimitStore;
}

/**
 * Builds the server app.
 *
 * @param options Settings, key and (in mock mode) the mock's transport.
 * @returns The Hono app to serve.
 */
export function createServerApp(options: ServerAppOptions): Hono {
  const { config, secretKey, mockFetch, rateLimitStore } = options;
  const mock = mockFetch !== undefined;
  const page = renderDemoPage({
    onrampPath: ONRAMP_PATH,
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
  app.route(
    ONRAMP_PATH,
    cryptoOnramp({
      stripeSecretKey: secretKey,
      ...(config.apiBase !== undefined && { stripeApiBase: config.apiBase }),
      ...(config.apiVersion !== undefined && { stripeVersion: config.apiVersion }),
      ...(config.trustedProxies !== undefined && { trustedProxies: config.trustedProxies }),
      ...(mockFetch !== undefined && { fetch: mockFetch }),
      ...(config.rateLimitPerMinute !== undefined && {
        rateLimit: {
          limit: config.rateLimitPerMinute,
          windowMs: 60_000,
          ...(rateLimitStore !== undefined && { store: rateLimitStore }),
        },
      }),
    }),
  );
  return app;
}

/** The key a server uses with the embedded mock Stripe. */
export const MOCK_SECRET_KEY = "sk_test_embedded_mock";

/**
 * Builds the server app from its settings, on the embedded mock Stripe when no key is set,
 * and says so on the console.
 *
 * @param config The settings read from the environment.
 * @param createMockFetch Makes the mock's transport (passed in so a bundle without it is possible).
 * @returns The app to serve.
 */
export function createConfiguredApp(
  config: ServerConfig,
  createMockFetch: () => NonNullable<CryptoOnrampOptions["fetch"]>,
): Hono {
  if (config.secretKey !== undefined) {
    return createServerApp({ config, secretKey: config.secretKey });
  }
  console.warn(
    "No STRIPE_SECRET_KEY set: using the embedded mock Stripe. Sessions are simulated " +
      "(livemode: false) and no money moves.",
  );
  return createServerApp({ config, secretKey: MOCK_SECRET_KEY, mockFetch: createMockFetch() });
}
