/**
 * Every Quick start of the README runs as written: each code block that opens with its file
 * name (`// main.ts`, `# wrangler.toml`) is written into a fresh project outside the
 * repository that installs the packed npm package, and run with the command the README gives.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { Miniflare } from "miniflare";
import { createStripeMock } from "../mock/stripe_mock.ts";
import { consumerProject, packedTarball } from "./_helpers/consumer_project.ts";

const README = await Deno.readTextFile(new URL("../README.md", import.meta.url));
const QUICK_START = README.slice(
  README.indexOf("## Quick start"),
  README.indexOf("\n## ", README.indexOf("## Quick start") + 3),
);

// `file name → text` of every block of the Quick start that names its file on its first line.
const FILES: Record<string, string> = Object.fromEntries(
  [...QUICK_START.matchAll(/```\w+(?: ignore)?\n(?:\/\/|#) ([\w./]+)\n([\s\S]*?)```/g)]
    .map((match) => [match[1]!, match[2]!]),
);

function quickStart(...names: string[]): Record<string, string> {
  for (const name of names) assert(FILES[name] !== undefined, `the README has no ${name}`);
  return Object.fromEntries(names.map((name) => [name, FILES[name]!]));
}

function documents(command: string): void {
  assert(QUICK_START.includes(command), `the README documents: ${command}`);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitForServer(url: string, process: Deno.ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  let exited = false;
  process.status.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`The quick start did not serve ${url}`);
}

/** What every quick start must do with no Stripe to talk to: document, validate, never crash. */
async function checkServer(base: string): Promise<void> {
  const document = await fetch(`${base}/onramp/openapi.json`);
  assertEquals(document.status, 200);
  assertEquals((await document.json()).openapi, "3.1.0");
  const invalid = await fetch(`${base}/onramp/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ destination_amount: "0.1", destination_currency: "eth" }),
  });
  assertEquals(invalid.status, 400);
  assertEquals((await invalid.json()).error.param, "destination_network");
  // api.stripe.com is out of reach here: a Stripe-shaped upstream fault, never a crash.
  const valid = await fetch(`${base}/onramp/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ source_amount: "100", destination_networks: ["ethereum"] }),
  });
  assert([502, 504].includes(valid.status), `status ${valid.status}`);
  assertEquals((await valid.json()).error.type, "api_error");
}

async function serveAndCheck(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  base: string,
): Promise<void> {
  const process = new Deno.Command(command, {
    args,
    cwd,
    env: { NO_COLOR: "1", STRIPE_SECRET_KEY: "sk_test_quick_start_key", ...env },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    await waitForServer(`${base}/onramp/openapi.json`, process);
    await checkServer(base);
  } finally {
    try {
      process.kill("SIGTERM");
    } catch { /* exited */ }
    const { stderr } = await process.output();
    assert(
      !new TextDecoder().decode(stderr).includes("sk_test_quick_start_key"),
      "the key is never printed",
    );
  }
}

Deno.test("the README's Deno and Deno Deploy quick start serves with the permissions it states", async () => {
  const tarball = await packedTarball();
  await using project = await consumerProject("readme_deno");
  await project.install(tarball, "hono");
  await project.write({ ...quickStart("main.ts"), "deno.json": '{ "nodeModulesDir": "manual" }' });
  const command = "deno serve --allow-net --allow-env=STRIPE_SECRET_KEY main.ts";
  documents(command);
  const port = freePort();
  const [, ...args] = command.split(" ");
  await serveAndCheck(
    Deno.execPath(),
    [...args.slice(0, -1), `--port=${port}`, "main.ts"],
    project.dir,
    {},
    `http://127.0.0.1:${port}`,
  );
});

Deno.test("the README's Node.js quick start serves on @hono/node-server", async () => {
  const tarball = await packedTarball();
  await using project = await consumerProject("readme_node");
  await project.install(tarball, "hono", "@hono/node-server");
  await project.write(quickStart("server.mjs"));
  documents("STRIPE_SECRET_KEY=sk_test_… node server.mjs");
  const port = freePort();
  await serveAndCheck(
    "node",
    ["server.mjs"],
    project.dir,
    { PORT: String(port) },
    `http://127.0.0.1:${port}`,
  );
});

Deno.test("the README's Bun quick start serves on Bun", async () => {
  const tarball = await packedTarball();
  await using project = await consumerProject("readme_bun");
  await project.install(tarball, "hono", "bun@1");
  await project.write(quickStart("server.ts"));
  documents("STRIPE_SECRET_KEY=sk_test_… bun server.ts");
  const port = freePort();
  await serveAndCheck(
    `${project.dir}/node_modules/.bin/bun`,
    ["server.ts"],
    project.dir,
    { PORT: String(port) },
    `http://127.0.0.1:${port}`,
  );
});

Deno.test("the README's Cloudflare Workers quick start bundles with wrangler and mints in workerd", async () => {
  const tarball = await packedTarball();
  await using project = await consumerProject("readme_workers");
  await project.install(tarball, "hono", "wrangler@4");
  await project.write(quickStart("src/index.ts", "wrangler.toml"));
  await project.run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "out"], {
    WRANGLER_SEND_METRICS: "false",
    CI: "true",
  });
  const mock = createStripeMock();
  const mf = new Miniflare({
    modules: true,
    modulesRoot: `${project.dir}/out`,
    scriptPath: `${project.dir}/out/index.js`,
    compatibilityDate: "2026-07-01",
    bindings: { STRIPE_SECRET_KEY: "sk_test_quick_start_key" },
    // Every fetch the Worker makes lands here: Stripe is the in-process mock.
    outboundService: (request: unknown) => mock.fetch(request as Request) as never,
  });
  try {
    const res = await mf.dispatchFetch("http://localhost/onramp/sessions", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.8" },
      body: JSON.stringify({ source_amount: "100", destination_networks: ["ethereum"] }),
    });
    const body = await res.json() as Record<string, unknown>;
    assertEquals(res.status, 200, JSON.stringify(body));
    assertMatch(String(body.id), /^cos_/);
    assertEquals(mock.sessions()[0]?.received_customer_ip_address, "198.51.100.8");
  } finally {
    await mf.dispose();
  }
});
