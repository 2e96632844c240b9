import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { createDenoKvEventStore } from "../../stores/deno_kv.ts";
import { EVENT_RETENTION_MS } from "../../webhooks/event_store.ts";
import { runEventStoreSuite } from "../_helpers/event_store_suite.ts";

/** Two `Deno.Kv` handles on one database file: two instances sharing one store. */
async function withTwoHandles(test: (a: Deno.Kv, b: Deno.Kv) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "onramp_webhook_events_" });
  const path = `${dir}/kv.sqlite3`;
  const a = await Deno.openKv(path);
  const b = await Deno.openKv(path);
  try {
    await test(a, b);
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const claim = {
  eventId: "evt_1",
  sessionId: "cos_1",
  created: 1_764_000_000,
  status: "fulfillment_complete",
  owner: "delivery_1",
};

async function entries(kv: Deno.Kv, prefix: Deno.KvKey): Promise<Deno.KvEntry<unknown>[]> {
  return await Array.fromAsync(kv.list({ prefix }));
}

Deno.test("createDenoKvEventStore() on one :memory: database keeps the WebhookEventStore contract", async (t) => {
  const kv = await Deno.openKv(":memory:");
  try {
    await runEventStoreSuite(t, { a: createDenoKvEventStore(kv), b: createDenoKvEventStore(kv) });
  } finally {
    kv.close();
  }
});

Deno.test("createDenoKvEventStore() on two handles of one database file keeps the WebhookEventStore contract", async (t) => {
  await withTwoHandles(async (a, b) => {
    await runEventStoreSuite(t, { a: createDenoKvEventStore(a), b: createDenoKvEventStore(b) });
  });
});

Deno.test("createDenoKvEventStore() lets KV expire handled events and sessions after the retention", async () => {
  const kv = await Deno.openKv(":memory:");
  const written: { key: Deno.KvKey; expireIn: number | undefined }[] = [];
  const spy = new Proxy(kv, {
    get(target, property) {
      if (property !== "atomic") {
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return () => {
        const op = target.atomic();
        const set = op.set.bind(op);
        op.set = (key, value, options) => {
          written.push({ key, expireIn: options?.expireIn });
          return set(key, value, options);
        };
        return op;
      };
    },
  });
  try {
    const store = createDenoKvEventStore(spy);
    await store.claim(claim, 0);
    await store.complete(claim, 0);
    assertEquals(written, [
      { key: ["onramp_webhook_events", "session", "cos_1"], expireIn: EVENT_RETENTION_MS },
      { key: ["onramp_webhook_events", "event", "evt_1"], expireIn: EVENT_RETENTION_MS },
      { key: ["onramp_webhook_events", "session", "cos_1"], expireIn: EVENT_RETENTION_MS },
    ]);
  } finally {
    kv.close();
  }
});

Deno.test("createDenoKvEventStore() leaves nothing behind when a new session's claim is released", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = createDenoKvEventStore(kv);
    assertEquals(await store.claim(claim, 0), "claimed");
    assertEquals((await entries(kv, ["onramp_webhook_events"])).length, 1);
    await store.release(claim);
    assertEquals(await entries(kv, ["onramp_webhook_events"]), []);
  } finally {
    kv.close();
  }
});

Deno.test("createDenoKvEventStore() keeps prefixes apart", async () => {
  await withTwoHandles(async (a, b) => {
    const store = createDenoKvEventStore(a);
    assertEquals(await store.claim(claim, 0), "claimed");
    await store.complete(claim, 0);
    assertEquals(await createDenoKvEventStore(b).claim(claim, 1), "duplicate");
    assertEquals(
      await createDenoKvEventStore(b, { prefix: ["other_endpoint"] }).claim(claim, 1),
      "claimed",
    );
    assertEquals((await entries(b, ["other_endpoint"])).length, 1);
  });
});

Deno.test("createDenoKvEventStore() rejects when the database is closed", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = createDenoKvEventStore(kv);
  kv.close();
  await assertRejects(() => store.claim(claim, 0));
  await assertRejects(() => store.complete(claim, 0));
  await assertRejects(() => store.release(claim));
});

Deno.test("createDenoKvEventStore() refuses a prefix that is not an array of strings", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (const prefix of ["onramp", [1], null]) {
      const error = assertThrows(
        () => createDenoKvEventStore(kv, { prefix: prefix as unknown as string[] }),
        TypeError,
      );
      assert(
        error.message.startsWith(
          "Cannot create Deno KV event store as 'prefix' must be an array of strings: current value is ",
        ),
        error.message,
      );
    }
  } finally {
    kv.close();
  }
});
