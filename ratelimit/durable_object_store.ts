/**
 * A rate limit store on Cloudflare Durable Objects, so every Worker instance, in every
 * location, enforces one limit: {@linkcode RateLimiterDurableObject} keeps the counters and
 * {@linkcode createDurableObjectStore} sends it each hit.
 *
 * Import it from the `./durable-object` entry point, which also exports the
 * `DurableObject*Like` types of its parameters.
 *
 * @module
 */
import { assertPositiveInteger } from "../errors/option_checks.ts";
import type {
  DurableObjectNamespaceLike,
  DurableObjectStateLike,
} from "../stores/durable_object_like.ts";
import { windowEndMs } from "./_window.ts";
import type { RateLimitHit, RateLimitStore } from "./store.ts";

/** Options of {@linkcode createDurableObjectStore}. */
export interface DurableObjectStoreOptions {
  /**
   * Spread the keys over this many objects (by a hash of the key) instead of giving each key
   * its own. Fewer objects, each busier; every key still lives in exactly one object, so
   * counts stay exact.
   *
   * @default {one object per key}
   */
  shards?: number;
}

interface StoredWindow {
  count: number;
  resetAtMs: number;
}

interface HitRequest {
  key: string;
  windowMs: number;
  nowMs: number;
}

// The object sees only its own requests, so any URL does; this one says what it is for.
const HIT_URL = "https://rate-limiter.internal/hit";

/**
 * A Durable Object that counts fixed-window hits: the Cloudflare side of
 * {@linkcode createDurableObjectStore}. Export it from the Worker's entry module and bind it
 * in `wrangler.toml`:
 *
 * ```toml
 * [[durable_objects.bindings]]
 * name = "RATE_LIMITER"
 * class_name = "RateLimiterDurableObject"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["RateLimiterDurableObject"]
 * ```
 *
 * Each hit is a read and a write of the key's window in the object's storage, run inside
 * `blockConcurrencyWhile`, so hits that race are applied one after the other and each gets
 * its own count. An alarm deletes the windows that have ended, so storage holds only the keys
 * seen in the current windows.
 *
 * @example The Worker's entry module
 * ```ts
 * import { Hono } from "hono";
 * import { cryptoOnramp } from "../mod.ts";
 * import {
 *   createDurableObjectStore,
 *   type DurableObjectNamespaceLike,
 * } from "../stores/durable_object.ts";
 *
 * export { RateLimiterDurableObject } from "../stores/durable_object.ts";
 *
 * interface Env {
 *   STRIPE_SECRET_KEY: string;
 *   RATE_LIMITER: DurableObjectNamespaceLike;
 * }
 *
 * let app: Hono | undefined;
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
 *       }),
 *     );
 *     return app.fetch(request, env);
 *   },
 * };
 * export default worker;
 * ```
 */
export class RateLimiterDurableObject {
  readonly #state: DurableObjectStateLike;

  /**
   * Called by the Workers runtime.
   *
   * @param state The object's state and storage.
   * @param _env The Worker's bindings (unused).
   */
  constructor(state: DurableObjectStateLike, _env?: unknown) {
    this.#state = state;
  }

