/**
 * The Bun entry: `npx -y bun@1 demo/runtimes/bun.ts`. Same settings as the Deno entry; the customer
 * IP comes from Bun's `server.requestIP()`.
 *
 * @module
 */
import process from "node:process";
import { readServerConfig } from "../config.ts";
import { createConfiguredApp, ONRAMP_PATH } from "../server_app.ts";
import { assertStripeReachable } from "../startup_checks.ts";

/** The part of Bun's global this entry uses (Deno type-checks this file without Bun's types). */
declare const Bun: {
  serve(options: {
    port: number;
    hostname: string;
    fetch(request: Request, server: unknown): Response | Promise<Response>;
  }): { hostname: string; port: number };
};

const config = readServerConfig((name) => process.env[name]);
await assertStripeReachable(config).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
// The mock is imported only without a key, so a real deployment never runs its code.
const app = await createConfiguredApp(config, () => import("../mock_mode.ts"));

// The server is passed as Hono's env, where `runtimePeerAddress` finds `requestIP`.
const server = Bun.serve({
  port: Number(process.env.PORT ?? 8000),
  hostname: process.env.HOSTNAME ?? "0.0.0.0",
  fetch: (request, bunServer) => app.fetch(request, bunServer),
});
console.log(`Onramp server on http://${server.hostname}:${server.port}/ (API ${ONRAMP_PATH})`);
