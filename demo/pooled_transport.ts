/**
 * Stripe's transport for the Deno entry: Deno's own `fetch` at first, then undici's pool of
 * keep-alive connections (`transports/node.ts`) once it has loaded and reached Stripe. Through
 * Deno's Node layer the pool serves about 1.5 times the requests per second of Deno's `fetch`,
 * but loading undici (CommonJS) takes about 150 ms of CPU: the server starts loading it only
 * after its first answer has gone out, so that answer never waits for it (requests in flight
 * while it loads do, once).
 *
 * The pool is used only where it reaches Stripe as Deno's `fetch` does. The Deno entry does not
 * load it when a proxy or extra certificates are configured for Deno (`HTTPS_PROXY`,
 * `DENO_CERT`, …: {@linkcode DENO_FETCH_SETTINGS}), which undici would ignore. And until one
 * call through it has been answered, a call through it that gets no answer gives the pool up:
 * that attempt fails as any unreachable attempt does, the client's retry goes through Deno's
 * `fetch` (with the same `Idempotency-Key`), and it stays there. Should the pool fail to load
 * or to answer, the server says why, once.
 *
 * @module
 */
import { PARTS_EXCHANGE, type PartsExchange, partsExchangeOf } from "../client/_transport.ts";
import type { NodeFetch } from "../transports/node.ts";

/** The transport {@linkcode pooledTransport} makes. */
export interface PooledTransport {
  /** For the `fetch` option: Deno's `fetch` until the pool is ready, the pool after. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Starts loading the pool on a later turn of the event loop; only the first call does. */
  loadSoon(): void;
}

/** Options of {@linkcode pooledTransport}. */
export interface PooledTransportOptions {
  /** Loads the pool. @default {createNodeFetch() from transports/node.ts} */
  load?: () => Promise<NodeFetch>;
  /** Where a pool that is not used is reported. @default {console.warn} */
  warn?: (message: string) => void;
}

/**
 * The variables that make Deno's `fetch` reach Stripe another way than undici would: a proxy,
 * or certificates of its own.
 */
export const DENO_FETCH_SETTINGS: readonly string[] = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "ALL_PROXY",
  "all_proxy",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
];

/**
 * Makes the switching transport.
 *
 * @example Deno's fetch until `loadSoon()` has made the pool ready
 * ```ts
 * import { pooledTransport } from "./pooled_transport.ts";
 *
 * const transport = pooledTransport();
 * const answer = await transport.fetch(new Request("data:,ok"));
 * console.log(await answer.text()); // "ok"
 * ```
 *
 * @param [options={}] How to load the pool, and where to report.
 * @returns The transport.
 */
export function pooledTransport(options: PooledTransportOptions = {}): PooledTransport {
  const {
    load = async () => (await import("../transports/node.ts")).createNodeFetch(),
    warn = console.warn,
  } = options;
  let pooled: NodeFetch | undefined;
  let trusted = false;
  let started = false;
  const giveUp = (why: unknown) => {
    try {
      warn(
        `Stripe is reached through Deno's fetch: the pooled transport is not used (${
          why instanceof Error ? why.message : String(why)
        })`,
      );
    } catch {
      // A logger that throws changes nothing here.
    }
  };
  // Until one call through the pool is answered, a call that gets no answer gives it up.
  const onTrial = <T>(answer: Promise<T>): Promise<T> => {
    if (trusted) return answer;
    answer.then(() => trusted = true, (error) => {
      if (trusted || pooled === undefined) return;
      const pool = pooled;
      pooled = undefined;
      pool.close().catch(() => {});
      giveUp(new Error("its first call got no answer", { cause: error }));
    });
    return answer;
  };
  const fetch = (request: Request) =>
    pooled === undefined ? globalThis.fetch(request) : onTrial(pooled(request));
  // The client looks for a parts exchange on each attempt: the pool's, once it is there.
  Object.defineProperty(fetch, PARTS_EXCHANGE, {
    get(): PartsExchange | undefined {
      const exchange = partsExchangeOf(pooled);
      if (exchange === undefined || trusted) return exchange;
      return (outbound, maxResponseBytes) => {
        const pending = exchange(outbound, maxResponseBytes);
        return { answer: onTrial(pending.answer), cancel: () => pending.cancel() };
      };
    },
  });
  return {
    fetch,
    loadSoon() {
      if (started) return;
      started = true;
      setTimeout(() => {
        Promise.resolve().then(load).then((loaded) => pooled = loaded, giveUp);
      }, 0);
    },
  };
}
