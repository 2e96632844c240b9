/**
 * Reads a verified webhook body as the event `openapi.yaml` describes
 * (`CryptoOnrampSessionUpdatedEvent`), checking the members the receiver relies on. Only a body
 * whose signature has been verified is ever parsed.
 *
 * @module
 */
import type { components } from "../generated/stripe_onramp.ts";
import type { CryptoOnrampSession } from "../client/types.ts";

/**
 * The event, as generated from `openapi.yaml`.
 *
 * @internal
 */
type GeneratedEvent = components["schemas"]["CryptoOnrampSessionUpdatedEvent"];

/**
 * A `crypto.onramp_session_updated` event: Stripe's event object whose `data.object` is the
 * session as it is now. `type` and `data.object.status` stay open strings: Stripe adds values.
 */
export type OnrampSessionUpdatedEvent = GeneratedEvent;

/**
 * The event types that carry a session's new status: Stripe's guides name
 * `crypto.onramp_session_updated`, and public code also uses `crypto.onramp_session.updated`.
 */
export const SESSION_UPDATED_TYPES: readonly string[] = [
  "crypto.onramp_session_updated",
  "crypto.onramp_session.updated",
];

/** What a verified body turned out to be. */
export type ReadEvent =
  | { readonly kind: "session_updated"; readonly event: OnrampSessionUpdatedEvent }
  | { readonly kind: "other"; readonly id: string; readonly type: string }
  | { readonly kind: "invalid"; readonly message: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const MAX_ID = 255;
const isId = (value: unknown, prefix: string): value is string =>
  typeof value === "string" && value.startsWith(prefix) && value.length <= MAX_ID;

// The members of the session a receiver relies on; the rest is passed on as Stripe sent it.
function isSession(value: unknown): value is CryptoOnrampSession {
  return isRecord(value) && isId(value.id, "cos_") && value.object === "crypto.onramp_session" &&
    typeof value.status === "string" && isRecord(value.transaction_details) &&
    typeof value.livemode === "boolean";
}

const invalid = (message: string): ReadEvent => ({ kind: "invalid", message });

/**
 * Parses a verified body into an event.
 *
 * @example Read a session event
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readEvent } from "./event.ts";
 *
 * const body = JSON.stringify({
 *   id: "evt_1",
 *   object: "event",
 *   type: "invoice.paid",
 *   created: 1700000000,
 *   livemode: false,
 *   data: { object: {} },
 * });
 * assertEquals(readEvent(new TextEncoder().encode(body)), {
 *   kind: "other",
 *   id: "evt_1",
 *   type: "invoice.paid",
 * });
 * ```
 *
 * @param rawBody The body, verified.
 * @returns The session event, another event type (to acknowledge and ignore), or why it is not
 * an event.
 */
export function readEvent(rawBody: Uint8Array): ReadEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(rawBody));
  } catch {
    return invalid("The signed body is not JSON");
  }
  if (!isRecord(parsed) || parsed.object !== "event" || !isId(parsed.id, "evt_")) {
    return invalid('The signed body is not a Stripe event: expected object "event" and an evt_ id');
  }
  const { id, type, created, livemode, data } = parsed;
  if (typeof type !== "string" || type.length > MAX_ID) {
    return invalid("The event has no type");
  }
  if (!SESSION_UPDATED_TYPES.includes(type)) return { kind: "other", id, type };
  if (!Number.isSafeInteger(created) || typeof livemode !== "boolean") {
    return invalid("The event has no created time or livemode");
  }
  if (!isRecord(data) || !isSession(data.object)) {
    return invalid("The event's data.object is not an onramp session");
  }
  return { kind: "session_updated", event: parsed as unknown as OnrampSessionUpdatedEvent };
}
