/**
 * The Deno and Deno Deploy entry: `deno task start`. Serves the demo page at `/` and the onramp
 * routes at `/onramp`; with no `STRIPE_SECRET_KEY` it runs on the embedded mock Stripe.
 *
 * Environment: `STRIPE_SECRET_KEY`, `STRIPE_API_BASE`, `STRIPE_API_VERSION`,
 * `STRIPE_PUBLISHABLE_KEY`, `TRUSTED_PROXIES`, `PORT` (default 8000), `HOSTNAME`.
 *
 * @module
 */
import { readServerConfig } from "../config.ts";
import { createConfiguredApp, ONRAMP_PATH } from "../server_app.ts";

const config = readServerConfig((name) => Deno.env.get(name));
// Loaded only without a key, so a real deployment never runs the mock's code.
const mockFetch = config.secretKey === undefined
  ? (await import("../../mock/stripe_mock.ts")).createStripeMock().fetch
  : undefined;
const app = createConfiguredApp(config, () => mockFetch!);

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
