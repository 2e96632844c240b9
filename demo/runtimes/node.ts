/**
 * The Node.js entry (`@hono/node-server`), bundled by `deno task bundle:node` and run with
 * `node dist/node.mjs`. Same settings as the Deno entry, from `process.env`; Stripe is called
 * through `createNodeFetch()` (`transports/node.ts`).
 *
 * @module
 */
import { serve } from "@hono/node-server";
import process from "node:process";
import { createNodeFetch } from "../../transports/node.ts";
import { readServerConfig } from "../config.ts";
import { createConfiguredApp, ONRAMP_PATH } from "../server_app.ts";
import { assertStripeReachable } from "../startup_checks.ts";

const config = readServerConfig((name) => process.env[name]);
await assertStripeReachable(config).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
// The mock is imported only without a key, so a real deployment never runs its code. Stripe is
// reached over undici's pool of keep-alive connections: Node's own fetch costs several times
// the CPU of the rest of a request.
const app = await createConfiguredApp(config, () => import("../mock_mode.ts"), {
  fetch: createNodeFetch(),
});

serve({
  fetch: app.fetch,
  port: Number(process.env.PORT ?? 8000),
  hostname: process.env.HOSTNAME ?? "0.0.0.0",
}, ({ address, port }) => {
  console.log(`Onramp server on http://${address}:${port}/ (API ${ONRAMP_PATH})`);
});
