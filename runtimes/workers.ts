/**
 * The Cloudflare Workers entry (module worker; see `wrangler.toml`). Settings come from the
 * Worker's `env` (`wrangler secret put STRIPE_SECRET_KEY`); the customer IP from
 * `CF-Connecting-IP`, which only Cloudflare sets here.
 *
 * @module
 */
import type { Hono } from "hono";
import { readServerConfig } from "../server/config.ts";
import { createServerApp } from "../server/server_app.ts";

/** The Worker's variables and secrets. */
export type WorkerEnv = Record<string, string | undefined>;

// Built on the first request, then kept for the isolate's life: Workers forbid random and
// timers in global scope, and settings are only known once `env` arrives.
let app: Hono | undefined;

export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Response | Promise<Response> {
    if (app === undefined) {
      const config = readServerConfig((name) => env[name]);
      if (config.secretKey === undefined) {
        return Response.json({
          error: {
            type: "api_error",
            message: "The onramp server is not configured: set the STRIPE_SECRET_KEY secret",
          },
        }, { status: 503 });
      }
      app = createServerApp({ config, secretKey: config.secretKey });
    }
    return app.fetch(request, env, ctx as ExecutionContextLike);
  },
};

type ExecutionContextLike = Parameters<Hono["fetch"]>[2];
