import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  createDurableObjectStore,
  type DurableObjectNamespaceLike,
  RateLimiterDurableObject,
} from "../../stores/durable_object.ts";
import {
  memoryState,
  type Send,
  withTwoWorkers as withWorkers,
} from "../_helpers/durable_objects.ts";

const MINUTE = 60_000;
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/**
 * Two Workers, "a" and "b", built from one script; both bind `RATE_LIMITER` to the Durable
 * Object class that "a" defines, as two deployments (or two instances) sharing one limiter.
 */
function withTwoWorkers(
  bindings: Record<string, string>,
  test: (workers: { a: Send; b: Send }) => Promise<void>,
): Promise<void> {
  return withWorkers({
    entry: new URL("./_durable_object_worker.ts", import.meta.url),
    durableObjects: { RATE_LIMITER: "RateLimiterDurableObject" },
    bindings,
  }, test);
}

const DAY_MS = 86_400_000;

/** Sends one hit through a Worker's store; windows are real (the object's alarm uses its clock). */
async function hit(send: Send, key: string, nowMs = Date.now()): Promise<number> {
  const res = await send(`/hit?key=${key}&windowMs=${DAY_MS}&nowMs=${nowMs}`);
  assertEquals(res.status, 200);
  return (await res.json()).count;
}

Deno.test("createDurableObjectStore() counts racing hits from two Workers exactly once each", async () => {
  for (const bindings of [{ LIMIT: "1" }, { LIMIT: "1", SHARDS: "4" }]) {
    await withTwoWorkers(bindings, async ({ a, b }) => {
      const counts = await Promise.all(
        Array.from({ length: 50 }, (_, i) => hit(i % 2 === 0 ? a : b, "203.0.113.7")),
      );
      assertEquals(counts.sort((x, y) => x - y), oneToN(50), JSON.stringify(bindings));
      assertEquals(await hit(b, "198.51.100.23"), 1, "another key has its own count");
      assertEquals(await hit(a, "203.0.113.7"), 51);
    });
  }
});

Deno.test("RateLimiterDurableObject's alarm deletes a window that has ended, in workerd", async () => {
  await withTwoWorkers({ LIMIT: "1" }, async ({ a }) => {
    // A window of 1970 ended long ago: the alarm its first hit sets is due at once.
    const past = 1_000;
    assertEquals(await hit(a, "k", past), 1);
    let count = 0;
    for (let attempt = 0; attempt < 50 && count !== 1; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      count = await hit(a, "k", past);
    }
    assertEquals(count, 1, "the alarm deleted the ended window, so its key started afresh");
  });
});

Deno.test("rateLimit on Durable Objects refuses the (limit+1)th of 50 racing requests across two Workers", async () => {
  await withTwoWorkers({ LIMIT: "30" }, async ({ a, b }) => {
    const request = (send: Send, ip: string) =>
      send("/onramp/quotes", { headers: { "cf-connecting-ip": ip } });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => request(i % 2 === 0 ? a : b, "203.0.113.7")),
    );
    const statuses = responses.map((res) => res.status);
    assertEquals(statuses.filter((status) => status === 200).length, 30);
    assertEquals(statuses.filter((status) => status === 429).length, 20);
    const refused = responses.find((res) => res.status === 429)!;
    assert(Number(refused.headers.get("retry-after")) >= 1);
    assertEquals((await refused.json()).error.code, "rate_limit");
    // The customer IP, as workerd delivers it, is the key: another address starts afresh.
    const other = await request(b, "198.51.100.23");
    assertEquals([other.status, other.headers.get("ratelimit-remaining")], [200, "29"]);
  });
});

function hitRequest(body: unknown): Request {
  return new Request("https://do/hit", { method: "POST", body: JSON.stringify(body) });
}

