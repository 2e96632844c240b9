/**
 * Webhook verification against Stripe's official Node library, like with like: our
 * `createSignatureVerifier().verify()` plus the JSON parse of the event, against
 * `stripe.webhooks.constructEventAsync()`, which verifies and parses too. Both get the same
 * signed deliveries (a `crypto.onramp_session_updated` event, signed now), as the raw bytes a
 * route reads; each must accept every one.
 *
 * Run: `deno bench dev/bench/webhook_bench.ts` (`deno task bench` runs it and reports the
 * ratio of events per second).
 *
 * @module
 */
import Stripe from "stripe";
import { createSignatureVerifier } from "../../webhooks/signature.ts";
import { eventBody } from "../../tests/_helpers/webhook_events.ts";

const SECRET = "whsec_bench_endpoint_secret";
const stripe = new Stripe("sk_test_bench");
const verifier = createSignatureVerifier([SECRET], 300);
const decoder = new TextDecoder();
const encoder = new TextEncoder();

// A handful of distinct deliveries, so neither side can profit from a repeated input.
const nowS = Math.floor(Date.now() / 1000);
const deliveries = await Promise.all(
  Array.from({ length: 8 }, async (_, index) => {
    const body = eventBody({ id: `evt_bench_${index}`, sessionId: `cos_bench_${index}` });
    const header = await stripe.webhooks.generateTestHeaderStringAsync({
      payload: body,
      secret: SECRET,
      timestamp: nowS,
    });
    return { bytes: encoder.encode(body), header };
  }),
);
let next = 0;
const delivery = () => deliveries[next++ % deliveries.length]!;
const ITERATIONS = { warmup: 500, n: 5_000 };

Deno.bench({
  name: "stripe-node constructEventAsync()",
  group: "verify and parse one delivery",
  baseline: true,
  ...ITERATIONS,
  async fn() {
    const { bytes, header } = delivery();
    const event = await stripe.webhooks.constructEventAsync(bytes as never, header, SECRET);
    if (event.object !== "event") throw new Error("stripe-node did not return the event");
  },
});

Deno.bench({
  name: "ours: verify() + JSON.parse",
  group: "verify and parse one delivery",
  ...ITERATIONS,
  async fn() {
    const { bytes, header } = delivery();
    const result = await verifier.verify(bytes, header, Date.now());
    if (!result.ok) throw new Error(`Refused: ${result.message}`);
    const event = JSON.parse(decoder.decode(bytes));
    if (event.object !== "event") throw new Error("not an event");
  },
});
