/**
 * The npm package as platforms get it: `deno task pack` builds the tarball, and each test is a
 * fresh project outside the repository that installs it with nothing but the npm registry.
 *
 * 1. a Cloudflare Worker bundled by wrangler, run in workerd (Miniflare);
 * 2. a Node project: strict `tsc` of a file using the exported types, then run on
 *    `@hono/node-server`, reaching Stripe (the mock, over HTTP) through `./node`'s undici pool;
 * 3. a Deno project importing every entry point;
 * 4. a frontend: `openapi-typescript` turns the served `/openapi.json` into types, and an
 *    `openapi-fetch` client calls `POST /sessions` in a type-checked script.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { Miniflare } from "miniflare";
import { consumerProject, packedTarball } from "../_helpers/consumer_project.ts";
import { spawnServer } from "../_helpers/spawn_server.ts";
import { createStripeMock } from "../../mock/stripe_mock.ts";

const STRICT_TSCONFIG = JSON.stringify({
  compilerOptions: {
    target: "es2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["es2022", "dom"],
    types: ["node"],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    outDir: "build",
  },
  include: ["*.ts"],
});

// What a platform's own server file looks like: one line of Hono, Stripe reached through the
// package's undici transport (here, the mock served over HTTP by the test).
const NODE_SERVER = `
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import {
  cryptoOnramp,
  type CryptoOnrampOptions,
  type OnSessionUpdated,
  OnrampError,
  type PublicSession,
} from "@onramp/edge";
import { createNodeFetch } from "@onramp/edge/node";

const onSessionUpdated: OnSessionUpdated = (session) => {
  if (session.status === "fulfillment_complete") console.log("credited", session.id);
};
const options: CryptoOnrampOptions = {
  stripeSecretKey: "sk_test_node_consumer",
  stripeApiBase: process.env.STRIPE_API_BASE ?? "",
  fetch: createNodeFetch(),
  webhooks: { secret: "whsec_node_consumer", onSessionUpdated },
  resolveCustomer: (c) => {
    if (c.req.header("x-blocked") !== undefined) {
      throw new OnrampError(403, { type: "invalid_request_error", message: "Blocked" });
    }
    return { metadata: { source: "node-consumer" } };
  },
};
const app = new Hono().route("/onramp", cryptoOnramp(options));
const minted: (session: PublicSession) => string = (session) => session.id;
void minted;
serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, ({ port }) => {
  console.log(\`listening on http://127.0.0.1:\${port}\`);
});
`;

async function mint(baseUrl: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/onramp/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ source_amount: "100", destination_networks: ["ethereum"] }),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("a Cloudflare Worker project bundles the package with wrangler and mints in workerd", async () => {
  const tarball = await packedTarball();
  await using project = await consumerProject("worker");
  await project.install(tarball, "hono", "wrangler@4");
  await project.write({
    "wrangler.toml":
      'name = "consumer"\nmain = "src/index.ts"\ncompatibility_date = "2026-07-01"\n',
    "src/index.ts": `
import { Hono } from "hono";
import { cryptoOnramp } from "@onramp/edge";
import { createStripeMock } from "@onramp/edge/mock";

let app: Hono | undefined;
export default {
  fetch(request: Request, env: unknown, ctx: ExecutionContext) {
    app ??= new Hono().route(
      "/onramp",
      cryptoOnramp({ stripeSecretKey: "sk_test_worker_consumer", fetch: createStripeMock().fetch }),
    );
    return app.fetch(request, env, ctx);
  },
};
interface ExecutionContext { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void }
`,
  });
  await project.run("npx", ["wrangler", "deploy", "--dry-run", "--minify", "--outdir", "out"], {
    WRANGLER_SEND_METRICS: "false",
    CI: "true",
  });
  const script = `${project.dir}/out/index.js`;
  const bytes = await Deno.readFile(script);
  const gzip = await new Response(
    new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")),
  ).arrayBuffer();
  console.log(
    `worker consumer: ${(bytes.byteLength / 1024).toFixed(1)} KB minified, ` +
      `${(gzip.byteLength / 1024).toFixed(1)} KB gzip`,
  );
  const mf = new Miniflare({
    modules: true,
    modulesRoot: `${project.dir}/out`, // module names are relative to it; workerd refuses ".."
    scriptPath: script,
    compatibilityDate: "2026-07-01",
  });
  try {
    const res = await mf.dispatchFetch("http://localhost/onramp/sessions", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.7" },
      body: JSON.stringify({ source_amount: "100", destination_networks: ["ethereum"] }),
    });
    const body = await res.json() as Record<string, unknown>;
    assertEquals(res.status, 200, JSON.stringify(body));
    assertMatch(String(body.id), /^cos_/);
    assertMatch(String(body.client_secret), /^cos_.+_secret_/);
  } finally {
    await mf.dispose();
  }
});

Deno.test("a Node project type-checks strictly against the package and serves on @hono/node-server", async () => {
  const tarball = await packedTarball();
  await using project = await consumerProject("node");
  await project.install(
    tarball,
    "hono",
    "@hono/node-server",
    "typescript@~5.9.3",
    "@types/node@22",
  );
  await project.write({ "tsconfig.json": STRICT_TSCONFIG, "server.ts": NODE_SERVER });
  await project.run("npx", ["tsc", "--noEmit"]);
  // A wrong option must fail to compile: the types are real, not `any`.
  await project.write({
    "wrong.ts": `import { cryptoOnramp } from "@onramp/edge";
// @ts-expect-error timeoutMs takes milliseconds as a number
cryptoOnramp({ stripeSecretKey: "sk_test_x", timeoutMs: "10s" });
`,
  });
  await project.run("npx", ["tsc"]);
  // Stripe, over HTTP: the mock, noting who calls (Node's fetch names itself; undici's
  // dispatcher, which `createNodeFetch()` drives, sends no User-Agent).
  const mock = createStripeMock();
  const agents: string[] = [];
  const stripe = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (request) => {
    agents.push(request.headers.get("user-agent") ?? "none");
    return mock.fetch(request);
  });
  const server = await spawnServer("node", [`${project.dir}/build/server.js`], {
    STRIPE_API_BASE: `http://127.0.0.1:${stripe.addr.port}`,
  }).catch(async (error) => {
    await stripe.shutdown();
    throw error;
  });
  try {
    const { status, body } = await mint(server.url);
    assertEquals(status, 200, JSON.stringify(body));
    assertMatch(String(body.id), /^cos_/);
    assertEquals(agents, ["none"]);
    const refused = await fetch(`${server.url}/onramp/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-blocked": "1" },
      body: "{}",
    });
    assertEquals(refused.status, 403);
    assertEquals((await refused.json()).error.message, "Blocked");
  } finally {
    await server.stop();
    await stripe.shutdown();
  }
});

Deno.test("a Deno project imports every entry point of the npm package", async () => {
  const tarball = await packedTarball();
  await using project = await consumerProject("deno");
  await project.install(tarball, "hono");
  await project.write({
    "deno.json": JSON.stringify({ nodeModulesDir: "manual", unstable: ["kv"] }),
    "main.ts": `
import { Hono } from "hono";
import { cryptoOnramp, createOnrampClient } from "@onramp/edge";
import { createDenoKvEventStore, createDenoKvStore } from "@onramp/edge/deno-kv";
import { createDurableObjectStore, RateLimiterDurableObject, WebhookEventsDurableObject } from "@onramp/edge/durable-object";
import { createStripeMock } from "@onramp/edge/mock";
import { createNodeFetch } from "@onramp/edge/node";

const kv = await Deno.openKv(":memory:");
const mock = createStripeMock();
const app = new Hono().route("/onramp", cryptoOnramp({
  stripeSecretKey: "sk_test_deno_consumer",
  fetch: mock.fetch,
  rateLimit: { limit: 5, windowMs: 60_000, store: createDenoKvStore(kv) },
  webhooks: { secret: "whsec_deno_consumer", onSessionUpdated: () => {}, store: createDenoKvEventStore(kv) },
}));
const res = await app.request("/onramp/sessions", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ source_amount: "100", destination_networks: ["ethereum"] }),
}, { remoteAddr: { hostname: "198.51.100.9", port: 1, transport: "tcp" } });
const session = await res.json();
const client = createOnrampClient({ secretKey: "sk_test_deno_consumer", fetch: mock.fetch });
const again = await client.retrieveSession(session.id);
console.log(JSON.stringify({
  status: res.status,
  id: again.id,
  limit: res.headers.get("ratelimit-remaining"),
  durableObjects: [typeof createDurableObjectStore, typeof RateLimiterDurableObject, typeof WebhookEventsDurableObject],
  node: typeof createNodeFetch,
}));
kv.close();
`,
  });
  await project.run(Deno.execPath(), ["check", "main.ts"]);
  const printed = JSON.parse(await project.run(Deno.execPath(), ["run", "-A", "main.ts"]));
  assertEquals(printed.status, 200);
  assertMatch(printed.id, /^cos_/);
  assertEquals(printed.limit, "4");
  assertEquals(printed.durableObjects, ["function", "function", "function"]);
  assertEquals(printed.node, "function");
});

Deno.test("a frontend types its calls from the served /openapi.json and mints with openapi-fetch", async () => {
  const tarball = await packedTarball();
  await using backend = await consumerProject("backend");
  await backend.install(tarball, "hono", "@hono/node-server");
  await backend.write({
    "server.js": `
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { cryptoOnramp } from "@onramp/edge";
import { createStripeMock } from "@onramp/edge/mock";

const app = new Hono().route(
  "/onramp",
  cryptoOnramp({ stripeSecretKey: "sk_test_backend", fetch: createStripeMock().fetch }),
);
serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, ({ port }) => {
  console.log(\`listening on http://127.0.0.1:\${port}\`);
});
`,
  });
  const server = await spawnServer("node", [`${backend.dir}/server.js`], {});
  try {
    await using frontend = await consumerProject("frontend");
    await frontend.install(
      "openapi-typescript@7",
      "openapi-fetch@0.17",
      "typescript@~5.9.3",
      "@types/node@22",
    );
    await frontend.run("npx", [
      "openapi-typescript",
      `${server.url}/onramp/openapi.json`,
      "-o",
      "api.d.ts",
    ]);
    await frontend.write({
      "tsconfig.json": STRICT_TSCONFIG,
      "buy.ts": `
import createClient from "openapi-fetch";
import type { paths } from "./api.d.ts";

const client = createClient<paths>({ baseUrl: process.argv[2] ?? "http://localhost:8000/onramp" });
const { data, error } = await client.POST("/sessions", {
  body: { source_amount: "100", destination_networks: ["ethereum", "base"] },
  headers: { "idempotency-key": "checkout-42" },
});
if (error !== undefined) throw new Error(error.error.message);
const secret: string | undefined = data.client_secret;
console.log(JSON.stringify({ id: data.id, status: data.status, secret }));

// The types come from the served document: these must not compile.
// @ts-expect-error an unknown network
void client.POST("/sessions", { body: { destination_networks: ["dogecoin"] } });
// @ts-expect-error an unknown route
void client.GET("/payouts");
`,
    });
    await frontend.run("npx", ["tsc", "--noEmit"]);
    await frontend.run("npx", ["tsc"]);
    const printed = JSON.parse(
      await frontend.run("node", ["build/buy.js", `${server.url}/onramp`]),
    );
    assertMatch(printed.id, /^cos_/);
    assertEquals(printed.status, "initialized");
    assert(String(printed.secret).includes("_secret_"));
  } finally {
    await server.stop();
  }
});
