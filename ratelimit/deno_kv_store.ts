/**
 * A rate limit store on Deno KV, so every instance of a Deno Deploy app (or every process
 * opening one KV database) enforces one limit. Import it from the `./deno-kv` entry point: it
 * uses `Deno.*` and stays out of the Workers path.
 *
 * Deno KV is still unstable: run with `--unstable-kv`, or list `"kv"` under `"unstable"` in
 * `deno.json`.
 *
 * @module
 */
import { commitWithRetry, LOST_RACE } from "../stores/_deno_kv_commit.ts";
import { windowEndMs } from "./_window.ts";
import type { RateLimitHit, RateLimitStore } from "./store.ts";

/** Options of {@linkcode createDenoKvStore}. */
export interface DenoKvStoreOptions {
  /**
   * The first parts of every key the store writes. Give each limiter sharing a database its
   * own prefix, or their counters mix.
   *
   * @default {["onramp_rate_limit"]}
   */
  prefix?: readonly string[];
}

interface Waiter {
  resolve(hit: RateLimitHit): void;
  reject(error: unknown): void;
}

interface Queue {
  kvKey: Deno.KvKey;
  resetAtMs: number;
  expireIn: number;
  waiting: Waiter[];
}

/**
 * Creates a {@linkcode RateLimitStore} on Deno KV: one entry per key and window, kept until a
 * window after its own ends (for instances whose clocks lag), then expired by KV.
 *
 * Counting is exact across instances: each increment is a compare-and-set on the entry's
 * `versionstamp` (`kv.atomic().check(entry).set(…)`), retried when another instance wrote
 * first. Within one instance, hits of one key that arrive while its write is in flight are
 * counted together by the next write, so a burst from one address costs a few writes and
 * does not fight itself.
 *
 * @example Share one limit between all instances of a Deno Deploy app
 * ```ts
 * import { Hono } from "hono";
 * import { cryptoOnramp } from "../mod.ts";
 * import { createDenoKvStore } from "../stores/deno_kv.ts";
 *
 * const kv = await Deno.openKv(":memory:"); // on Deno Deploy: `await Deno.openKv()`
 * const app = new Hono();
 * app.route(
 *   "/onramp",
 *   cryptoOnramp({
 *     stripeSecretKey: "sk_test_123",
 *     rateLimit: { limit: 20, windowMs: 60_000, store: createDenoKvStore(kv) },
 *   }),
 * );
 * kv.close();
 * ```
 *
 * @param kv An open database, e.g. from `Deno.openKv()`.
 * @param options The key prefix.
 * @returns The store.
 */
export function createDenoKvStore(kv: Deno.Kv, options: DenoKvStoreOptions = {}): RateLimitStore {
  const { prefix = ["onramp_rate_limit"] } = options;
  const queues = new Map<string, Queue>();

  // Adds n to the entry with a compare-and-set; returns the first of the n counts.
  function add(queue: Queue, n: number): Promise<number> {
    return commitWithRetry("count the request", async () => {
      const entry = await kv.get<number>(queue.kvKey);
      const before = typeof entry.value === "number" ? entry.value : 0;
      const result = await kv.atomic()
        .check(entry)
        .set(queue.kvKey, before + n, { expireIn: queue.expireIn })
        .commit();
      return result.ok ? before + 1 : LOST_RACE;
    });
  }

  // One write in flight per key and window; whoever arrives meanwhile joins the next write.
  async function drain(id: string, queue: Queue): Promise<void> {
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0);
      try {
        const first = await add(queue, batch.length);
        batch.forEach((waiter, i) =>
          waiter.resolve({ count: first + i, resetAtMs: queue.resetAtMs })
        );
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    queues.delete(id);
  }

  return {
    hit(key, windowMs, nowMs) {
      const resetAtMs = windowEndMs(windowMs, nowMs);
      // resetAtMs is all digits, so the id cannot be confused across keys.
      const id = `${resetAtMs}:${key}`;
      return new Promise<RateLimitHit>((resolve, reject) => {
        const queued = queues.get(id);
        if (queued !== undefined) {
          queued.waiting.push({ resolve, reject });
          return;
        }
        const queue: Queue = {
          kvKey: [...prefix, key, resetAtMs],
          resetAtMs,
          expireIn: resetAtMs - nowMs + windowMs,
          waiting: [{ resolve, reject }],
        };
        queues.set(id, queue);
        void drain(id, queue);
      });
    },
  };
}
