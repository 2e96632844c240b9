/**
 * Reads the address of the connection's other end (the peer) on whichever runtime is serving
 * the request, without importing any runtime's modules: each server hands Hono its own
 * connection details as `c.env`, and we read them from there.
 *
 * The peer is only the nearest hop. Pass it to `resolveForwardedFor` (in `forwarded_for.ts`) to
 * account for trusted proxies.
 *
 * @module
 */
import type { Context } from "hono";
import { getRuntimeKey, type Runtime } from "hono/adapter";

/**
 * Returns the peer address of the request in `c` as the current runtime reports it. See
 * {@linkcode peerAddressFor} for where each runtime keeps it.
 *
 * @example Read the peer inside a handler
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { runtimePeerAddress } from "./runtime_peer.ts";
 *
 * const app = new Hono();
 * app.get("/", (c) => c.text(runtimePeerAddress(c) ?? "unknown"));
 * // Deno.serve passes its ServeHandlerInfo as env; app.request lets a test do the same.
 * const res = await app.request("/", {}, {
 *   remoteAddr: { transport: "tcp", hostname: "203.0.113.7", port: 51234 },
 * });
 * assertEquals(await res.text(), "203.0.113.7");
 * ```
 *
 * @param c The request's context.
 * @returns The raw peer address (not normalised), or `undefined` when the runtime does not
 * report one.
 */
export function runtimePeerAddress(c: Context): string | undefined {
  return peerAddressFor(currentRuntime(), c);
}

// The runtime cannot change under a running isolate: asked once, on the first request (never at
// module load, where a Worker's globals may not be final), instead of on every request.
let runtime: Runtime | undefined;
function currentRuntime(): Runtime {
  return runtime ??= getRuntimeKey();
}

/**
 * Returns the address of the socket's other end, the hop that may be a proxy of ours: as
 * {@linkcode runtimePeerAddress}, but `undefined` on Cloudflare Workers, where no socket is
 * visible and `CF-Connecting-IP` names the customer as Cloudflare's edge saw them, never a
 * proxy that could vouch for a forwarded scheme or host.
 *
 * @param c The request's context.
 * @returns The raw socket peer address, or `undefined` when there is none to trust.
 */
export function socketPeerAddress(c: Context): string | undefined {
  const here = currentRuntime();
  return here === "workerd" ? undefined : peerAddressFor(here, c);
}

/**
 * Returns the peer address of the request in `c` as runtime `runtime` would report it.
 * {@linkcode runtimePeerAddress} calls it with the current runtime; tests call it with any.
 *
 * | runtime     | source                                                           |
 * | ----------- | ---------------------------------------------------------------- |
 * | `"workerd"` | the `CF-Connecting-IP` header, which Cloudflare's edge sets      |
 * | `"deno"`    | `c.env.remoteAddr.hostname` (the info `Deno.serve` passes)       |
 * | `"node"`    | `c.env.incoming.socket.remoteAddress` (from `@hono/node-server`) |
 * | `"bun"`     | `c.env.requestIP(c.req.raw).address` (the Bun server)            |
 * | other       | nothing: `undefined`                                             |
 *
 * `CF-Connecting-IP` is read on workerd only: Cloudflare overwrites it there, but anywhere
 * else it is an ordinary header that any client can set.
 *
 * @example The header counts on Workers only
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { peerAddressFor } from "./runtime_peer.ts";
 *
 * const app = new Hono();
 * app.get("/", (c) => c.json([peerAddressFor("workerd", c), peerAddressFor("node", c) ?? null]));
 * const res = await app.request("/", { headers: { "CF-Connecting-IP": "203.0.113.7" } });
 * assertEquals(await res.json(), ["203.0.113.7", null]);
 * ```
 *
 * @param runtime The runtime to read for, as `getRuntimeKey()` from `hono/adapter` names it.
 * @param c The request's context.
 * @returns The raw peer address (not normalised), or `undefined` when there is none.
 */
export function peerAddressFor(runtime: Runtime, c: Context): string | undefined {
  // env is whatever the server passed to fetch: nothing at all under app.request(), a
  // bindings object on Workers. Every step below checks before it reads.
  const env: unknown = c.env;
  switch (runtime) {
    case "workerd":
      return c.req.header("CF-Connecting-IP");
    case "deno":
      return stringOrUndefined(property(property(env, "remoteAddr"), "hostname"));
    case "node":
      return stringOrUndefined(
        property(property(property(env, "incoming"), "socket"), "remoteAddress"),
      );
    case "bun":
      return bunPeerAddress(env, c.req.raw);
    default:
      return undefined;
  }
}

function bunPeerAddress(server: unknown, request: Request): string | undefined {
  const requestIP = property(server, "requestIP");
  if (typeof requestIP !== "function") return undefined;
  // requestIP is a method of Bun's Server; called detached it would lose its `this`.
  const info: unknown = requestIP.call(server, request);
  return stringOrUndefined(property(info, "address"));
}

function property(value: unknown, key: string): unknown {
  const readable = (typeof value === "object" && value !== null) || typeof value === "function";
  return readable ? (value as Record<string, unknown>)[key] : undefined;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
