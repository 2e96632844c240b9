/**
 * The stores on Cloudflare Durable Objects, so that every Worker instance, in every location,
 * shares them: {@linkcode createDurableObjectStore} counts the rate limit's requests in
 * {@linkcode RateLimiterDurableObject}s, and {@linkcode createDurableObjectEventStore}
 * remembers the webhook events handled in {@linkcode WebhookEventsDurableObject}s. Each key
 * (an address, a session) lives in one object, which applies its operations one at a time.
 * The `DurableObject*Like` types are the few members of Cloudflare's API the stores use; the
 * runtime's bindings fit them.
 *
 * Export the classes from the Worker's entry module and bind them in `wrangler.toml`:
 *
 * ```toml
 * [[durable_objects.bindings]]
 * name = "RATE_LIMITER"
 * class_name = "RateLimiterDurableObject"
 *
 * [[durable_objects.bindings]]
 * name = "WEBHOOK_EVENTS"
 * class_name = "WebhookEventsDurableObject"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["RateLimiterDurableObject", "WebhookEventsDurableObject"]
 * ```
 *
 * ```ts
 * import { Hono } from "hono";
 * import { cryptoOnramp } from "../mod.ts";
 * import {
 *   createDurableObjectEventStore,
 *   createDurableObjectStore,
 *   type DurableObjectNamespaceLike,
 * } from "./durable_object.ts";
 *
 * export { RateLimiterDurableObject, WebhookEventsDurableObject } from "./durable_object.ts";
 *
 * interface Env {
 *   STRIPE_SECRET_KEY: string;
 *   STRIPE_WEBHOOK_SECRET: string;
 *   RATE_LIMITER: DurableObjectNamespaceLike;
 *   WEBHOOK_EVENTS: DurableObjectNamespaceLike;
 * }
 *
 * let app: Hono | undefined; // built on the first request: Workers forbid it in global scope
 * const worker = {
 *   fetch(request: Request, env: Env): Response | Promise<Response> {
 *     app ??= new Hono().route(
 *       "/onramp",
 *       cryptoOnramp({
 *         stripeSecretKey: env.STRIPE_SECRET_KEY,
 *         rateLimit: {
 *           limit: 20,
 *           windowMs: 60_000,
 *           store: createDurableObjectStore(env.RATE_LIMITER),
 *         },
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
 *
 * @module
 */
export {
  createDurableObjectStore,
  type DurableObjectStoreOptions,
  RateLimiterDurableObject,
} from "../ratelimit/durable_object_store.ts";
export {
  createDurableObjectEventStore,
  WebhookEventsDurableObject,
} from "../webhooks/durable_object_event_store.ts";
export type {
  DurableObjectNamespaceLike,
  DurableObjectStateLike,
  DurableObjectStorageLike,
  DurableObjectStubLike,
} from "./durable_object_like.ts";
