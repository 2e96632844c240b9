/**
 * Exactly-once, in-order handling of Stripe's webhook events: the contract of the store that
 * remembers which events were handled and which status each session last reached, the ordering
 * rule, and the default store in this instance's memory.
 *
 * Stripe delivers at least once, retries for up to three days, and promises no order
 * (https://docs.stripe.com/webhooks#handle-duplicate-events). So the receiver claims an event
 * before its handler runs, and:
 * - an event already handled is a duplicate: acknowledged, the handler not run again;
 * - while one event of a session is being handled, any other delivery for that session (the
 *   same event or a newer one) waits: it is answered 409, and Stripe delivers it again later;
 * - an event older than the last one applied to its session is stale: acknowledged, not handled.
 *
 * @module
 */
import { assertPositiveInteger } from "../errors/option_checks.ts";

/** One event, as the store sees it. */
export interface EventClaim {
  /** The event id, `evt_…`. */
  readonly eventId: string;
  /** The session it is about, `cos_…`. */
  readonly sessionId: string;
  /** The event's `created`, in Unix seconds. */
  readonly created: number;
  /** The session's status in the event. */
  readonly status: string;
}

/** What {@linkcode WebhookEventStore.claim} decided. */
export type ClaimResult =
  /** Run the handler, then `complete` or `release`. */
  | "claimed"
  /** Handled before: acknowledge. */
  | "duplicate"
  /** An event of this session is being handled right now: answer so that Stripe retries. */
  | "in_progress"
  /** Older than what the session already reached: acknowledge without handling. */
  | "stale";

/**
 * Where handled events and each session's last applied status are kept. Share one store between
 * every instance of a deployment (`createDenoKvEventStore`, `createDurableObjectEventStore`),
 * or each instance deduplicates alone.
 *
 * **Atomicity.** `claim` must decide and record in one step: of two concurrent claims for one
 * session, exactly one may be `"claimed"`.
 *
 * **Memory.** Handled events must be remembered for at least {@linkcode EVENT_RETENTION_MS}
 * (Stripe's retries last three days), and forgotten some time after.
 */
export interface WebhookEventStore {
  /**
   * Claims an event before its handler runs.
   *
   * @param claim The event.
   * @param nowMs The current time, in milliseconds since the epoch.
   * @returns Whether to run the handler.
   */
  claim(claim: EventClaim, nowMs: number): Promise<ClaimResult>;
  /**
   * Records that the handler succeeded: the event is handled and its status applied.
   *
   * @param claim The claimed event.
   * @param nowMs The current time, in milliseconds since the epoch.
   */
  complete(claim: EventClaim, nowMs: number): Promise<void>;
  /**
   * Forgets a claim whose handler failed, so that Stripe's redelivery runs it again.
   *
   * @param claim The claimed event.
   */
  release(claim: EventClaim): Promise<void>;
}

/** How long handled events are remembered: Stripe's three days of retries, and a day more. */
export const EVENT_RETENTION_MS = 4 * 24 * 60 * 60 * 1000;

/**
 * How long a claim holds when its handler never finishes (the instance died): after that, a
 * redelivery may claim the event again.
 */
export const CLAIM_TIMEOUT_MS = 2 * 60 * 1000;

// The order of a session's statuses (https://docs.stripe.com/api/crypto/onramp_sessions/object);
// statuses Stripe adds later have no rank and are ordered by time alone.
const STATUS_RANK: ReadonlyMap<string, number> = new Map([
  ["initialized", 0],
  ["requires_payment", 1],
  ["fulfillment_processing", 2],
  ["fulfillment_complete", 3],
  ["rejected", 3],
]);

/** Statuses after which a session never changes again. */
export const FINAL_STATUSES: readonly string[] = ["fulfillment_complete", "rejected"];

/** What a store remembers of a session: the last event applied to it. */
export interface AppliedEvent {
  /** The event's `created`, in Unix seconds. */
  readonly created: number;
  /** The status it applied. */
  readonly status: string;
}

/**
 * Whether an event would move its session backwards: the session already reached a final
 * status, or the event is older than the last one applied (by `created`, then, for events of the
 * same second, by the order of statuses).
 *
 * @example A late `requires_payment` after `fulfillment_processing`
 * ```ts
 * import { assert, assertFalse } from "@std/assert";
 * import { isStale } from "./event_store.ts";
 *
 * const applied = { created: 1_700_000_100, status: "fulfillment_processing" };
 * assert(isStale(applied, { created: 1_700_000_050, status: "requires_payment" }));
 * assertFalse(isStale(applied, { created: 1_700_000_200, status: "fulfillment_complete" }));
 * ```
 *
 * @param applied The last event applied to the session, if any.
 * @param incoming The event to apply.
 * @returns `true` when the event must not be applied.
 */
export function isStale(applied: AppliedEvent | undefined, incoming: AppliedEvent): boolean {
  if (applied === undefined) return false;
  if (FINAL_STATUSES.includes(applied.status)) return true;
  if (incoming.created !== applied.created) return incoming.created < applied.created;
  const before = STATUS_RANK.get(applied.status);
  const after = STATUS_RANK.get(incoming.status);
  return before !== undefined && after !== undefined && after <= before;
}

/** What a store keeps of a session between its events. */
export interface SessionState {
  /** The last event applied to the session, if any. */
  readonly applied?: AppliedEvent;
  /** The event being handled now, and until when (ms since the epoch) its claim holds. */
  readonly inFlight?: { readonly eventId: string; readonly untilMs: number };
}

/** What {@linkcode decideClaim} decided: when `"claimed"`, the session's state to record. */
export type ClaimDecision =
  | { readonly result: "claimed"; readonly session: SessionState }
  | { readonly result: Exclude<ClaimResult, "claimed"> };

