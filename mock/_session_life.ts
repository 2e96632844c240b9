/**
 * What happens to a session in the mock after it was minted: its status moves on when a test
 * drives it (`POST /v1/test_helpers/crypto/onramp_sessions/{id}/advance`, `…/reject`, in the
 * style of Stripe's test helpers, https://docs.stripe.com/api/test_helpers) or on the mock's
 * own timer, each change after creation makes a `crypto.onramp_session_updated` event (never the
 * creation itself), and each event is delivered to the webhook endpoint; `…/redeliver` sends an
 * event again (a duplicate) or for the first time (a held one, so it arrives out of order).
 *
 * @module
 */
import type { CryptoOnrampSession } from "../client/types.ts";
import type { OnrampSessionUpdatedEvent } from "../webhooks/event.ts";
import { type Answer, errorAnswer, jsonAnswer, randomString } from "./_answers.ts";
import { canReject, FINAL_STATUSES, moveTo, nextStatus } from "./_lifecycle.ts";
import { buildEvent, type WebhookSender } from "./_webhooks.ts";

/** A control route's action. */
export type ControlAction = "advance" | "reject" | "redeliver";

/** The API request behind a change, as an event's `request` names it. */
export interface ChangeCause {
  /** The request's `Request-Id`. */
  readonly id: string;
  /** Its `Idempotency-Key`, if any. */
  readonly idempotencyKey: string | null;
}

/** What the session life needs from the mock. */
export interface SessionLifeDeps {
  /** The mock's random source (event ids, hashes). */
  readonly random: () => number;
  /** The mock's clock, in milliseconds. */
  readonly now: () => number;
  /** Delivers events; `undefined` when the mock has no webhook endpoint. */
  readonly sender: WebhookSender | undefined;
  /** Moves every session one step on this period, when set. */
  readonly autoAdvanceMs: number | undefined;
  /** The session with this id, as it is now. */
  readonly get: (id: string) => CryptoOnrampSession | undefined;
  /** Stores a session's new state (retrieve and list then return it). */
  readonly set: (session: CryptoOnrampSession) => void;
}

/** Drives sessions; see {@linkcode createSessionLife}. */
export interface SessionLife {
  /** Starts a new session's timer (with `autoAdvanceMs`). */
  started(session: CryptoOnrampSession): void;
  /**
   * Answers a control route.
   *
   * @param action What to do.
   * @param id The session id from the path.
   * @param params The checked parameters.
   * @param cause The request, for the event's `request`.
   */
  control(
    action: ControlAction,
    id: string,
    params: ControlParams,
    cause: ChangeCause,
  ): Answer;
  /** Every event so far, oldest first, or those of one session. */
  events(sessionId?: string): readonly OnrampSessionUpdatedEvent[];
  /** Settles once no delivery is queued and no timer is waiting to move a session. */
  settled(): Promise<void>;
  /** Stops every timer and forgets every event. */
  clear(): void;
}

/** The parameters of a control route, checked. */
export interface ControlParams {
  /** `hold_delivery=true`: make the event but keep it until `…/redeliver` sends it. */
  readonly holdDelivery: boolean;
  /** `event=evt_…` of `…/redeliver`: which event; the session's latest when absent. */
  readonly eventId: string | undefined;
}

const MAX_ECHO = 100;
const echo = (text: string) => text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text;

/** The 404 of an unknown session, as retrieve answers it. */
export function noSuchSession(id: string): Answer {
  return errorAnswer(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    param: "session",
    message: `No such crypto.onramp_session: '${echo(id)}'`,
  });
}

// Onramp codes start with crypto_onramp_ (openapi.yaml, StripeError); the suffix is the one of
// Stripe's `payment_intent_unexpected_state`.
function unexpectedState(message: string): Answer {
  return errorAnswer(400, {
    type: "invalid_request_error",
    code: "crypto_onramp_session_unexpected_state",
    message,
  });
}

/**
 * Creates the session life of one mock.
 *
 * @param deps The mock's sources, store and sender.
 * @returns The controller.
 */
