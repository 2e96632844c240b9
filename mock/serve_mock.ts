/**
 * Serves a {@linkcode StripeMock} over real HTTP with `Deno.serve`, for tests that need a
 * socket between the client and "Stripe". Kept apart from `stripe_mock.ts` so that a Workers
 * bundle can import the mock without any `Deno.*`.
 *
 * @module
 */
import { DroppedConnectionError, type StripeMock } from "./stripe_mock.ts";

/** Options of {@linkcode serveStripeMock}. */
export interface ServeStripeMockOptions {
  /** The port; 0 picks a free one. @default {0} */
  port?: number;
  /** The address to listen on. @default {"127.0.0.1"} */
  hostname?: string;
  /** Aborting it shuts the server down. */
  signal?: AbortSignal;
}

/** A running mock server. */
export interface ServedStripeMock {
  /** The base URL to give the client, e.g. `http://127.0.0.1:53211`. */
  url: string;
  /** Settles once the server has shut down. */
  finished: Promise<void>;
}

// A "drop" over HTTP: the headers promise one byte of body, then the stream ends. The server
// cuts the connection and the client's body read fails, as on a connection reset mid-answer.
// (An erroring body stream does the same but makes Deno log the error on every drop.)
function truncatedResponse(): Response {
  const body = new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
  return new Response(body, {
    headers: { "Content-Type": "application/json", "Content-Length": "1", Connection: "close" },
  });
}

/**
 * Serves `mock` over HTTP. Every answer carries `Connection: close`: Deno's `fetch` silently
 * repeats a request once when a reused keep-alive connection turns out dead, which would
 * corrupt attempt counts. A `drop` fault reaches the client as a network error.
 *
 * @example Serve the mock and call it
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { serveStripeMock } from "./serve_mock.ts";
 * import { createStripeMock } from "./stripe_mock.ts";
 *
 * const stop = new AbortController();
 * const server = serveStripeMock(createStripeMock(), { signal: stop.signal });
 * const res = await fetch(`${server.url}/v1/crypto/onramp_sessions`, {
 *   headers: { Authorization: "Bearer sk_test_123" },
 * });
 * assertEquals((await res.json()).object, "list");
 * stop.abort();
 * await server.finished;
 * ```
 *
 * @param mock The mock to serve.
 * @param options Port, address and shutdown signal.
 * @returns The base URL and a promise of the shutdown.
 */
export function serveStripeMock(
  mock: StripeMock,
  options: ServeStripeMockOptions = {},
): ServedStripeMock {
  const { port = 0, hostname = "127.0.0.1", signal } = options;
  const server = Deno.serve(
    { port, hostname, onListen: () => {}, ...(signal && { signal }) },
    async function stripeMockHandler(request) {
      let response: Response;
      try {
        response = await mock.fetch(request);
      } catch (error) {
        if (error instanceof DroppedConnectionError) return truncatedResponse();
        throw error; // a bug in the mock: Deno answers 500 and logs it
      }
      const headers = new Headers(response.headers);
      headers.set("Connection", "close");
      return new Response(response.body, { status: response.status, headers });
    },
  );
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return { url: `http://${host}:${server.addr.port}`, finished: server.finished };
}
