/**
 * The behaviour every `WebhookEventStore` owes the webhook route, as test steps: run against
 * the memory store, Deno KV and Durable Objects alike, with two instances sharing the store.
 */
import { assertEquals } from "@std/assert";
import {
  CLAIM_TIMEOUT_MS,
  type ClaimResult,
  EVENT_RETENTION_MS,
  type EventClaim,
  type WebhookEventStore,
} from "../../webhooks/event_store.ts";

/** Two instances of one deployment, sharing one store ("a" and "b" may be one object). */
export interface SharedStores {
  a: WebhookEventStore;
  b: WebhookEventStore;
}

/** How many claims race in the concurrency steps. */
export const RACERS = 50;

const CREATED = 1_764_000_000;

let sessions = 0;
let deliveries = 0;

/** The owner a delivery's claims carry: the route draws one at random per delivery. */
const nextOwner = () => `delivery_${deliveries++}`;

/** A fresh session id and an event factory for it, so that steps never share state. */
function freshSession(label: string) {
  const sessionId = `cos_${label}_${Date.now().toString(36)}_${sessions++}`;
  return {
    sessionId,
    /** One delivery of an event: each call is a new delivery, with its own owner. */
    event: (id: string, created: number, status: string): EventClaim => ({
      eventId: `evt_${sessionId}_${id}`,
      sessionId,
      created,
      status,
      owner: nextOwner(),
    }),
  };
}

/** Stripe's next delivery of the same event: the same claim, another owner. */
const redelivery = (claim: EventClaim): EventClaim => ({ ...claim, owner: nextOwner() });

function tally(results: ClaimResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) counts[result] = (counts[result] ?? 0) + 1;
  return counts;
}

/**
 * Runs the contract's steps on `stores`.
 *
 * @param t The test's context.
 * @param stores Two instances sharing one store.
 */
