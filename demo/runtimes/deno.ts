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
import { STRIPE_API_BASE } from "../../client/create_client.ts";
import { readServerConfig, type ServerConfig } from "../config.ts";
import { DENO_FETCH_SETTINGS, pooledTransport } from "../pooled_transport.ts";
import { createConfiguredApp, ONRAMP_PATH } from "../server_app.ts";
import { assertStripeReachable } from "../startup_checks.ts";

// A permission Deno was not given is named now, with the flag that grants it: read as unset,
// a refused STRIPE_SECRET_KEY would start the server on the mock without a word.
function fail(message: string): never {
  console.error(message);
  Deno.exit(1);
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      fail(`Cannot start the onramp server as it may not read ${name}: run it with --allow-env`);
    }
    throw error;
  }
}

function assertMayReachStripe(config: ServerConfig): void {
  if (config.secretKey === undefined) return; // the mock runs in-process
  const host = new URL(config.apiBase ?? STRIPE_API_BASE).host;
  if (Deno.permissions.querySync({ name: "net", host }).state !== "granted") {
    fail(
      `Cannot start the onramp server as it may not connect to ${host}: run it with ` +
        `--allow-net (or --allow-net=${host} besides the address it listens on)`,
    );
  }
}

let config: ServerConfig;
try {
  config = readServerConfig(env);
  assertMayReachStripe(config);
  await assertStripeReachable(config);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
// The mock is imported only without a key, so a real deployment never loads its code. Stripe
// is reached through Deno's fetch, then through undici's pool once it has loaded, which starts
// after the first answer (`demo/pooled_transport.ts`); not when Deno is set to reach it through
// a proxy or with certificates of its own, which undici would ignore. The mock needs neither.
const pooled = config.secretKey !== undefined &&
  !DENO_FETCH_SETTINGS.some((name) => (env(name) ?? "") !== "");
const transport = pooledTransport();
const app = await createConfiguredApp(
  config,
  () => import("../mock_mode.ts"),
  pooled ? { fetch: transport.fetch } : {},
);
const serve = !pooled ? app.fetch : async (request: Request, info: Deno.ServeHandlerInfo) => {
  const response = await app.fetch(request, info);
  transport.loadSoon();
  return response;
};

Deno.serve({
  port: Number(env("PORT") ?? 8000),
  hostname: env("HOSTNAME") ?? "0.0.0.0",
  onListen({ hostname, port }) {
    const host = hostname === "0.0.0.0" ? "localhost" : hostname;
    console.log(
      `Onramp server on http://${host}:${port}/ (API ${ONRAMP_PATH}, docs ${ONRAMP_PATH}/docs)`,
    );
  },
}, serve);
