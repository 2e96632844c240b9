/**
 * Stripe's transport for the Deno entry: Deno's own `fetch` at first, then undici's pool of
 * keep-alive connections (`transports/node.ts`) once it has loaded. Through Deno's Node layer
 * the pool serves about 1.5 times the requests per second of Deno's `fetch`, but loading
 * undici (CommonJS) takes about 150 ms of CPU, which no answer should wait for: the server
 * starts loading it only after its first answer has gone out. Should it fail to load (a
 * runtime without Node's sockets), Deno's `fetch` stays, and the server says so once.
 *
 * @module
 */
import { PARTS_EXCHANGE, partsExchangeOf } from "../client/_transport.ts";
import type { NodeFetch } from "../transports/node.ts";

/** The transport {@linkcode pooledTransport} makes. */
export interface PooledTransport {
  /** For the `fetch` option: Deno's `fetch` until the pool is loaded, the pool after. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Starts loading the pool on a later turn of the event loop; only the first call does. */
  loadSoon(): void;
}

/**
 * Makes the switching transport.
 *
 * @example Deno's fetch until `loadSoon()` has loaded the pool
 * ```ts
 * import { pooledTransport } from "./pooled_transport.ts";
 *
 * const transport = pooledTransport();
 * const answer = await transport.fetch(new Request("data:,ok"));
 * console.log(await answer.text()); // "ok"
 * ```
 *
 * @param [load] Loads the pool: `createNodeFetch()` from `transports/node.ts`.
 * @param [warn=console.warn] Where a failed load is reported.
 * @returns The transport.
 */
export function pooledTransport(
  load: () => Promise<NodeFetch> = async () =>
    (await import("../transports/node.ts")).createNodeFetch(),
  warn: (message: string) => void = console.warn,
): PooledTransport {
  let pooled: NodeFetch | undefined;
  let started = false;
  const fetch = (request: Request) =>
    pooled === undefined ? globalThis.fetch(request) : pooled(request);
  // The client looks for a parts exchange on each attempt: the pool's, once it is there.
  Object.defineProperty(fetch, PARTS_EXCHANGE, { get: () => partsExchangeOf(pooled) });
  return {
    fetch,
    loadSoon() {
      if (started) return;
      started = true;
      setTimeout(() => {
        load().then(
          (loaded) => pooled = loaded,
          (error) =>
            warn(
              `Stripe is reached through Deno's fetch: the pooled transport did not load (${
                error instanceof Error ? error.message : String(error)
              })`,
            ),
        );
      }, 0);
    },
  };
}
