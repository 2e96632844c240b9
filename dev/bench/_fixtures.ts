/**
 * What every benchmark sends and what the instant upstream answers, shared by the load runs
 * and the in-process benches so both measure the same request.
 *
 * @module
 */
import { sessionJson } from "../../tests/_helpers/fake_upstream.ts";
import type { ServerSpec } from "./_process.ts";

/** The browser's request body of every run. */
export const REQUEST_BODY =
  '{"source_amount":"100","destination_networks":["ethereum"],"destination_currency":"eth"}';

/** The customer address sent as `CF-Connecting-IP` (read only by the workerd targets). */
export const CUSTOMER_IP = "203.0.113.7";

/** The test key every target is configured with; the upstream counts requests that carry it. */
export const SECRET_KEY = "sk_test_bench";

/** The webhook endpoint secret the servers under test are given (they refuse to start without one). */
export const WEBHOOK_SECRET = "whsec_bench_endpoint_secret";

/** Where the routes are mounted on every target. */
export const SESSIONS_PATH = "/onramp/sessions";

/** A valid `crypto.onramp_session`, as `dev/bench/upstream.mjs` answers it. */
export const SESSION_JSON: string = JSON.stringify(
  sessionJson({ id: "cos_bench_123", client_secret: "cos_bench_123_secret_abc" }),
);

/**
 * A `fetch` that answers at once with {@linkcode SESSION_JSON}, after reading the request
 * body as a real transport would.
 *
 * @param request The upstream request.
 * @returns The session.
 */
export async function instantUpstream(request: Request): Promise<Response> {
  await request.arrayBuffer();
  return new Response(SESSION_JSON, {
    status: 200,
    headers: { "content-type": "application/json", "request-id": "req_bench" },
  });
}

const REQUEST_BYTES = String(new TextEncoder().encode(REQUEST_BODY).byteLength);

/**
 * A fresh browser request to `url`, as the load generator sends it: with `Content-Length`,
 * which a `Request` built in memory lacks and a server-side one has (Hono's `bodyLimit`
 * takes a much slower, counting path without it).
 *
 * @param url The route's URL.
 * @returns The request.
 */
export function sessionRequest(url: string): Request {
  return new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": REQUEST_BYTES },
    body: REQUEST_BODY,
  });
}

/**
 * How to start `dev/bench/upstream.mjs`, the instant upstream, in its own Node process. It answers
 * with {@linkcode SESSION_JSON}, handed over in the environment so there is one copy of it.
 */
export const UPSTREAM_SERVER: ServerSpec = {
  command: "node",
  args: [new URL("upstream.mjs", import.meta.url).pathname],
  env: { PORT: "0", HOSTNAME: "127.0.0.1", SESSION_JSON },
};
