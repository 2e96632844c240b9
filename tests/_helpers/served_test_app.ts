/**
 * Serves a platform app with the onramp sub-app at `/onramp` over real HTTP (`Deno.serve` on
 * loopback), talking to a recording fake Stripe, with a logger that keeps every entry. Tests
 * that concern HTTP go through it, so what they see is what a browser would see.
 */
import type { LogEntry } from "../../errors/logger.ts";
import { type FakeUpstream, fakeUpstream, sessionJson } from "./fake_upstream.ts";
import { type TestAppOptions, testPlatform } from "./onramp_app.ts";

/** A served test app; `await using` stops the server. */
export interface ServedApp extends AsyncDisposable {
  /** Where the onramp routes are, e.g. `http://127.0.0.1:41234/onramp`. */
  url: string;
  /** Sends a request to `url + path` over the network. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  upstream: FakeUpstream;
  logs: LogEntry[];
}

/**
 * Serves `cryptoOnramp(options)` under `/onramp` on an ephemeral loopback port, with no real
 * backoff between retries.
 *
 * @param options Options beside the key; `upstream` replaces the default fake Stripe.
 */
export function serveTestApp(options: TestAppOptions = {}): ServedApp {
  const { platform, upstream, logs } = testPlatform({
    upstream: fakeUpstream(Response.json(sessionJson())),
    ...options,
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request, info) => platform.fetch(request, info),
  );
  const url = `http://127.0.0.1:${server.addr.port}/onramp`;
  return {
    url,
    upstream,
    logs,
    fetch: (path, init) => fetch(url + path, init),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
