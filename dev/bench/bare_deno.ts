/**
 * The bare passthrough served by `Deno.serve`: the floor of the Deno figures.
 *
 * Usage: `deno run --allow-net --allow-env dev/bench/bare_deno.ts` with STRIPE_SECRET_KEY,
 * STRIPE_API_BASE, PORT (0 picks one) and HOSTNAME. Prints its URL once listening.
 *
 * @module
 */
import { barePassthrough, type BarePassthroughOptions } from "./bare_passthrough.ts";

const options: BarePassthroughOptions = {
  url: new URL("/v1/crypto/onramp_sessions", Deno.env.get("STRIPE_API_BASE")).href,
  authorization: `Bearer ${Deno.env.get("STRIPE_SECRET_KEY")}`,
};

Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 0),
  hostname: Deno.env.get("HOSTNAME") ?? "127.0.0.1",
  onListen: ({ hostname, port }) => console.log(`Bare passthrough on http://${hostname}:${port}/`),
}, (request, info) => barePassthrough(request, info.remoteAddr.hostname, options));
