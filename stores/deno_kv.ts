/**
 * The stores on Deno KV, so that every instance of a Deno Deploy app (or every process opening
 * one KV database) shares them: {@linkcode createDenoKvStore} counts the rate limit's requests
 * and {@linkcode createDenoKvEventStore} remembers the webhook events handled. Both are exact
 * across instances: each write is a compare-and-set on what was read, retried when another
 * instance wrote first. This entry uses `Deno.*` and stays out of the Workers path.
 *
 * Deno KV is still unstable: run with `--unstable-kv`, or list `"kv"` under `"unstable"` in
 * `deno.json`.
 *
 * ```ts
 * import { Hono } from "hono";
 * import { cryptoOnramp } from "../mod.ts";
 * import { createDenoKvEventStore, createDenoKvStore } from "./deno_kv.ts";
 *
 * const kv = await Deno.openKv(":memory:"); // on Deno Deploy: `await Deno.openKv()`
 * const app = new Hono();
 * app.route(
 *   "/onramp",
 *   cryptoOnramp({
 *     stripeSecretKey: "sk_test_123",
 *     rateLimit: { limit: 20, windowMs: 60_000, store: createDenoKvStore(kv) },
 *     webhooks: {
 *       secret: "whsec_test_123",
 *       onSessionUpdated: (session) => console.log(session.id, session.status),
 *       store: createDenoKvEventStore(kv),
 *     },
 *   }),
 * );
 * kv.close();
 * ```
 *
 * @module
 */
export { createDenoKvStore, type DenoKvStoreOptions } from "../ratelimit/deno_kv_store.ts";
export {
  createDenoKvEventStore,
  type DenoKvEventStoreOptions,
} from "../webhooks/deno_kv_event_store.ts";
