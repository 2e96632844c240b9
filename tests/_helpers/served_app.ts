/**
 * Serves a Hono app (or any fetch handler) with the real `Deno.serve` on a free loopback port,
 * so a test goes through Deno's HTTP server, its URL building and its peer address.
 */

/** A running server. */
export interface ServedApp {
  /** The base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Where to connect a raw socket. */
  target: { hostname: string; port: number };
  /** Shuts the server down. */
  close(): Promise<void>;
}

/**
 * Serves `handler` until `close()`.
 *
 * @param handler What `Deno.serve` calls: an app's `fetch`, which gets the connection info as
 * its env.
 * @param hostname The address to listen on.
 */
export function serveApp(
  handler: (
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ) => Response | Promise<Response>,
  hostname = "127.0.0.1",
): ServedApp {
  const server = Deno.serve({ port: 0, hostname, onListen: () => {} }, handler);
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${server.addr.port}`,
    target: { hostname, port: server.addr.port },
    close: () => server.shutdown(),
  };
}
