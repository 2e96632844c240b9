import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { PARTS_EXCHANGE, type PartsExchange, partsExchangeOf } from "../../client/_transport.ts";
import { pooledTransport } from "../../demo/pooled_transport.ts";
import type { NodeFetch } from "../../transports/node.ts";
import { serveUpstream, untilPooled } from "../_helpers/http_upstream.ts";
import { spawnServer } from "../_helpers/spawn_server.ts";

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

// A stand-in for the pool: answers with its own name, and carries a parts exchange.
function fakePool(): NodeFetch & { calls: number; [PARTS_EXCHANGE]: PartsExchange } {
  const exchange: PartsExchange = () => ({
    answer: Promise.resolve({
      head: { status: 200, ok: true, headers: new Headers() },
      body: undefined,
    }),
    cancel() {},
  });
  const pool = Object.assign(
    (_request: Request) => {
      pool.calls++;
      return Promise.resolve(new Response("pool"));
    },
    { calls: 0, close: () => Promise.resolve(), [PARTS_EXCHANGE]: exchange },
  );
  return pool;
}

Deno.test("pooledTransport() sends through Deno's fetch until loadSoon() has loaded the pool", async () => {
  const pool = fakePool();
  let loads = 0;
  const transport = pooledTransport(() => {
    loads++;
    return Promise.resolve(pool);
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
  assertEquals(partsExchangeOf(transport.fetch), pool[PARTS_EXCHANGE]);
});

Deno.test("pooledTransport() keeps Deno's fetch and says why when the pool fails to load", async () => {
  const warnings: string[] = [];
  const transport = pooledTransport(
    () => Promise.reject(new Error("no node:net here")),
    (message) => warnings.push(message),
  );
  transport.loadSoon();
  await turn();
  await turn();
  assertEquals(warnings.length, 1);
  assertStringIncludes(warnings[0]!, "no node:net here");
  assertEquals(await (await transport.fetch(new Request("data:,deno"))).text(), "deno");
  assertEquals(partsExchangeOf(transport.fetch), undefined);
});

Deno.test("the Deno entry answers its first create through Deno's fetch, later ones through the pool", async () => {
  const session = {
    id: "cos_pooled",
    object: "crypto.onramp_session",
    client_secret: "cos_pooled_secret_abc",
    created: 1,
    livemode: false,
    status: "initialized",
    redirect_url: null,
    transaction_details: {},
  };
  const upstream = serveUpstream(() => Response.json(session));
  const server = await spawnServer(
    Deno.execPath(),
    ["run", "--allow-net", "--allow-env", "demo/runtimes/deno.ts"],
    {
      STRIPE_SECRET_KEY: "sk_test_pooled",
      STRIPE_API_BASE: upstream.url,
      PORT: "0",
      HOSTNAME: "127.0.0.1",
    },
  );
  try {
    const create = async () => {
      const res = await fetch(`${server.url}/onramp/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ destination_network: "ethereum" }),
      });
      assertEquals(res.status, 200, await res.clone().text());
      assertEquals((await res.json()).id, "cos_pooled");
    };
    await create();
    // Deno's fetch names itself; undici's dispatcher sends no User-Agent.
    assert(upstream.requests[0]!.headers.get("user-agent")!.startsWith("Deno/"));
    await untilPooled(create, upstream);
    assert(!server.output().includes("did not load"), server.output());
  } finally {
    await server.stop();
    await upstream.close();
  }
});
