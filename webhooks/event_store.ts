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

/** One delivery of an event, as the store sees it. */
export interface EventClaim {
  /** The event id, `evt_…`. */
  readonly eventId: string;
  /** The session it is about, `cos_…`. */
  readonly sessionId: string;
  /** The event's `created`, in Unix seconds. */
  readonly created: number;
  /** The session's status in the event. */
  readonly status: string;
  /**
   * Who claims: a non-empty id unique to this delivery (the route draws a random UUID for each).
   * The claim in flight is stored with it, and `complete` and `release` only drop the claim that
   * carries it: a claimant whose claim timed out cannot undo the claim of the delivery that took
   * the event over.
   */
  readonly owner: string;
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
 * or each instance deduplicates alone. The stores of this package apply the pure rules of this
 * module (`decideClaim`, `completedSession`, `releasedSession`), so that every backend decides
 * alike; another backend should too.
 *
 * **Atomicity.** `claim` must decide and record in one step: of two concurrent claims for one
 * session, exactly one may be `"claimed"`.
 *
 * **Ownership.** A claim holds its session for {@linkcode CLAIM_TIMEOUT_MS}; after that another
 * delivery may claim the event (or the session's next event) while the first handler still runs.
 * So the claim in flight is stored with its `owner`, and `complete` and `release` drop it only
 * when it is their own: the late call of a timed-out claimant leaves the newer claim alone.
 *
 * **Memory.** Handled events must be remembered for at least {@linkcode EVENT_RETENTION_MS}
 * (Stripe's retries last three days), and forgotten some time after.
 *
 * **Failures.** A method that cannot reach its backend rejects. The route then answers: a
 * retryable 503 for `claim` (the handler has not run); 200 for `complete` (the handler ran: an
 * error would have it run again), with the claim left to lapse; the handler's own error for
 * `release`, with the claim left to lapse.
 */
export interface WebhookEventStore {
  /**
   * Claims an event before its handler runs, for `claim.owner`.
   *
   * @param claim The delivery.
   * @param nowMs The current time, in milliseconds since the epoch.
   * @returns Whether to run the handler.
   */
  claim(claim: EventClaim, nowMs: number): Promise<ClaimResult>;
  /**
   * Records that the handler succeeded: the event is handled, and its status applied unless the
   * session reached a newer one meanwhile. Drops the claim in flight only when it is `claim`'s
   * own (the same event and `owner`); a late call, after the claim timed out and another
   * delivery claimed, leaves that delivery's claim in place.
   *
   * @param claim The delivery, as it was claimed.
   * @param nowMs The current time, in milliseconds since the epoch.
   */
  complete(claim: EventClaim, nowMs: number): Promise<void>;
  /**
   * Forgets the claim of a delivery whose handler failed, so that Stripe's redelivery runs it
   * again. Does nothing when the claim in flight is not `claim`'s own (the same event and
   * `owner`): it timed out, and another delivery holds the event or the session now.
   *
   * @param claim The delivery, as it was claimed.
   */
  release(claim: EventClaim): Promise<void>;
}

/** How long handled events are remembered: Stripe's three days of retries, and a day more. */
export const EVENT_RETENTION_MS = 4 * 24 * 60 * 60 * 1000;

/**
 * How long a claim holds when its handler never finishes (the instance died): after that, a
 * redelivery may claim the event again. A handler still running then may run twice.
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
  /** The claim in flight, if any: see {@linkcode InFlightClaim}. */
  readonly inFlight?: InFlightClaim;
}

/** The event being handled now: by whom, and until when its claim holds. */
export interface InFlightClaim {
  /** The event id. */
  readonly eventId: string;
  /**
   * The claimant's {@linkcode EventClaim.owner}. Absent from a claim recorded before owners
   * were: such a claim is nobody's to drop, and lapses at `untilMs`.
   */
  readonly owner?: string;
  /** Until when, in milliseconds since the epoch, the claim holds. */
  readonly untilMs: number;
}

// Whether the claim in flight is `claim`'s own: the same event, claimed by the same delivery.
function holdsClaim(inFlight: InFlightClaim | undefined, claim: EventClaim): boolean {
  return inFlight !== undefined && inFlight.eventId === claim.eventId &&
    inFlight.owner !== undefined && inFlight.owner === claim.owner;
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
 * const claim = {
 *   eventId: "evt_1",
 *   sessionId: "cos_1",
 *   created: 1,
 *   status: "requires_payment",
 *   owner: "delivery_1",
 * };
 * assertEquals(decideClaim(false, undefined, claim, 0), {
 *   result: "claimed",
 *   session: { inFlight: { eventId: "evt_1", owner: "delivery_1", untilMs: 120_000 } },
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
      inFlight: { eventId: claim.eventId, owner: claim.owner, untilMs: nowMs + CLAIM_TIMEOUT_MS },
    },
  };
}

/**
 * A session's state once `claim`'s handler succeeded: its status is applied, unless the session
 * meanwhile reached a newer one (the claim timed out, and a newer event was claimed and
 * completed first), which it keeps: a session never moves backwards. The claim in flight is
 * dropped only when it is `claim`'s own (same event and owner): after a timeout it may be
 * another delivery's, whose handler still runs.
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
  const inFlight = holdsClaim(session?.inFlight, claim) ? undefined : session?.inFlight;
  return { applied, ...(inFlight && { inFlight }) };
}

/**
 * A session's state once `claim`'s handler failed: its claim is dropped, so that Stripe's
 * redelivery can claim the event again. A claim that is not `claim`'s own (another event's, or
 * the same event's taken over by another delivery after a timeout) is left alone.
 *
 * @param session What the store keeps of the session, if anything.
 * @param claim The released delivery.
 * @returns The session's new state, or `undefined` when `claim` holds no claim (nothing to
 * write).
 */
export function releasedSession(
  session: SessionState | undefined,
  claim: EventClaim,
): SessionState | undefined {
  if (session === undefined || !holdsClaim(session.inFlight, claim)) return undefined;
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
 * const claim = {
 *   eventId: "evt_1",
 *   sessionId: "cos_1",
 *   created: 1,
 *   status: "requires_payment",
 *   owner: crypto.randomUUID(), // one per delivery
 * };
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
