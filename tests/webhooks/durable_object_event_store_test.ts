import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  createDurableObjectEventStore,
  type DurableObjectNamespaceLike,
  WebhookEventsDurableObject,
} from "../../stores/durable_object.ts";
import {
  CLAIM_TIMEOUT_MS,
  EVENT_RETENTION_MS,
  type EventClaim,
  type WebhookEventStore,
} from "../../webhooks/event_store.ts";
import { memoryState, type Send, withTwoWorkers } from "../_helpers/durable_objects.ts";
import { runEventStoreSuite } from "../_helpers/event_store_suite.ts";

/** Two Workers sharing the `WEBHOOK_EVENTS` objects that "a" defines. */
function withEventWorkers(test: (workers: { a: Send; b: Send }) => Promise<void>) {
  return withTwoWorkers({
    entry: new URL("./_durable_object_worker.ts", import.meta.url),
    durableObjects: { WEBHOOK_EVENTS: "WebhookEventsDurableObject" },
  }, test);
}

/** The store of one Worker, driven through that Worker's `/claim`, `/complete`, `/release`. */
function storeOf(send: Send): WebhookEventStore {
  const call = async (path: string, claim: EventClaim, nowMs?: number) => {
    const res = await send(path, { method: "POST", body: JSON.stringify({ claim, nowMs }) });
    if (!res.ok) throw new Error(`${path} answered HTTP ${res.status}: ${await res.text()}`);
    return res;
  };
  return {
    claim: async (claim, nowMs) => (await (await call("/claim", claim, nowMs)).json()).result,
    complete: async (claim, nowMs) => void await call("/complete", claim, nowMs),
    release: async (claim) => void await call("/release", claim),
  };
}

const claim: EventClaim = {
  eventId: "evt_1",
  sessionId: "cos_1",
  created: 1_764_000_000,
  status: "fulfillment_complete",
  owner: "delivery_1",
};

Deno.test("createDurableObjectEventStore() across two Workers in workerd keeps the WebhookEventStore contract", async (t) => {
  await withEventWorkers(async ({ a, b }) => {
    await runEventStoreSuite(t, { a: storeOf(a), b: storeOf(b) });
  });
});

Deno.test("WebhookEventsDurableObject forgets a session past its retention, in workerd, and refuses what is not an operation", async (t) => {
  await withEventWorkers(async ({ a, b }) => {
    await t.step(
      "the alarm deletes a session and its events once their retention ended",
      async () => {
        // Handled in 1970: the retention ended long ago, so the alarm the write set is due at once.
        const nowMs = 1_000;
        const store = storeOf(a);
        assertEquals(await store.claim(claim, nowMs), "claimed");
        await store.complete(claim, nowMs);
        let result = await storeOf(b).claim(claim, nowMs);
        for (let attempt = 0; attempt < 50 && result !== "claimed"; attempt++) {
          assertEquals(result, "duplicate", "remembered until the alarm runs");
          await new Promise((resolve) => setTimeout(resolve, 100));
          result = await storeOf(b).claim(claim, nowMs);
        }
        assertEquals(result, "claimed", "the alarm forgot the event and its session");
      },
    );

    await t.step("answers 4xx, never 500, to a request the store would not send", async () => {
      const raw = (operation: string, init: RequestInit) =>
        a(`/object/${operation}?session=cos_raw`, init);
      const cases: [string, string, RequestInit, number][] = [
        ["an unknown operation", "forget", { method: "POST", body: "{}" }, 404],
        ["a GET", "claim", { method: "GET" }, 405],
        ["not JSON", "claim", { method: "POST", body: "{nope" }, 400],
        ["no clock", "claim", { method: "POST", body: JSON.stringify(claim) }, 400],
      ];
      for (const [name, operation, init, status] of cases) {
        const res = await raw(operation, init);
        assertEquals(res.status, status, name);
        assert(typeof (await res.json()).error === "string", name);
      }
      // Nothing of that reached the session: a claim still goes through.
      assertEquals(
        await storeOf(b).claim({ ...claim, sessionId: "cos_raw" }, Date.now()),
        "claimed",
      );
    });
  });
});

/** A namespace whose objects are in-memory {@linkcode WebhookEventsDurableObject}s. */
function memoryNamespace(): DurableObjectNamespaceLike<string> & {
  names: string[];
  states: Map<string, ReturnType<typeof memoryState>>;
} {
  const objects = new Map<string, WebhookEventsDurableObject>();
  const states = new Map<string, ReturnType<typeof memoryState>>();
  const names: string[] = [];
  return {
    names,
    states,
    idFromName: (name) => name,
    get(id) {
      names.push(id);
      if (!objects.has(id)) {
        const state = memoryState();
        states.set(id, state);
        objects.set(id, new WebhookEventsDurableObject(state));
      }
      const object = objects.get(id)!;
      return { fetch: (request) => object.fetch(request) };
    },
  };
}

Deno.test("createDurableObjectEventStore() on in-memory objects keeps the WebhookEventStore contract", async (t) => {
  const store = createDurableObjectEventStore(memoryNamespace());
  await runEventStoreSuite(t, { a: store, b: store });
});

Deno.test("createDurableObjectEventStore() sends each session's events to the object named by its id", async () => {
  const namespace = memoryNamespace();
  const store = createDurableObjectEventStore(namespace);
  await store.claim(claim, 0);
  await store.complete(claim, 0);
  await store.claim({ ...claim, eventId: "evt_2", sessionId: "cos_2" }, 0);
  await store.release({ ...claim, eventId: "evt_2", sessionId: "cos_2" });
  assertEquals(namespace.names, ["cos_1", "cos_1", "cos_2", "cos_2"]);
});