  /**
   * Counts one hit: a `POST` whose JSON body is `{ key, windowMs, nowMs }`.
   *
   * @param request The hit, from {@linkcode createDurableObjectStore}.
   * @returns `{ count, resetAtMs }` as JSON, or a 400 when the body is not a hit.
   */
  async fetch(request: Request): Promise<Response> {
    const hit = parseHitRequest(await request.json().catch(() => undefined));
    if (hit === undefined) {
      return Response.json(
        { error: "Send a POST with a JSON body of { key, windowMs, nowMs }" },
        { status: 400 },
      );
    }
    return Response.json(await this.#state.blockConcurrencyWhile(() => this.#count(hit)));
  }

  /**
   * Deletes the windows that have ended; called by the runtime at the alarm's time.
   *
   * @returns When the cleanup is done.
   */
  alarm(): Promise<void> {
    return this.#state.blockConcurrencyWhile(async () => {
      const { storage } = this.#state;
      const nowMs = Date.now();
      const ended: string[] = [];
      let nextAlarmMs = Infinity;
      for (const [key, window] of await storage.list<StoredWindow>()) {
        if (window.resetAtMs <= nowMs) ended.push(key);
        else nextAlarmMs = Math.min(nextAlarmMs, window.resetAtMs);
      }
      // The storage API deletes at most 128 keys per call.
      for (let i = 0; i < ended.length; i += 128) await storage.delete(ended.slice(i, i + 128));
      if (nextAlarmMs !== Infinity) await storage.setAlarm(nextAlarmMs);
    });
  }

  async #count({ key, windowMs, nowMs }: HitRequest): Promise<RateLimitHit> {
    const { storage } = this.#state;
    const current = await storage.get<StoredWindow>(key);
    // A caller whose clock lags may still be in the previous window: it counts in this one.
    const next: StoredWindow = current !== undefined && nowMs < current.resetAtMs
      ? { count: current.count + 1, resetAtMs: current.resetAtMs }
      : { count: 1, resetAtMs: windowEndMs(windowMs, nowMs) };
    await storage.put(key, next);
    if (await storage.getAlarm() === null) await storage.setAlarm(next.resetAtMs);
    return next;
  }
}

/**
 * Creates a {@linkcode RateLimitStore} that counts in {@linkcode RateLimiterDurableObject}s:
 * each key's hits go to one object (`namespace.idFromName(key)`), which applies them one at a
 * time, so the count is exact however many Worker instances send them. An object lives near
 * whoever first used it, which for one customer's address is usually near that customer.
 *
 * A failed call to the object rejects; the limiter then follows its `onStoreError` option.
 *
 * @example Count in the `RATE_LIMITER` binding, spread over 64 objects
 * ```ts
 * import {
 *   createDurableObjectStore,
 *   type DurableObjectNamespaceLike,
 * } from "../stores/durable_object.ts";
 *
 * function storeFor(env: { RATE_LIMITER: DurableObjectNamespaceLike }) {
 *   return createDurableObjectStore(env.RATE_LIMITER, { shards: 64 });
 * }
 * ```
 *
 * @param namespace The Durable Object binding of {@linkcode RateLimiterDurableObject}.
 * @param options How to spread keys over objects.
 * @returns The store.
 * @throws {RangeError} When `shards` is not a positive integer.
 */
export function createDurableObjectStore<Id>(
  namespace: DurableObjectNamespaceLike<Id>,
  options: DurableObjectStoreOptions = {},
): RateLimitStore {
  const { shards } = options;
  if (shards !== undefined) {
    assertPositiveInteger("Durable Object rate limit store", "shards", shards);
  }
  return {
    async hit(key, windowMs, nowMs) {
      const name = shards === undefined ? `key:${key}` : `shard:${fnv1a(key) % shards}`;
      const stub = namespace.get(namespace.idFromName(name));
      const res = await stub.fetch(
        new Request(HIT_URL, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ key, windowMs, nowMs } satisfies HitRequest),
        }),
      );
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`The rate limiter Durable Object answered HTTP ${res.status}`);
      }
      const hit: unknown = await res.json();
      if (!isHit(hit)) throw new Error("The rate limiter Durable Object answered without a count");
      return { count: hit.count, resetAtMs: hit.resetAtMs };
    },
  };
}

function parseHitRequest(body: unknown): HitRequest | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { key, windowMs, nowMs } = body as Record<string, unknown>;
  const valid = typeof key === "string" &&
    typeof windowMs === "number" && Number.isSafeInteger(windowMs) && windowMs > 0 &&
    typeof nowMs === "number" && Number.isFinite(nowMs);
  return valid ? { key, windowMs, nowMs } : undefined;
}

function isHit(value: unknown): value is RateLimitHit {
  if (typeof value !== "object" || value === null) return false;
  const { count, resetAtMs } = value as Record<string, unknown>;
  return typeof count === "number" && typeof resetAtMs === "number";
}

// 32-bit FNV-1a over UTF-16 code units: stable across instances, spreads similar keys.
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