export function createSessionLife(deps: SessionLifeDeps): SessionLife {
  const { random, now, sender, autoAdvanceMs, get, set } = deps;
  const allEvents: OnrampSessionUpdatedEvent[] = [];
  const bySession = new Map<string, OnrampSessionUpdatedEvent[]>();
  const timers = new Map<string, { timer: ReturnType<typeof setTimeout>; done: () => void }>();
  const waiting = new Set<Promise<void>>();

  function stopTimer(id: string): void {
    const entry = timers.get(id);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    timers.delete(id);
    entry.done();
  }

  // Timers are set inside calls only: Workers forbid them in global scope.
  function schedule(session: CryptoOnrampSession): void {
    stopTimer(session.id);
    if (autoAdvanceMs === undefined || FINAL_STATUSES.includes(session.status)) return;
    let done = () => {};
    const fired = new Promise<void>((resolve) => (done = resolve));
    waiting.add(fired);
    fired.then(() => waiting.delete(fired));
    const timer = setTimeout(() => {
      timers.delete(session.id);
      const current = get(session.id);
      const status = current && nextStatus(current.status);
      if (current !== undefined && status !== undefined) change(current, status, null, false);
      done();
    }, autoAdvanceMs);
    timers.set(session.id, { timer, done });
  }

  function change(
    session: CryptoOnrampSession,
    status: string,
    cause: ChangeCause | null,
    hold: boolean,
  ): CryptoOnrampSession {
    const { session: moved, previous } = moveTo(session, status, random);
    set(moved);
    const event = buildEvent({
      id: `evt_${randomString(random, 24)}`,
      created: Math.floor(now() / 1000),
      session: moved,
      previous,
      request: cause,
    });
    allEvents.push(event);
    const list = bySession.get(moved.id) ?? [];
    list.push(event);
    bySession.set(moved.id, list);
    if (!hold) sender?.send(event, "status_change");
    schedule(moved);
    return moved;
  }

  function redeliver(session: CryptoOnrampSession, eventId: string | undefined): Answer {
    if (sender === undefined) {
      return unexpectedState(
        "This mock has no webhook endpoint to deliver to: create it with the webhookEndpoint option",
      );
    }
    const list = bySession.get(session.id) ?? [];
    const event = eventId === undefined ? list.at(-1) : list.find((e) => e.id === eventId);
    if (event === undefined && eventId !== undefined) {
      return errorAnswer(404, {
        type: "invalid_request_error",
        code: "resource_missing",
        param: "event",
        message: `No such event of this session: '${echo(eventId)}'`,
      });
    }
    if (event === undefined) {
      return unexpectedState(
        "This session has no event to deliver: its status has not changed since it was created",
      );
    }
    sender.send(event, "redeliver");
    return jsonAnswer(200, event);
  }

  return {
    started: schedule,
    control(action, id, params, cause) {
      const session = get(id);
      if (session === undefined) return noSuchSession(id);
      if (action === "redeliver") return redeliver(session, params.eventId);
      const { status } = session;
      if (action === "reject") {
        if (!canReject(status)) {
          return unexpectedState(
            `This session's status is ${status}: only a session that is initialized or ` +
              "requires_payment can be rejected",
          );
        }
        return jsonAnswer(200, change(session, "rejected", cause, params.holdDelivery));
      }
      const next = nextStatus(status);
      if (next === undefined) {
        return unexpectedState(
          `This session's status is ${status}, which is final: it cannot advance`,
        );
      }
      return jsonAnswer(200, change(session, next, cause, params.holdDelivery));
    },
    events: (sessionId) =>
      structuredClone(sessionId === undefined ? allEvents : bySession.get(sessionId) ?? []),
    async settled() {
      // A timer's move queues a delivery, and schedules the next timer: go round until both
      // are empty (a delivery never moves a session).
      do {
        await Promise.all(waiting);
        await sender?.settled();
      } while (waiting.size > 0);
    },
    clear() {
      for (const id of [...timers.keys()]) stopTimer(id);
      allEvents.length = 0;
      bySession.clear();
    },
  };
}
