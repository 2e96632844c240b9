/**
 * The status quo this project replaces: an Express server that creates onramp sessions with
 * Stripe's official Node library. It does the same job as the middleware's `POST /sessions`
 * in the usual way: parse the JSON body, add `req.ip` as `customer_ip_address`, call
 * `POST /v1/crypto/onramp_sessions` with `stripe.rawRequest`, and answer the session fields
 * the browser needs. No validation beyond what Express and Stripe do themselves, as in most
 * hand-written proxies.
 *
 * Usage: `node dev/bench/express_stripe.mjs` with STRIPE_SECRET_KEY, STRIPE_API_BASE (the local
 * upstream), PORT (0 picks one) and HOSTNAME. Prints its URL once listening.
 */
import express from "express";
import process from "node:process";
import Stripe from "stripe";

const upstream = new URL(process.env.STRIPE_API_BASE ?? "https://api.stripe.com");
const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? "", {
  // Point the library at the local upstream; everything else keeps its defaults (retries,
  // keep-alive agent, telemetry), as a typical integration would.
  host: upstream.hostname,
  port: Number(upstream.port || (upstream.protocol === "https:" ? 443 : 80)),
  protocol: upstream.protocol === "https:" ? "https" : "http",
});

const app = express();
app.use(express.json({ limit: "32kb" }));

app.post("/onramp/sessions", async function createSession(req, res) {
  try {
    const params = { ...req.body, customer_ip_address: req.ip };
    const session = await stripe.rawRequest("POST", "/v1/crypto/onramp_sessions", params);
    res.json({
      id: session.id,
      client_secret: session.client_secret,
      status: session.status,
      livemode: session.livemode,
      redirect_url: session.redirect_url ?? null,
      transaction_details: session.transaction_details,
    });
  } catch (error) {
    const status = Number.isInteger(error?.statusCode) ? error.statusCode : 500;
    res.status(status).json({
      error: { type: error?.type ?? "api_error", message: error?.message ?? "Internal error" },
    });
  }
});

const server = app.listen(
  Number(process.env.PORT ?? 0),
  process.env.HOSTNAME ?? "127.0.0.1",
  () => {
    const { address, port } = server.address();
    console.log(`Express + stripe on http://${address}:${port}/`);
  },
);
