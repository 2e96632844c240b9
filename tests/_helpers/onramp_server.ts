/**
 * A server entry for tests that must run the app in its own process (for instance under
 * `deno run --unsafe-proto`, where `__proto__` is the live accessor it is on Node, Bun and
 * workerd): the onramp routes at `/onramp` with every create field open to the browser, the
 * Stripe client pointed at `STRIPE_API_BASE`, and `GET /__object_prototype` reporting the own
 * property names of `Object.prototype`, so a test can see that nothing polluted it.
 *
 * Prints `Listening on http://…` once it listens.
 */
import { Hono } from "hono";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { DEFAULT_BROWSER_FIELDS } from "../../validation/policy.ts";

const app = new Hono();
app.get("/__object_prototype", (c) =>
  c.json({
    names: Object.getOwnPropertyNames(Object.prototype).sort(),
    prototypeOfPlainObject: Object.getPrototypeOf({}) === Object.prototype,
  }));
app.route(
  "/onramp",
  cryptoOnramp({
    stripeSecretKey: Deno.env.get("STRIPE_SECRET_KEY") ?? "sk_test_onramp_server",
    stripeApiBase: Deno.env.get("STRIPE_API_BASE") ?? "http://127.0.0.1:9",
    policy: {
      browserFields: [...DEFAULT_BROWSER_FIELDS, "lock_wallet_address", "kyc_details", "metadata"],
    },
    maxNetworkRetries: 0,
  }),
);
Deno.serve({
  port: 0,
  hostname: "127.0.0.1",
  onListen: ({ hostname, port }) => console.log(`Listening on http://${hostname}:${port}`),
}, app.fetch);
