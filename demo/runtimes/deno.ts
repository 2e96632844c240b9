/**
 * The Deno and Deno Deploy entry: `deno task start`. Serves the demo page at `/` and the onramp
 * routes at `/onramp`; with no `STRIPE_SECRET_KEY` it runs on the embedded mock Stripe, which
 * delivers its signed webhooks to this server's own `/onramp/webhooks`.
 *
 * Environment: `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET` (required with a key),
 * `STRIPE_API_BASE`, `STRIPE_API_VERSION`, `STRIPE_PUBLISHABLE_KEY`, `TRUSTED_PROXIES`,
 * `RATE_LIMIT_PER_MINUTE`, `PORT` (default 8000), `HOSTNAME`.
 *
 * @module
 */
import { readServerConfig } from "../config.ts";
import { createConfiguredApp, ONRAMP_PATH } from "../server_app.ts";

const config = readServerConfig((name) => Deno.env.get(name));
// The mock is imported only without a key, so a real deployment never loads its code.
const app = await createConfiguredApp(config, () => import("../mock_mode.ts"));

Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 8000),
  hostname: Deno.env.get("HOSTNAME") ?? "0.0.0.0",
  onListen({ hostname, port }) {
    const host = hostname === "0.0.0.0" ? "localhost" : hostname;
    console.log(
      `Onramp server on http://${host}:${port}/ (API ${ONRAMP_PATH}, docs ${ONRAMP_PATH}/docs)`,
    );
  },
}, app.fetch);
