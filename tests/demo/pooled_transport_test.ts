import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { PARTS_EXCHANGE, type PartsExchange, partsExchangeOf } from "../../client/_transport.ts";
import { pooledTransport } from "../../demo/pooled_transport.ts";
import { bundle } from "../../dev/bundle.ts";
import type { NodeFetch } from "../../transports/node.ts";
import { serveUpstream, untilPooled } from "../_helpers/http_upstream.ts";
import { spawnServer } from "../_helpers/spawn_server.ts";

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

// A stand-in for the pool: answers with its own name (or fails, when `broken`), and carries a
// parts exchange that does the same.
function fakePool(broken = false) {
  const state = { calls: 0, closed: false };
  const answer = () =>
    broken ? Promise.reject(new TypeError("connection refused")) : Promise.resolve({
      head: { status: 200, ok: true, headers: new Headers() },
      body: undefined,
    });
  const exchange: PartsExchange = () => ({ answer: answer(), cancel() {} });
  const pool = Object.assign(
    (_request: Request) => {
      state.calls++;
      return broken
        ? Promise.reject(new TypeError("connection refused"))
        : Promise.resolve(new Response("pool"));
    },
    {
      close: () => {
        state.closed = true;
        return Promise.resolve();
      },
      [PARTS_EXCHANGE]: exchange,
    },
  ) as NodeFetch;
  return { pool, state };
}

const OUTBOUND = { url: "data:,x", method: "GET", headers: new Headers(), body: undefined };

Deno.test("pooledTransport() sends through Deno's fetch until loadSoon() has loaded the pool", async () => {
  const { pool } = fakePool();
  let loads = 0;
  const transport = pooledTransport({
    load: () => {
      loads++;
      return Promise.resolve(pool);
    },
  });
  assertEquals(await (await transport.fetch(new Request("data:,deno"))).text(), "deno");
  assertEquals(partsExchangeOf(transport.fetch), undefined);
  transport.loadSoon();
  transport.loadSoon();
  assertEquals(loads, 0, "the load waits for a later turn of the event loop");
  await turn();
  await turn();
  assertEquals(loads, 1);
  assertEquals(await (await transport.fetch(new Request("data:,deno"))).text(), "pool");
  await partsExchangeOf(transport.fetch)!(OUTBOUND, 100).answer;
  // Trusted once answered: the pool's own exchange from then on.
  assertEquals(partsExchangeOf(transport.fetch), partsExchangeOf(pool));
});

Deno.test("pooledTransport() gives the pool up when its first call gets no answer, and says so", async () => {
  for (const door of ["fetch", "parts"] as const) {
    const { pool, state } = fakePool(true);
    const warnings: string[] = [];
    const transport = pooledTransport({
      load: () => Promise.resolve(pool),
      warn: (message) => warnings.push(message),
    });
    transport.loadSoon();
    await turn();
    await turn();
    const failed = door === "fetch"
      ? transport.fetch(new Request("data:,deno"))
      : partsExchangeOf(transport.fetch)!(OUTBOUND, 100).answer;
    await failed.then(() => assert(false, "the broken pool answered"), () => {});
    await turn();
    assertEquals([warnings.length, state.closed], [1, true], door);
    assertStringIncludes(warnings[0]!, "first call got no answer");
    assertEquals(await (await transport.fetch(new Request("data:,deno"))).text(), "deno", door);
    assertEquals(partsExchangeOf(transport.fetch), undefined, door);
  }
});

Deno.test("pooledTransport() keeps Deno's fetch and says why when the pool fails to load", async () => {
  const warnings: string[] = [];
  const transport = pooledTransport({
    load: () => Promise.reject(new Error("no node:net here")),
    warn: (message) => {
      warnings.push(message);
      throw new Error("a logger that throws");
    },
  });
  transport.loadSoon();
  await turn();
  await turn();
  assertEquals(warnings.length, 1);
  assertStringIncludes(warnings[0]!, "no node:net here");
  assertEquals(await (await transport.fetch(new Request("data:,deno"))).text(), "deno");
  assertEquals(partsExchangeOf(transport.fetch), undefined);
});

const SESSION = {
  id: "cos_pooled",
  object: "crypto.onramp_session",
  client_secret: "cos_pooled_secret_abc",
  created: 1,
  livemode: false,
  status: "initialized",
  redirect_url: null,
  transaction_details: {},
};

async function createOn(serverUrl: string) {
  const res = await fetch(`${serverUrl}/onramp/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ destination_network: "ethereum" }),
  });
  assertEquals(res.status, 200, await res.clone().text());
  assertEquals((await res.json()).id, "cos_pooled");
}

// The Deno entry with the permissions `deno task start` gives it, on a fake Stripe: from its
// sources, or as `deno task bundle:deno` builds it.
async function startEntry(entry = "demo/runtimes/deno.ts", env: Record<string, string> = {}) {
  const upstream = serveUpstream(() => Response.json(SESSION));
  const server = await spawnServer(
    Deno.execPath(),
    ["run", "--allow-net", "--allow-env", entry],
    {
      STRIPE_SECRET_KEY: "sk_test_pooled",
      STRIPE_API_BASE: upstream.url,
      PORT: "0",
      HOSTNAME: "127.0.0.1",
      ...env,
    },
  ).catch(async (error) => {
    await upstream.close();
    throw error;
  });
  return { upstream, server };
}

async function assertPooledAfterFirst(entry?: string) {
  const { upstream, server } = await startEntry(entry);
  try {
    await createOn(server.url);
    // Deno's fetch names itself; undici's dispatcher sends no User-Agent.
    assert(upstream.requests[0]!.headers.get("user-agent")!.startsWith("Deno/"));
    await untilPooled(() => createOn(server.url), upstream);
    assert(!server.output().includes("not used"), server.output());
  } finally {
    await server.stop();
    await upstream.close();
  }
}

Deno.test("the Deno entry answers its first create through Deno's fetch, later ones through the pool", async () => {
  await assertPooledAfterFirst();
});

Deno.test("the bundled Deno entry loads undici from npm, as its sources do, and reaches the pool", async () => {
  const { outfile } = await bundle("deno");
  await assertPooledAfterFirst(outfile);
});

Deno.test("the Deno entry stays on Deno's fetch when Deno is set to use a proxy", async () => {
  // Deno's fetch never proxies loopback; undici would ignore the setting altogether.
  const { upstream, server } = await startEntry(undefined, {
    HTTPS_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "127.0.0.1",
  });
  try {
    for (let call = 0; call < 5; call++) {
      await createOn(server.url);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const agents = upstream.requests.map((request) => request.headers.get("user-agent") ?? "");
    assert(agents.every((agent) => agent.startsWith("Deno/")), agents.join(", "));
  } finally {
    await server.stop();
    await upstream.close();
  }
});
