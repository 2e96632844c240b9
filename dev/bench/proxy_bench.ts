/**
 * In-process cost of one `POST /sessions`, with no sockets: the bare passthrough as a
 * function (JSON → form → injected fetch → response) against `cryptoOnramp()` through
 * `app.request()`, both on an upstream that answers at once. The difference is the
 * middleware's own work per request.
 *
 * Run: `deno bench dev/bench/proxy_bench.ts` (`deno task bench` runs it too and reports the ratio).
 *
 * @module
 */
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { barePassthrough, type BarePassthroughOptions } from "./bare_passthrough.ts";
import { CUSTOMER_IP, instantUpstream, SECRET_KEY, sessionRequest } from "./_fixtures.ts";

const UPSTREAM = "http://127.0.0.1:1/v1/crypto/onramp_sessions";
const bareOptions: BarePassthroughOptions = {
  url: UPSTREAM,
  authorization: `Bearer ${SECRET_KEY}`,
  fetch: instantUpstream,
};
const app = cryptoOnramp({
  stripeSecretKey: SECRET_KEY,
  stripeApiBase: "http://127.0.0.1:1",
  fetch: instantUpstream,
});
// Fixed counts rather than Deno's adaptive default: the means then include the same share of
// garbage collection run after run, and settle within a few percent.
const ITERATIONS = { warmup: 1_000, n: 10_000 };
// What Deno.serve hands Hono as env; the middleware reads the peer address from it.
const connInfo = { remoteAddr: { hostname: CUSTOMER_IP, port: 1, transport: "tcp" as const } };

async function expectSession(response: Response): Promise<void> {
  const body = await response.text();
  if (response.status !== 200 || !body.includes('"client_secret"')) {
    throw new Error(`Expected a session: got HTTP ${response.status} ${body.slice(0, 200)}`);
  }
}

Deno.bench({
  name: "bare passthrough (JSON → form → fetch → response)",
  group: "POST /sessions in-process",
  baseline: true,
  ...ITERATIONS,
  async fn() {
    await expectSession(
      await barePassthrough(sessionRequest("http://localhost/sessions"), CUSTOMER_IP, bareOptions),
    );
  },
});

Deno.bench({
  name: "cryptoOnramp() app.request()",
  group: "POST /sessions in-process",
  ...ITERATIONS,
  async fn() {
    await expectSession(
      await app.request(sessionRequest("http://localhost/sessions"), {}, connInfo),
    );
  },
});
