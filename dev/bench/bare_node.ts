/**
 * The bare passthrough on Node's own `node:http` server and `fetch`: the floor of the Node
 * figures, without the adapter from Node's request objects to web ones that
 * `@hono/node-server` adds. The harness bundles it to a temporary `.mjs` and runs it with node.
 *
 * Environment: STRIPE_SECRET_KEY, STRIPE_API_BASE, PORT (0 picks one), HOSTNAME. Prints its
 * URL once listening.
 *
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { toFormBody } from "./bare_passthrough.ts";

const url = new URL("/v1/crypto/onramp_sessions", process.env.STRIPE_API_BASE).href;
const authorization = `Bearer ${process.env.STRIPE_SECRET_KEY}`;

const server = createServer((req, res) => {
  let text = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => (text += chunk));
  req.on("end", async () => {
    try {
      const params = JSON.parse(text);
      if (req.socket.remoteAddress) params.customer_ip_address = req.socket.remoteAddress;
      const answer = await fetch(url, {
        method: "POST",
        headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
        body: toFormBody(params),
      });
      const body = new Uint8Array(await answer.arrayBuffer());
      res.writeHead(answer.status, { "content-type": "application/json" }).end(body);
    } catch {
      res.writeHead(500, { "content-type": "application/json" }).end('{"error":{}}');
    }
  });
});
server.listen(Number(process.env.PORT ?? 0), process.env.HOSTNAME ?? "127.0.0.1", () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`Bare passthrough on http://${address}:${port}/`);
});
