/**
 * The Cloudflare Workers entry (module worker; see `wrangler.toml`). Settings come from the
 * Worker's `env` (`wrangler secret put STRIPE_SECRET_KEY`); the customer IP from
 * `CF-Connecting-IP`, which only Cloudflare sets here. With `RATE_LIMIT_PER_MINUTE` set and the
 * `RATE_LIMITER` Durable Object bound, every instance enforces one per-IP limit.
 *
 * @module
 */
import type { Hono } from "hono";
import {
  createDurableObjectStore,
  type DurableObjectNamespaceLike,
  RateLimiterDurableObject,
} from "../../stores/durable_object.ts";
import { readServerConfig } from "../config.ts";
import { createServerApp } from "../server_app.ts";

/** The Worker's variables, secrets and the optional rate-limiter binding. */
export interface WorkerEnv {
  [name: string]: unknown;
  /** A Durable Object namespace bound to {@linkcode RateLimiterDurableObject} (see wrangler.toml). */
  RATE_LIMITER?: DurableObjectNamespaceLike;
}

// Exported so wrangler.toml can bind it: one limit across every instance and location.
export { RateLimiterDurableObject };

// Built on the first request, then kept for the isolate's life: Workers forbid random and
// timers in global scope, and settings are only known once `env` arrives.
let app: Hono | undefined;

export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Response | Promise<Response> {
    if (app === undefined) {
      const config = readServerConfig((name) => {
        const value = env[name];
        return typeof value === "string" ? value : undefined;
      });
      if (config.secretKey === undefined) {
        return Response.json({
          error: {
            type: "api_error",
            message: "The onramp server is not configured: set the STRIPE_SECRET_KEY secret",
          },
        }, { status: 503 });
      }
      app = createServerApp({
        config,
        secretKey: config.secretKey,
        ...(env.RATE_LIMITER && { rateLimitStore: createDurableObjectStore(env.RATE_LIMITER) }),
      });
    }
    return app.fetch(request, env as Record<string, unknown>, ctx as ExecutionContextLike);
  },
};

type ExecutionContextLike = Parameters<Hono["fetch"]>[2];