export async function runEventStoreSuite(t: Deno.TestContext, stores: SharedStores) {
  const { a, b } = stores;
  // Near the real time: a Durable Object's alarm forgets entries by the runtime's clock, which
  // the callers' clocks follow in production.
  const T0 = Date.now();

  await t.step(
    "claims a new event once: a redelivery meanwhile is in_progress anywhere",
    async () => {
      const { event } = freshSession("new");
      const e1 = event("1", CREATED, "requires_payment");
      assertEquals(await a.claim(e1, T0), "claimed");
      assertEquals(await a.claim(e1, T0 + 1), "in_progress");
      assertEquals(await b.claim(e1, T0 + 2), "in_progress");
    },
  );

  await t.step(
    "answers duplicate to a completed event on either instance for the retention",
    async () => {
      const { event } = freshSession("dup");
      const e1 = event("1", CREATED, "fulfillment_processing");
      assertEquals(await a.claim(e1, T0), "claimed");
      await a.complete(e1, T0 + 10);
      assertEquals(await b.claim(e1, T0 + 20), "duplicate");
      assertEquals(await a.claim(e1, T0 + 10 + EVENT_RETENTION_MS - 1), "duplicate");
      assertEquals(await b.claim(e1, T0 + 10 + EVENT_RETENTION_MS - 1), "duplicate");
    },
  );

  await t.step(
    "holds a session while one of its events is in flight; other sessions are free",
    async () => {
      const one = freshSession("held");
      const two = freshSession("free");
      assertEquals(await a.claim(one.event("1", CREATED, "requires_payment"), T0), "claimed");
      assertEquals(
        await b.claim(one.event("2", CREATED + 60, "fulfillment_processing"), T0 + 1),
        "in_progress",
      );
      assertEquals(await b.claim(two.event("1", CREATED, "requires_payment"), T0 + 1), "claimed");
    },
  );

  await t.step("lets the session's next event claim once the previous one completed", async () => {
    const { event } = freshSession("next");
    const e1 = event("1", CREATED, "requires_payment");
    assertEquals(await a.claim(e1, T0), "claimed");
    await a.complete(e1, T0 + 1);
    assertEquals(
      await b.claim(event("2", CREATED + 60, "fulfillment_processing"), T0 + 2),
      "claimed",
    );
  });

  await t.step("answers stale to an event older than the session's applied one", async () => {
    const { event } = freshSession("stale");
    const processing = event("b", CREATED + 100, "fulfillment_processing");
    assertEquals(await a.claim(processing, T0), "claimed");
    await a.complete(processing, T0);
    assertEquals(await b.claim(event("a", CREATED + 50, "requires_payment"), T0 + 1), "stale");
    // Same second, earlier status: stale too; a later status applies.
    assertEquals(await b.claim(event("c", CREATED + 100, "requires_payment"), T0 + 1), "stale");
    const complete = event("d", CREATED + 200, "fulfillment_complete");
    assertEquals(await b.claim(complete, T0 + 2), "claimed");
    await b.complete(complete, T0 + 2);
    // After a final status nothing applies, not even a later event.
    assertEquals(
      await a.claim(event("e", CREATED + 300, "fulfillment_processing"), T0 + 3),
      "stale",
    );
  });

  await t.step(
    "release lets Stripe's redelivery claim the event again, on another instance",
    async () => {
      const { event } = freshSession("release");
      const e1 = event("1", CREATED, "fulfillment_complete");
      assertEquals(await a.claim(e1, T0), "claimed");
      await a.release(e1);
      const again = redelivery(e1);
      assertEquals(await b.claim(again, T0 + 1), "claimed");
      await b.complete(again, T0 + 2);
      assertEquals(await a.claim(redelivery(e1), T0 + 3), "duplicate");
    },
  );

  await t.step(
    "release of an event that holds no claim leaves the session's claim alone",
    async () => {
      const { event } = freshSession("foreign");
      const held = event("1", CREATED, "requires_payment");
      assertEquals(await a.claim(held, T0), "claimed");
      await b.release(event("2", CREATED + 60, "fulfillment_processing"));
      assertEquals(
        await b.claim(event("3", CREATED + 90, "fulfillment_complete"), T0 + 1),
        "in_progress",
      );
      // Releasing twice undoes nothing more: the applied status stays.
      await a.complete(held, T0 + 2);
      await a.release(held);
      assertEquals(await b.claim(event("0", CREATED - 60, "initialized"), T0 + 3), "stale");
    },
  );

  await t.step(
    "an expired claim (its instance died) can be claimed again after CLAIM_TIMEOUT_MS",
    async () => {
      const { event } = freshSession("expired");
      const e1 = event("1", CREATED, "fulfillment_processing");
      assertEquals(await a.claim(e1, T0), "claimed"); // and instance a dies
      assertEquals(await b.claim(redelivery(e1), T0 + CLAIM_TIMEOUT_MS - 1), "in_progress");
      const again = redelivery(e1);
      assertEquals(await b.claim(again, T0 + CLAIM_TIMEOUT_MS), "claimed");
      // The new claim holds in turn, for its own timeout.
      const later = event("2", CREATED + 60, "fulfillment_complete");
      assertEquals(await a.claim(later, T0 + CLAIM_TIMEOUT_MS + 1), "in_progress");
      await b.complete(again, T0 + CLAIM_TIMEOUT_MS + 2);
      assertEquals(await a.claim(redelivery(later), T0 + CLAIM_TIMEOUT_MS + 3), "claimed");
    },
  );

  await t.step(
    "a late completion of a timed-out claim never moves the session backwards",
    async () => {
      const { event } = freshSession("late");
      const slow = event("1", CREATED + 100, "requires_payment");
      assertEquals(await a.claim(slow, T0), "claimed"); // a's handler hangs past the timeout
      const newer = event("2", CREATED + 200, "fulfillment_processing");
      assertEquals(await b.claim(newer, T0 + CLAIM_TIMEOUT_MS), "claimed");
      await b.complete(newer, T0 + CLAIM_TIMEOUT_MS + 1);
      await a.complete(slow, T0 + CLAIM_TIMEOUT_MS + 2); // the hung handler finally returns
      assertEquals(await b.claim(slow, T0 + CLAIM_TIMEOUT_MS + 3), "duplicate");
      // Older than fulfillment_processing, newer than requires_payment: still stale.
      assertEquals(
        await b.claim(event("3", CREATED + 150, "requires_payment"), T0 + CLAIM_TIMEOUT_MS + 3),
        "stale",
      );
      assertEquals(
        await a.claim(event("4", CREATED + 300, "fulfillment_complete"), T0 + CLAIM_TIMEOUT_MS + 4),
        "claimed",
      );
    },
  );

  await t.step(
    "a late release by a timed-out claimant leaves the newer claim of the event alone",
    async () => {
      const { event } = freshSession("late_release");
      const first = event("1", CREATED, "fulfillment_complete");
      assertEquals(await a.claim(first, T0), "claimed"); // a's handler hangs past the timeout
      const second = redelivery(first); // Stripe delivers the event again, to b
      assertEquals(await b.claim(second, T0 + CLAIM_TIMEOUT_MS), "claimed");
      await a.release(first); // a's handler finally throws: a releases its own, lapsed claim
      assertEquals(
        await a.claim(redelivery(first), T0 + CLAIM_TIMEOUT_MS + 1),
        "in_progress",
        "b's claim still holds the event",
      );
      assertEquals(
        await a.claim(event("2", CREATED + 60, "fulfillment_complete"), T0 + CLAIM_TIMEOUT_MS + 1),
        "in_progress",
        "and the session",
      );
      await b.complete(second, T0 + CLAIM_TIMEOUT_MS + 2); // b's own completion still applies
      assertEquals(await a.claim(redelivery(first), T0 + CLAIM_TIMEOUT_MS + 3), "duplicate");
      assertEquals(
        await a.claim(
          event("3", CREATED + 120, "fulfillment_processing"),
          T0 + CLAIM_TIMEOUT_MS + 3,
        ),
        "stale",
        "b's status was applied, and its claim dropped",
      );
    },
  );

  await t.step(
    "a late completion by a timed-out claimant leaves the newer claim of the event alone",
    async () => {
      const { event } = freshSession("late_complete");
      const first = event("1", CREATED, "fulfillment_processing");
      assertEquals(await a.claim(first, T0), "claimed"); // a's handler hangs past the timeout
      const second = redelivery(first);
      assertEquals(await b.claim(second, T0 + CLAIM_TIMEOUT_MS), "claimed");
      await a.complete(first, T0 + CLAIM_TIMEOUT_MS + 1); // a's handler finally returns
      // a's handler did run: the event is handled; but b's handler runs still, and holds the
      // session, so the session's next event waits for it.
      assertEquals(await a.claim(redelivery(first), T0 + CLAIM_TIMEOUT_MS + 2), "duplicate");
      const next = event("2", CREATED + 60, "fulfillment_complete");
      assertEquals(await a.claim(next, T0 + CLAIM_TIMEOUT_MS + 2), "in_progress");
      await b.complete(second, T0 + CLAIM_TIMEOUT_MS + 3);
      assertEquals(await a.claim(redelivery(next), T0 + CLAIM_TIMEOUT_MS + 4), "claimed");
    },
  );

  await t.step(
    "release and complete by another delivery of the event leave a live claim alone",
    async () => {
      const { event } = freshSession("foreign_owner");
      const held = event("1", CREATED, "requires_payment");
      assertEquals(await a.claim(held, T0), "claimed");
      const stranger = redelivery(held); // never claimed: its owner holds nothing
      await b.release(stranger);
      assertEquals(await b.claim(redelivery(held), T0 + 1), "in_progress");
      await b.complete(stranger, T0 + 2);
      const next = event("2", CREATED + 60, "fulfillment_processing");
      assertEquals(await b.claim(next, T0 + 3), "in_progress", "the claim still holds");
      await a.release(held);
      assertEquals(await b.claim(redelivery(next), T0 + 4), "claimed");
    },
  );

  await t.step(
    `of ${RACERS} concurrent claims of one event from two instances, exactly one is claimed`,
    async () => {
      const { event } = freshSession("race_one");
      const e1 = event("1", CREATED, "fulfillment_complete");
      const results = await Promise.all(
        Array.from({ length: RACERS }, (_, i) => (i % 2 === 0 ? a : b).claim(redelivery(e1), T0)),
      );
      assertEquals(tally(results), { claimed: 1, in_progress: RACERS - 1 });
    },
  );

  await t.step(
    `of ${RACERS} concurrent claims of one session's events from two instances, exactly one is claimed`,
    async () => {
      const { event } = freshSession("race_many");
      const results = await Promise.all(
        Array.from(
          { length: RACERS },
          (_, i) =>
            (i % 2 === 0 ? a : b).claim(event(`${i}`, CREATED + i, "fulfillment_processing"), T0),
        ),
      );
      assertEquals(tally(results), { claimed: 1, in_progress: RACERS - 1 });
    },
  );

  await t.step("concurrent claims of different sessions are each claimed", async () => {
    const results = await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) =>
          (i % 2 === 0 ? a : b).claim(
            freshSession("apart").event("1", CREATED, "requires_payment"),
            T0,
          ),
      ),
    );
    assertEquals(tally(results), { claimed: 10 });
  });
}