Deno.test("WebhookEventsDurableObject's alarm deletes what is past its retention and waits for the rest", async () => {
  const namespace = memoryNamespace();
  const store = createDurableObjectEventStore(namespace);
  const nowMs = Date.now();
  const old = { ...claim, eventId: "evt_old", status: "fulfillment_processing" };
  const recent = { ...claim, eventId: "evt_recent", created: claim.created + 100 };
  await store.claim(old, nowMs - EVENT_RETENTION_MS - 1_000);
  await store.complete(old, nowMs - EVENT_RETENTION_MS - 1_000);
  const state = namespace.states.get("cos_1")!;
  assertEquals(state.alarm, nowMs - 1_000, "the first write set the alarm for its retention's end");
  assertEquals(await store.claim(recent, nowMs - CLAIM_TIMEOUT_MS), "claimed");
  await new WebhookEventsDurableObject(state).alarm();
  // The old event is forgotten; the session, written since, is kept, with its new claim.
  assertEquals([...state.data.keys()].sort(), ["session:cos_1"]);
  assertEquals(state.alarm, nowMs - CLAIM_TIMEOUT_MS + EVENT_RETENTION_MS);
  assertEquals(await store.claim(old, nowMs), "stale", "the session still orders its events");
});

Deno.test("WebhookEventsDurableObject answers 4xx to a request that is not an operation", async () => {
  const object = new WebhookEventsDurableObject(memoryState());
  const post = (path: string, body: unknown) =>
    object.fetch(
      new Request(`https://webhook-events.internal${path}`, {
        method: "POST",
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    );
  const valid = { ...claim, nowMs: 0 };
  const cases: [string, Promise<Response>, number][] = [
    ["an unknown path", post("/hit", valid), 404],
    ["the root", post("/", valid), 404],
    ["a GET", object.fetch(new Request("https://webhook-events.internal/claim")), 405],
    ["not JSON", post("/claim", "{nope"), 400],
    ["not UTF-8", post("/claim", new Uint8Array([0xff, 0xfe])), 400],
    ["null", post("/claim", null), 400],
    ["an array", post("/claim", [valid]), 400],
    ["no clock to claim", post("/claim", claim), 400],
    ["no clock to complete", post("/complete", claim), 400],
    ["a clock that is not a number", post("/claim", { ...valid, nowMs: "0" }), 400],
    ["an empty event id", post("/claim", { ...valid, eventId: "" }), 400],
    ["a session id too long", post("/claim", { ...valid, sessionId: "c".repeat(256) }), 400],
    ["created not an integer", post("/claim", { ...valid, created: 1.5 }), 400],
    ["no status", post("/release", { ...claim, status: undefined }), 400],
    ["no owner to claim", post("/claim", { ...valid, owner: undefined }), 400],
    ["no owner to complete", post("/complete", { ...valid, owner: undefined }), 400],
    ["no owner to release", post("/release", { ...claim, owner: undefined }), 400],
    ["an empty owner", post("/release", { ...claim, owner: "" }), 400],
    ["an owner that is not a string", post("/claim", { ...valid, owner: 1 }), 400],
    ["an owner too long", post("/claim", { ...valid, owner: "o".repeat(256) }), 400],
    ["a body over 4 KB", post("/claim", { ...valid, pad: "x".repeat(5_000) }), 413],
  ];
  for (const [name, answer, status] of cases) {
    const res = await answer;
    assertEquals(res.status, status, name);
    assert(typeof (await res.json()).error === "string", name);
  }
  const refused = await object.fetch(new Request("https://webhook-events.internal/claim"));
  assertEquals(refused.headers.get("allow"), "POST");
  await refused.body?.cancel();
  // Release needs no clock.
  assertEquals((await post("/release", claim)).status, 204);
});

Deno.test("createDurableObjectEventStore() rejects when the object fails or answers nonsense", async () => {
  const answering = (res: () => Response): DurableObjectNamespaceLike<string> => ({
    idFromName: (name) => name,
    get: () => ({ fetch: () => Promise.resolve(res()) }),
  });
  const failing = createDurableObjectEventStore(
    answering(() => new Response("overloaded", { status: 503 })),
  );
  for (const call of [() => failing.claim(claim, 0), () => failing.complete(claim, 0)]) {
    await assertRejects(call, Error, "The webhook events Durable Object answered HTTP 503");
  }
  await assertRejects(() => failing.release(claim), Error, "answered HTTP 503");
  for (const body of ["not json", JSON.stringify({ result: "maybe" }), "null", "{}"]) {
    const store = createDurableObjectEventStore(answering(() => new Response(body)));
    await assertRejects(
      () => store.claim(claim, 0),
      Error,
      "The webhook events Durable Object answered without a claim result",
    );
  }
  const unreachable = createDurableObjectEventStore({
    idFromName: (name) => name,
    get: () => ({ fetch: () => Promise.reject(new TypeError("network connection lost")) }),
  });
  await assertRejects(() => unreachable.claim(claim, 0), TypeError);
});

Deno.test("createDurableObjectEventStore() refuses a binding that is not a Durable Object namespace", () => {
  for (
    const [namespace, described] of [
      [undefined, "of type undefined"],
      [null, "null"],
      [{ get: () => ({}) }, "of type object"],
      ["WEBHOOK_EVENTS", "of type string"],
    ] as const
  ) {
    assertThrows(
      () => createDurableObjectEventStore(namespace as unknown as DurableObjectNamespaceLike),
      TypeError,
      `Cannot create Durable Object event store as 'namespace' must be a Durable Object namespace binding: current value is ${described}`,
    );
  }
});
