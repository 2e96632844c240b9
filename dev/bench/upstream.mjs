/**
 * A stand-in for Stripe that answers every `POST /v1/crypto/onramp_sessions` at once with
 * the same valid session, so a proxy in front of it is measured, not Stripe. It runs in its
 * own Node process: sharing the proxy's event loop would bill its work to the proxy.
 *
 * It also counts what it received (`GET /__stats`), so the harness can prove each target
 * really forwarded a form body with the key and a customer IP.
 *
 * Usage: `SESSION_JSON='{…}' node dev/bench/upstream.mjs` (PORT, HOSTNAME; default 0 and
 * 127.0.0.1). Prints its URL. The harness starts it with `UPSTREAM_SERVER` from `_fixtures.ts`.
 */
import { createServer } from "node:http";
import process from "node:process";

// The session to answer with comes from the harness (dev/bench/_fixtures.ts), the one copy.
if (!process.env.SESSION_JSON) {
  throw new TypeError(
    "Cannot start the bench upstream as 'SESSION_JSON' is not set: start it via dev/bench/_fixtures.ts UPSTREAM_SERVER",
  );
}
const SESSION_BYTES = Buffer.from(process.env.SESSION_JSON);
const SESSION_HEADERS = {
  "content-type": "application/json",
  "content-length": String(SESSION_BYTES.byteLength),
  "request-id": "req_bench",
};

const stats = {
  sessions: 0,
  withCustomerIp: 0,
  withBearer: 0,
  chunked: 0,
  connections: 0,
  lastBody: "",
};

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/__stats") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
    return;
  }
  if (req.method !== "POST" || req.url !== "/v1/crypto/onramp_sessions") {
    res.writeHead(404, { "content-type": "application/json" })
      .end('{"error":{"type":"invalid_request_error","message":"Unrecognized request URL"}}');
    return;
  }
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    stats.sessions++;
    if (body.includes("customer_ip_address=")) stats.withCustomerIp++;
    if (req.headers.authorization === "Bearer sk_test_bench") stats.withBearer++;
    // A streamed body (no Content-Length) costs the sender more than one sized write.
    if (req.headers["transfer-encoding"] === "chunked") stats.chunked++;
    stats.lastBody = body;
    res.writeHead(200, SESSION_HEADERS).end(SESSION_BYTES);
  });
});
// A proxy that opened a connection per request would pay for it in CPU on both ends: the
// harness reports how many each target opened.
server.on("connection", () => stats.connections++);
// Never the one to close an idle connection between the harness's rounds (each target waits
// about a minute for its next run); a client's own pool may still drop them, which the report's
// "upstream connections opened" column shows.
server.keepAliveTimeout = 15 * 60_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOSTNAME ?? "127.0.0.1", () => {
  const { address, port } = server.address();
  console.log(`Upstream on http://${address}:${port}/`);
});
