/**
 * A Worker for the Durable Object store's tests, bundled with esbuild and run in workerd by
 * Miniflare: it exports {@linkcode RateLimiterDurableObject} and answers
 * - `GET /hit?key=…&windowMs=…&nowMs=…` with the store's `hit` (the store alone), and
 * - `/onramp/*` with `cryptoOnramp` limited to `env.LIMIT` requests a day per address, on the
 *   embedded mock Stripe.
 */
import { Hono } from "hono";
import { cryptoOnramp } from "../../mod.ts";
import {
  createDurableObjectStore,
  type DurableObjectNamespaceLike,
} from "../../stores/durable_object.ts";
import { createStripeMock } from "../../mock/stripe_mock.ts";

export { RateLimiterDurableObject } from "../../stores/durable_object.ts";

interface Env {
  RATE_LIMITER: DurableObjectNamespaceLike;
  LIMIT: string;
  SHARDS?: string;
}

const DAY_MS = 86_400_000;

// Built on the first request: Workers forbid randomness in global scope.
let app: Hono | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const store = createDurableObjectStore(
      env.RATE_LIMITER,
      env.SHARDS === undefined ? {} : { shards: Number(env.SHARDS) },
    );
    const url = new URL(request.url);
    if (url.pathname === "/hit") {
      const param = (name: string) => url.searchParams.get(name) ?? "";
      const hit = await store.hit(param("key"), Number(param("windowMs")), Number(param("nowMs")));
      return Response.json(hit);
    }
    app ??= new Hono().route(
      "/onramp",
      cryptoOnramp({
        stripeSecretKey: "sk_test_rate_limit",
        rateLimit: { limit: Number(env.LIMIT), windowMs: DAY_MS, store },
        fetch: createStripeMock().fetch,
        logger: () => {},
      }),
    );
    return app.fetch(request, env);
  },
};
