/**
 * openapi-fetch's `createClient()`, called without reading the `process` global.
 *
 * `createClient()` reads `process` once, to decide whether its `requestInitExt` option (extra
 * options for undici) applies. This package never passes that option, so the answer changes
 * nothing. But Deno defines `process` as a getter that loads its Node compatibility layer on
 * first read, which took 15 to 28 ms here: more than the rest of what the Deno entry adds to a
 * bare `Deno.serve` before its first answer. So, for that one synchronous call, the global
 * object's own `process` property is shadowed by `undefined`, and its descriptor (getter and
 * all) is put back before any other code can run.
 *
 * @module
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";

/**
 * Makes an openapi-fetch client with `createClient(options)`, without reading `process`.
 * Internal: `client/create_client.ts` is its one caller.
 *
 * @example
 * ```ts
 * import { createTypedClient } from "./_openapi_client.ts";
 * import type { paths } from "../generated/stripe_onramp.ts";
 *
 * const api = createTypedClient<paths>({ baseUrl: "https://api.stripe.com" });
 * console.log(typeof api.POST); // "function"
 * ```
 *
 * @param options openapi-fetch's client options, without `requestInitExt`.
 * @returns The client.
 */
export function createTypedClient<Paths extends object>(
  options: Omit<ClientOptions, "requestInitExt">,
): Client<Paths> {
  const own = Object.getOwnPropertyDescriptor(globalThis, "process");
  if (own === undefined || !own.configurable) return createClient<Paths>(options);
  try {
    Object.defineProperty(globalThis, "process", { value: undefined, configurable: true });
  } catch {
    return createClient<Paths>(options); // a global object that refuses: read it, then
  }
  try {
    return createClient<Paths>(options);
  } finally {
    Object.defineProperty(globalThis, "process", own);
  }
}
