import { assert, assertEquals } from "@std/assert";
import { createDenoKvStore } from "../../stores/deno_kv.ts";
import { jsonPost, testApp } from "../_helpers/onramp_app.ts";

const MINUTE = 60_000;
const DAY_MS = 86_400_000;

/** Two `Deno.Kv` handles on one database file: two instances sharing one store. */
async function withTwoInstances(
  test: (a: Deno.Kv, b: Deno.Kv) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "onramp_rate_limit_" });
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

/** Counts the atomic operations a handle commits. */
function countingAtomics(kv: Deno.Kv): { kv: Deno.Kv; atomics: () => number } {
  let atomics = 0;
  const proxy = new Proxy(kv, {
    get(target, property) {
      if (property === "atomic") {
        return () => {
          atomics++;
          return target.atomic();
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: proxy, atomics: () => atomics };
}

const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

Deno.test("createDenoKvStore() counts 50 racing hits from two instances exactly once each", async () => {
  await withTwoInstances(async (a, b) => {
    const stores = [createDenoKvStore(a), createDenoKvStore(b)];
    const hits = await Promise.all(
      Array.from({ length: 50 }, (_, i) => stores[i % 2]!.hit("203.0.113.7", MINUTE, 0)),
    );
    assertEquals(hits.map((hit) => hit.count).sort((x, y) => x - y), oneToN(50));
    assert(hits.every((hit) => hit.resetAtMs === MINUTE));
    // Both instances read the one total.
    assertEquals((await stores[0]!.hit("203.0.113.7", MINUTE, 0)).count, 51);
    assertEquals((await stores[1]!.hit("203.0.113.7", MINUTE, 0)).count, 52);
  });
});

Deno.test("createDenoKvStore() folds a burst on one instance into a few writes", async () => {
  await withTwoInstances(async (a) => {
    const { kv, atomics } = countingAtomics(a);
    const store = createDenoKvStore(kv);
    const hits = await Promise.all(Array.from({ length: 50 }, () => store.hit("k", MINUTE, 0)));
    assertEquals(hits.map((hit) => hit.count).sort((x, y) => x - y), oneToN(50));
    // The first hit writes alone; the 49 that arrive meanwhile share the next write.
    assertEquals(atomics(), 2);
  });
});

Deno.test("createDenoKvStore() starts a key afresh in the next window", async () => {
  await withTwoInstances(async (a, b) => {
    await createDenoKvStore(a).hit("k", MINUTE, 10_000);
    await createDenoKvStore(b).hit("k", MINUTE, 59_999);
    assertEquals(await createDenoKvStore(a).hit("k", MINUTE, 60_000), {
      count: 1,
      resetAtMs: 120_000,
    });
  });
});

Deno.test("createDenoKvStore() keeps keys and prefixes apart", async () => {
  await withTwoInstances(async (a, b) => {
    await createDenoKvStore(a).hit("203.0.113.7", MINUTE, 0);
    assertEquals((await createDenoKvStore(b).hit("198.51.100.23", MINUTE, 0)).count, 1);
    assertEquals(
      (await createDenoKvStore(b, { prefix: ["other"] }).hit("203.0.113.7", MINUTE, 0)).count,
      1,
    );
    assertEquals((await createDenoKvStore(b).hit("203.0.113.7", MINUTE, 0)).count, 2);
  });
});

Deno.test("createDenoKvStore() lets its entries expire after the window", async () => {
  await withTwoInstances(async (a) => {
    let expireIn: number | undefined;
    const spy = new Proxy(a, {
      get(target, property) {
        if (property !== "atomic") {
          const value = Reflect.get(target, property);
          return typeof value === "function" ? value.bind(target) : value;
        }
        return () => {
          const op = target.atomic();
          const set = op.set.bind(op);
          op.set = (key, value, options) => {
            expireIn = options?.expireIn;
            return set(key, value, options);
          };
          return op;
        };
      },
    });
    await createDenoKvStore(spy).hit("k", MINUTE, 45_000);
    // 15 s left in the window, plus one window for instances whose clocks lag.
    assertEquals(expireIn, 75_000);
  });
});

Deno.test("createDenoKvStore() rejects when the database is closed", async () => {
  const kv = await Deno.openKv(":memory:");
  kv.close();
  let rejected = false;
  await createDenoKvStore(kv).hit("k", MINUTE, 0).catch(() => rejected = true);
  assert(rejected);
});

Deno.test("rateLimit on Deno KV refuses the (limit+1)th of 50 racing requests across two instances", async () => {
  await withTwoInstances(async (a, b) => {
    const limit = 30;
    const apps = [a, b].map((kv) =>
      testApp({ rateLimit: { limit, windowMs: DAY_MS, store: createDenoKvStore(kv) } })
    );
    const responses = await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) => apps[i % 2]!.request("/onramp/sessions", jsonPost({}), "203.0.113.7"),
      ),
    );
    const statuses = responses.map((res) => res.status);
    await Promise.all(responses.map((res) => res.body?.cancel()));
    assertEquals(statuses.filter((status) => status === 200).length, limit);
    assertEquals(statuses.filter((status) => status === 429).length, 50 - limit);
    const reachedStripe = apps.reduce((sum, app) => sum + app.upstream.requests.length, 0);
    assertEquals(reachedStripe, limit);
    // Another address on either instance has its own, untouched bucket.
    const other = await apps[1]!.request("/onramp/sessions", jsonPost({}), "198.51.100.23");
    assertEquals([other.status, other.headers.get("ratelimit-remaining")], [200, "29"]);
    await other.body?.cancel();
  });
});
