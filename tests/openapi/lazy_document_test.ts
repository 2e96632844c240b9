import { assert, assertEquals } from "@std/assert";
import { Hono } from "hono";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { registerDocs } from "../../routes/docs.ts";
import type { OnrampEnv } from "../../ip/customer_ip.ts";
import { SECRET_KEY } from "../_helpers/onramp_app.ts";

interface Dependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface ModuleInfo {
  specifier: string;
  dependencies?: Dependency[];
}

// The modules a process loads before it runs anything, from each entry point: every static
// `import` that brings code (type-only imports and dynamic `import()`s left out).
async function staticGraph(entry: string): Promise<Set<string>> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: new URL("../../", import.meta.url).pathname,
  }).output();
  assert(success, `deno info ${entry} failed`);
  const { modules } = JSON.parse(new TextDecoder().decode(stdout)) as { modules: ModuleInfo[] };
  const bySpecifier = new Map(modules.map((module) => [module.specifier, module]));
  const reached = new Set<string>();
  const visit = (specifier: string) => {
    if (reached.has(specifier)) return;
    reached.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.code !== undefined && !dependency.isDynamic) visit(dependency.code.specifier);
    }
  };
  visit(modules.find((module) => module.specifier.endsWith(entry))!.specifier);
  return reached;
}

Deno.test("the OpenAPI document's modules are not loaded at start-up, from any entry point", async () => {
  for (const entry of ["mod.ts", "demo/runtimes/deno.ts", "demo/runtimes/workers.ts"]) {
    const graph = await staticGraph(entry);
    assert(
      [...graph].some((specifier) => specifier.endsWith("/routes/docs.ts")),
      `${entry} does not load routes/docs.ts: the test no longer follows the graph`,
    );
    const eager = [...graph].filter((specifier) => specifier.includes("/openapi/"));
    assertEquals(eager, [], `${entry} loads the document's modules at start-up`);
  }
});

Deno.test("cryptoOnramp() serves one document to concurrent first requests and to later ones", async () => {
  const app = new Hono().route("/onramp", cryptoOnramp({ stripeSecretKey: SECRET_KEY }));
  const [first, second] = await Promise.all([
    app.request("/onramp/openapi.json"),
    app.request("/onramp/docs"),
  ]);
  assertEquals([first.status, second.status], [200, 200]);
  const again = await app.request("/onramp/openapi.json");
  assertEquals(await again.json(), await first.json());
});

Deno.test("registerDocs() tries a failed build again only after a pause, not on every request", async () => {
  let builds = 0;
  const app = new Hono<OnrampEnv>();
  app.onError((_error, c) =>
    c.json({ error: { type: "api_error", message: "Internal error" } }, 500)
  );
  registerDocs(app, () => {
    builds++;
    throw new Error("a build that fails");
  });
  for (let request = 0; request < 5; request++) {
    assertEquals((await app.request("/openapi.json")).status, 500);
    assertEquals((await app.request("/docs")).status, 500);
  }
  assertEquals(builds, 1);
});
