/**
 * The Cloudflare Workers entry (module worker; see `wrangler.toml`). Settings come from the
 * Worker's `env` (`wrangler secret put STRIPE_SECRET_KEY`, `… STRIPE_WEBHOOK_SECRET`); the
 * customer IP from `CF-Connecting-IP`, which only Cloudflare sets here. Stripe's webhook events
 * are deduplicated across every instance by the `WEBHOOK_EVENTS` Durable Object; with
 * `RATE_LIMIT_PER_MINUTE` set and the `RATE_LIMITER` Durable Object bound, every instance
 * enforces one per-IP limit. The embedded mock is never part of this bundle: the Worker needs a
 * key.
 *
 * @module
 */
import type { Hono } from "hono";
import {
  createDurableObjectEventStore,
  createDurableObjectStore,
  type DurableObjectNamespaceLike,
  RateLimiterDurableObject,
  WebhookEventsDurableObject,
} from "../../stores/durable_object.ts";
import { readServerConfig } from "../config.ts";
import { createServerApp } from "../server_app.ts";

/** The Worker's variables, secrets and Durable Object bindings. */
export interface WorkerEnv {
  [name: string]: unknown;
  /** A Durable Object namespace bound to {@linkcode RateLimiterDurableObject} (see wrangler.toml). */
  RATE_LIMITER?: DurableObjectNamespaceLike;
  /** A Durable Object namespace bound to {@linkcode WebhookEventsDurableObject} (see wrangler.toml). */
  WEBHOOK_EVENTS?: DurableObjectNamespaceLike;
}

// Exported so wrangler.toml can bind them: one limit, and one record of handled webhook events,
// across every instance and location.
export { RateLimiterDurableObject, WebhookEventsDurableObject };

function notConfigured(message: string): Response {
  return Response.json({
    error: { type: "api_error", message: `The onramp server is not configured: ${message}` },
  }, { status: 503 });
}

// Built on the first request, then kept for the isolate's life: Workers forbid random and
// timers in global scope, and settings are only known once `env` arrives.
let app: Hono | undefined;

export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Response | Promise<Response> {
    if (app === undefined) {
      let config;
      try {
        config = readServerConfig((name) => {
          const value = env[name];
          return typeof value === "string" ? value : undefined;
        });
      } catch (error) {
        // readServerConfig's messages name the variable, never its value.
        return notConfigured(error instanceof Error ? error.message : String(error));
      }
      if (config.secretKey === undefined || config.webhookSecrets === undefined) {
        return notConfigured("set the STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET secrets");
      }
      // Without the shared store, each instance would deduplicate alone, and a redelivery that
      // lands on another one would run the handler twice.
      if (env.WEBHOOK_EVENTS === undefined) {
        return notConfigured(
          "bind the WEBHOOK_EVENTS Durable Object to WebhookEventsDurableObject (see demo/wrangler.toml)",
        );
      }
      app = createServerApp({
        config,
        secretKey: config.secretKey,
        webhookSecrets: config.webhookSecrets,
        webhookStore: createDurableObjectEventStore(env.WEBHOOK_EVENTS),
        ...(env.RATE_LIMITER && { rateLimitStore: createDurableObjectStore(env.RATE_LIMITER) }),
      });
    }
    return app.fetch(request, env as Record<string, unknown>, ctx as ExecutionContextLike);
  },
};

type ExecutionContextLike = Parameters<Hono["fetch"]>[2];