/**
 * The claim rule every store applies, as a pure function: a store reads the event's and the
 * session's entries, calls this, and records `session` in the same atomic step when the event
 * is claimed. A duplicate wins over the rest, then a claim in flight (until it times out after
 * {@linkcode CLAIM_TIMEOUT_MS}), then {@linkcode isStale}.
 *
 * @example Claim an event of a new session
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decideClaim } from "./event_store.ts";
 *
 * const claim = { eventId: "evt_1", sessionId: "cos_1", created: 1, status: "requires_payment" };
 * assertEquals(decideClaim(false, undefined, claim, 0), {
 *   result: "claimed",
 *   session: { inFlight: { eventId: "evt_1", untilMs: 120_000 } },
 * });
 * ```
 *
 * @param handled Whether the event is remembered as handled.
 * @param session What the store keeps of the event's session, if anything.
 * @param claim The event.
 * @param nowMs The current time, in milliseconds since the epoch.
 * @returns The result, and the session's new state when claimed.
 */
export function decideClaim(
  handled: boolean,
  session: SessionState | undefined,
  claim: EventClaim,
  nowMs: number,
): ClaimDecision {
  if (handled) return { result: "duplicate" };
  if (session?.inFlight !== undefined && session.inFlight.untilMs > nowMs) {
    return { result: "in_progress" };
  }
  if (isStale(session?.applied, claim)) return { result: "stale" };
  return {
    result: "claimed",
    session: {
      ...(session?.applied && { applied: session.applied }),
      inFlight: { eventId: claim.eventId, untilMs: nowMs + CLAIM_TIMEOUT_MS },
    },
  };
}

/**
 * A session's state once `claim`'s handler succeeded: its claim is dropped and its status
 * applied, unless the session meanwhile reached a newer one (the claim timed out, and a newer
 * event was claimed and completed first), which it keeps: a session never moves backwards.
 *
 * @param session What the store keeps of the session, if anything.
 * @param claim The completed event.
 * @returns The session's new state.
 */
export function completedSession(
  session: SessionState | undefined,
  claim: EventClaim,
): SessionState {
  const applied = session?.applied !== undefined && isStale(session.applied, claim)
    ? session.applied
    : { created: claim.created, status: claim.status };
  const inFlight = session?.inFlight?.eventId === claim.eventId ? undefined : session?.inFlight;
  return { applied, ...(inFlight && { inFlight }) };
}

/**
 * A session's state once `claim`'s handler failed: its claim is dropped, so that Stripe's
 * redelivery can claim the event again. Another event's claim is left alone.
 *
 * @param session What the store keeps of the session, if anything.
 * @param claim The released event.
 * @returns The session's new state, or `undefined` when `claim` holds no claim (nothing to
 * write).
 */
export function releasedSession(
  session: SessionState | undefined,
  claim: EventClaim,
): SessionState | undefined {
  if (session?.inFlight?.eventId !== claim.eventId) return undefined;
  return session.applied === undefined ? {} : { applied: session.applied };
}

/** Options of {@linkcode createMemoryEventStore}. */
export interface MemoryEventStoreOptions {
  /**
   * The most events and sessions remembered at once; past it, the oldest are forgotten first
   * (a forgotten event could then be handled twice, a forgotten session's order lost).
   *
   * @default {100000}
   */
  maxEntries?: number;
}

/**
 * Creates a {@linkcode WebhookEventStore} in this instance's memory: exact for one instance,
 * forgotten on restart. On several instances (Deno Deploy, Workers), share a store instead.
 *
 * @example The default store, bounded
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createMemoryEventStore } from "./event_store.ts";
 *
 * const store = createMemoryEventStore({ maxEntries: 1_000 });
 * const claim = { eventId: "evt_1", sessionId: "cos_1", created: 1, status: "requires_payment" };
 * assertEquals(await store.claim(claim, 0), "claimed");
 * await store.complete(claim, 0);
 * assertEquals(await store.claim(claim, 0), "duplicate");
 * ```
 *
 * @param options The bound on what is remembered.
 * @returns The store.
 * @throws {RangeError} When `maxEntries` is not a positive integer.
 */
export function createMemoryEventStore(options: MemoryEventStoreOptions = {}): WebhookEventStore {
  const { maxEntries = 100_000 } = options;
  assertPositiveInteger("memory event store", "maxEntries", maxEntries);
  // Maps iterate in insertion order: the first entry is the oldest, evicted first.
  const handled = new Map<string, number>(); // event id → forget after (ms)
  const sessions = new Map<string, SessionState>();

  function bound<K, V>(map: Map<K, V>): void {
    while (map.size > maxEntries) map.delete(map.keys().next().value as K);
  }

  return {
    claim(claim, nowMs) {
      const forgetAt = handled.get(claim.eventId);
      const isHandled = forgetAt !== undefined && forgetAt > nowMs;
      const decision = decideClaim(isHandled, sessions.get(claim.sessionId), claim, nowMs);
      if (decision.result === "claimed") {
        sessions.delete(claim.sessionId); // re-inserted last: the freshest session
        sessions.set(claim.sessionId, decision.session);
        bound(sessions);
      }
      return Promise.resolve(decision.result);
    },
    complete(claim, nowMs) {
      handled.delete(claim.eventId);
      handled.set(claim.eventId, nowMs + EVENT_RETENTION_MS);
      bound(handled);
      sessions.set(claim.sessionId, completedSession(sessions.get(claim.sessionId), claim));
      bound(sessions);
      return Promise.resolve();
    },
    release(claim) {
      const next = releasedSession(sessions.get(claim.sessionId), claim);
      if (next !== undefined) sessions.set(claim.sessionId, next);
      return Promise.resolve();
    },
  };
}
