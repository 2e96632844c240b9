/**
 * Signed webhook deliveries for tests, signed by Stripe's official Node library.
 */
import Stripe from "stripe";
import { sessionJson } from "./fake_upstream.ts";

/** The endpoint secret the tests configure. */
export const WEBHOOK_SECRET = "whsec_test_endpoint_secret_0123456789";

const stripe = new Stripe("sk_test_signer");

/** What an event is about. */
export interface EventSpec {
  id?: string;
  type?: string;
  sessionId?: string;
  status?: string;
  created?: number;
}

/** A `crypto.onramp_session_updated` event body, as Stripe sends it. */
export function eventBody(spec: EventSpec = {}): string {
  const {
    id = "evt_test_1",
    type = "crypto.onramp_session_updated",
    sessionId = "cos_test_123",
    status = "fulfillment_complete",
    created = 1_764_000_000,
  } = spec;
  return JSON.stringify({
    id,
    object: "event",
    api_version: "2026-07-29.dahlia",
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object: sessionJson({ id: sessionId, status }) },
  });
}

/**
 * A delivery of `body`, signed at `timestampS` with `secret`, as `RequestInit`.
 *
 * @param body The raw body.
 * @param options Secret and signing time.
 */
export async function signedDelivery(
  body: string,
  options: { secret?: string; timestampS?: number } = {},
): Promise<RequestInit> {
  const { secret = WEBHOOK_SECRET, timestampS = 1_764_000_000 } = options;
  const header = await stripe.webhooks.generateTestHeaderStringAsync({
    payload: body,
    secret,
    timestamp: timestampS,
  });
  return {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": header },
    body,
  };
}