Deno.test("RateLimiterDurableObject's alarm deletes ended windows and waits for the next end", async () => {
  const state = memoryState();
  const object = new RateLimiterDurableObject(state);
  const nowMs = Date.now();
  await object.fetch(hitRequest({ key: "ended", windowMs: 1_000, nowMs: nowMs - 5_000 }));
  await object.fetch(hitRequest({ key: "live", windowMs: 3_600_000, nowMs }));
  const endOfEnded = (Math.floor((nowMs - 5_000) / 1_000) + 1) * 1_000;
  assertEquals(state.alarm, endOfEnded, "the first hit set the alarm for its window's end");
  await object.alarm();
  assertEquals([...state.data.keys()], ["live"]);
  assertEquals(state.alarm, (Math.floor(nowMs / 3_600_000) + 1) * 3_600_000);
});

Deno.test("RateLimiterDurableObject counts a late caller's hit in the current window", async () => {
  const object = new RateLimiterDurableObject(memoryState());
  const hit = async (nowMs: number) =>
    await (await object.fetch(hitRequest({ key: "k", windowMs: MINUTE, nowMs }))).json();
  assertEquals(await hit(60_500), { count: 1, resetAtMs: 120_000 });
  // An instance whose clock lags a second is still in the previous window: it counts here.
  assertEquals(await hit(59_500), { count: 2, resetAtMs: 120_000 });
});

Deno.test("RateLimiterDurableObject answers 400 to a request that is not a hit", async () => {
  const object = new RateLimiterDurableObject(memoryState());
  for (
    const body of [null, { key: "k", windowMs: 0, nowMs: 0 }, { key: 1, windowMs: 1, nowMs: 0 }]
  ) {
    const res = await object.fetch(hitRequest(body));
    assertEquals(res.status, 400, JSON.stringify(body));
    await res.body?.cancel();
  }
});

/** A namespace whose objects are in-memory {@linkcode RateLimiterDurableObject}s. */
function memoryNamespace(): DurableObjectNamespaceLike<string> & { names: Set<string> } {
  const objects = new Map<string, RateLimiterDurableObject>();
  const names = new Set<string>();
  return {
    names,
    idFromName: (name) => name,
    get(id) {
      names.add(id);
      if (!objects.has(id)) objects.set(id, new RateLimiterDurableObject(memoryState()));
      const object = objects.get(id)!;
      return { fetch: (request) => object.fetch(request) };
    },
  };
}

Deno.test("createDurableObjectStore() gives each key its own object by default", async () => {
  const namespace = memoryNamespace();
  const store = createDurableObjectStore(namespace);
  for (const key of ["203.0.113.7", "198.51.100.23", "203.0.113.7"]) {
    await store.hit(key, MINUTE, 0);
  }
  assertEquals([...namespace.names], ["key:203.0.113.7", "key:198.51.100.23"]);
});

Deno.test("createDurableObjectStore() spreads keys over the given number of shards", async () => {
  const namespace = memoryNamespace();
  const store = createDurableObjectStore(namespace, { shards: 4 });
  for (let i = 0; i < 200; i++) await store.hit(`2001:db8::${i}`, MINUTE, 0);
  assertEquals([...namespace.names].sort(), ["shard:0", "shard:1", "shard:2", "shard:3"]);
  assertEquals((await store.hit("2001:db8::7", MINUTE, 0)).count, 2, "a key keeps its shard");
});

Deno.test("createDurableObjectStore() rejects when the object answers an error", async () => {
  const store = createDurableObjectStore({
    idFromName: (name) => name,
    get: () => ({ fetch: () => Promise.resolve(new Response("overloaded", { status: 503 })) }),
  });
  await assertRejects(
    () => store.hit("k", MINUTE, 0),
    Error,
    "The rate limiter Durable Object answered HTTP 503",
  );
});

Deno.test("createDurableObjectStore() refuses a shards count that is not a positive integer", () => {
  const namespace = memoryNamespace();
  for (const shards of [0, -2, 1.5]) {
    assertThrows(
      () => createDurableObjectStore(namespace, { shards }),
      RangeError,
      `Cannot create Durable Object rate limit store as 'shards' must be a positive integer: current value is ${shards}`,
    );
  }
});
