import { assertEquals } from "@std/assert";
import { type Context, Hono } from "hono";
import type { Runtime } from "hono/adapter";
import { peerAddressFor, runtimePeerAddress } from "../../ip/runtime_peer.ts";

const SPOOF = { "CF-Connecting-IP": "6.6.6.6" };

/** Runs one request through a Hono app whose handler reports what `read` returns. */
async function peerSeen(
  read: (c: Context) => string | undefined,
  env: unknown,
  headers: Record<string, string> = {},
): Promise<string | null> {
  const app = new Hono();
  app.get("/", (c) => c.json({ peer: read(c) ?? null }));
  const res = await app.request("/", { headers }, env);
  return (await res.json()).peer;
}

const denoInfo = { remoteAddr: { transport: "tcp", hostname: "203.0.113.7", port: 51234 } };

Deno.test("runtimePeerAddress() reads remoteAddr.hostname under Deno", async () => {
  assertEquals(await peerSeen(runtimePeerAddress, denoInfo), "203.0.113.7");
});

Deno.test("runtimePeerAddress() ignores CF-Connecting-IP under Deno", async () => {
  assertEquals(await peerSeen(runtimePeerAddress, denoInfo, SPOOF), "203.0.113.7");
  assertEquals(await peerSeen(runtimePeerAddress, undefined, SPOOF), null);
});

Deno.test("runtimePeerAddress() returns the address unnormalised", async () => {
  const mapped = { remoteAddr: { transport: "tcp", hostname: "::ffff:203.0.113.7", port: 1 } };
  assertEquals(await peerSeen(runtimePeerAddress, mapped), "::ffff:203.0.113.7");
});

Deno.test("runtimePeerAddress() reads the real peer of a Deno.serve connection", async () => {
  const app = new Hono();
  app.get("/", (c) => c.text(runtimePeerAddress(c) ?? "unknown"));
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    app.fetch,
  );
  const res = await fetch(`http://127.0.0.1:${server.addr.port}/`, { headers: SPOOF });
  assertEquals(await res.text(), "127.0.0.1");
});

const envs: ReadonlyArray<[name: string, env: unknown]> = [
  ["no env", undefined],
  ["a null env", null],
  ["a string env", "env"],
  ["a number env", 42],
  ["an empty object", {}],
  ["a Workers bindings object", { STRIPE_SECRET_KEY: "sk_test_x" }],
  ["remoteAddr without hostname (a Unix socket)", {
    remoteAddr: { transport: "unix", path: "/s" },
  }],
  ["a non-string hostname", { remoteAddr: { hostname: 7 } }],
  ["incoming without a socket", { incoming: {} }],
  ["a non-string remoteAddress", { incoming: { socket: { remoteAddress: 7 } } }],
  ["requestIP that is not a function", { requestIP: "203.0.113.7" }],
  ["requestIP returning null", { requestIP: () => null }],
  ["requestIP returning no address", { requestIP: () => ({ family: "IPv4" }) }],
];

for (
  const runtime of ["deno", "node", "bun", "workerd", "fastly", "edge-light", "other"] as const
) {
  for (const [name, env] of envs) {
    Deno.test(`peerAddressFor("${runtime}") returns undefined for ${name}`, async () => {
      assertEquals(await peerSeen((c) => peerAddressFor(runtime, c), env), null);
    });
  }
}

const branches: ReadonlyArray<
  [
    name: string,
    runtime: Runtime,
    env: unknown,
    headers: Record<string, string>,
    peer: string | null,
  ]
> = [
  ["deno reads remoteAddr.hostname", "deno", denoInfo, SPOOF, "203.0.113.7"],
  [
    "node reads incoming.socket.remoteAddress",
    "node",
    { incoming: { socket: { remoteAddress: "::ffff:203.0.113.7" } }, outgoing: {} },
    SPOOF,
    "::ffff:203.0.113.7",
  ],
  ["node ignores CF-Connecting-IP", "node", undefined, SPOOF, null],
  ["bun ignores CF-Connecting-IP", "bun", undefined, SPOOF, null],
  [
    "workerd reads CF-Connecting-IP",
    "workerd",
    { STRIPE_SECRET_KEY: "sk_test_x" },
    SPOOF,
    "6.6.6.6",
  ],
  ["workerd ignores env addresses", "workerd", denoInfo, {}, null],
  ["other runtimes ignore CF-Connecting-IP", "other", denoInfo, SPOOF, null],
];

for (const [name, runtime, env, headers, peer] of branches) {
  Deno.test(`peerAddressFor(): ${name}`, async () => {
    assertEquals(await peerSeen((c) => peerAddressFor(runtime, c), env, headers), peer);
  });
}

Deno.test("peerAddressFor() calls Bun's requestIP as a method of the server", async () => {
  const seen: Request[] = [];
  const server = {
    address: "2001:db8::7",
    requestIP(this: { address: string }, request: Request) {
      seen.push(request);
      return { address: this.address, family: "IPv6", port: 4000 };
    },
  };
  assertEquals(await peerSeen((c) => peerAddressFor("bun", c), server, SPOOF), "2001:db8::7");
  assertEquals(seen.length, 1);
  assertEquals(new URL(seen[0]!.url).pathname, "/");
});
