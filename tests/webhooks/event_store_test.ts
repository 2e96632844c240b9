import { assertEquals, assertThrows } from "@std/assert";
import { createMemoryEventStore } from "../../webhooks/event_store.ts";
import { runEventStoreSuite } from "../_helpers/event_store_suite.ts";

Deno.test("createMemoryEventStore() keeps the WebhookEventStore contract", async (t) => {
  const store = createMemoryEventStore();
  await runEventStoreSuite(t, { a: store, b: store });
});

Deno.test("createMemoryEventStore() forgets the oldest sessions past maxEntries", async () => {
  const store = createMemoryEventStore({ maxEntries: 2 });
  const claim = (n: number) => ({
    eventId: `evt_${n}`,
    sessionId: `cos_${n}`,
    created: 1,
    status: "requires_payment",
    owner: `delivery_${n}`,
  });
  for (const n of [1, 2, 3]) assertEquals(await store.claim(claim(n), 0), "claimed");
  // cos_1's claim was forgotten to make room; cos_2 and cos_3 still hold theirs.
  assertEquals(await store.claim(claim(1), 1), "claimed");
  assertEquals(await store.claim(claim(3), 1), "in_progress");
});

Deno.test("createMemoryEventStore() refuses a maxEntries that is not a positive integer", () => {
  for (const maxEntries of [0, -1, 1.5, Number.NaN]) {
    assertThrows(
      () => createMemoryEventStore({ maxEntries }),
      RangeError,
      `Cannot create memory event store as 'maxEntries' must be a positive integer: current value is ${maxEntries}`,
    );
  }
});
