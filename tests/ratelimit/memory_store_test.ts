import { assertEquals, assertThrows } from "@std/assert";
import { createMemoryStore } from "../../ratelimit/memory_store.ts";

const MINUTE = 60_000;

Deno.test("createMemoryStore() counts hits of one key within a window", async () => {
  const store = createMemoryStore();
  const counts = [];
  for (const nowMs of [120_000, 130_000, 179_999]) {
    counts.push(await store.hit("203.0.113.7", MINUTE, nowMs));
  }
  assertEquals(counts, [
    { count: 1, resetAtMs: 180_000 },
    { count: 2, resetAtMs: 180_000 },
    { count: 3, resetAtMs: 180_000 },
  ]);
});

Deno.test("createMemoryStore() starts a key afresh when its window ends", async () => {
  const store = createMemoryStore();
  await store.hit("203.0.113.7", MINUTE, 120_000);
  await store.hit("203.0.113.7", MINUTE, 150_000);
  assertEquals(await store.hit("203.0.113.7", MINUTE, 180_000), {
    count: 1,
    resetAtMs: 240_000,
  });
});

Deno.test("createMemoryStore() aligns windows to the clock, not to the first hit", async () => {
  const store = createMemoryStore();
  // A first hit 59 s into a minute gets a window that ends a second later.
  assertEquals(await store.hit("a", MINUTE, 179_000), { count: 1, resetAtMs: 180_000 });
});

Deno.test("createMemoryStore() counts each key on its own", async () => {
  const store = createMemoryStore();
  await store.hit("203.0.113.7", MINUTE, 0);
  await store.hit("203.0.113.7", MINUTE, 0);
  assertEquals((await store.hit("2001:db8::1", MINUTE, 0)).count, 1);
  assertEquals((await store.hit("203.0.113.7", MINUTE, 0)).count, 3);
});

Deno.test("createMemoryStore() gives racing hits the counts 1…n, each once", async () => {
  const store = createMemoryStore();
  const hits = await Promise.all(Array.from({ length: 100 }, () => store.hit("k", MINUTE, 0)));
  assertEquals(hits.map((hit) => hit.count).sort((a, b) => a - b), [
    ...Array.from({ length: 100 }, (_, i) => i + 1),
  ]);
});

Deno.test("createMemoryStore() drops ended windows before live ones when full", async () => {
  const store = createMemoryStore({ maxKeys: 3 });
  await store.hit("live-1", MINUTE, 0);
  await store.hit("ended", 1_000, 0); // a shorter window, ends at 1 s
  await store.hit("live-2", MINUTE, 500);
  // Full; at 2 s "ended" has ended, so the new key takes its place, not the oldest "live-1".
  await store.hit("new", MINUTE, 2_000);
  assertEquals((await store.hit("live-1", MINUTE, 2_000)).count, 2);
  assertEquals((await store.hit("live-2", MINUTE, 2_000)).count, 2);
  assertEquals((await store.hit("new", MINUTE, 2_000)).count, 2);
});

Deno.test("createMemoryStore() forgets the oldest window when full of live ones", async () => {
  const store = createMemoryStore({ maxKeys: 2 });
  await store.hit("first", MINUTE, 0);
  await store.hit("second", MINUTE, 0);
  await store.hit("third", MINUTE, 0); // evicts "first"
  assertEquals((await store.hit("second", MINUTE, 0)).count, 2);
  assertEquals((await store.hit("third", MINUTE, 0)).count, 2);
});

Deno.test("createMemoryStore() stays within maxKeys under a stream of new addresses", async () => {
  const maxKeys = 100;
  const store = createMemoryStore({ maxKeys });
  // An attacker rotating IPv6 addresses: 20 000 keys, each seen once, all in one window.
  for (let i = 0; i < 20_000; i++) await store.hit(`2001:db8::${i.toString(16)}`, MINUTE, 0);
  // The newest maxKeys keys are remembered, and an older one is not: nothing else was kept.
  const remembered = [];
  for (let i = 20_000 - maxKeys; i < 20_000; i++) {
    remembered.push((await store.hit(`2001:db8::${i.toString(16)}`, MINUTE, 0)).count);
  }
  assertEquals(remembered, Array(maxKeys).fill(2));
  assertEquals((await store.hit("2001:db8::0", MINUTE, 0)).count, 1);
});

Deno.test("createMemoryStore() refuses a maxKeys that is not a positive integer", () => {
  for (const maxKeys of [0, -1, 1.5, Number.NaN]) {
    assertThrows(
      () => createMemoryStore({ maxKeys }),
      RangeError,
      `Cannot create memory rate limit store as 'maxKeys' must be a positive integer: current value is ${maxKeys}`,
    );
  }
});
