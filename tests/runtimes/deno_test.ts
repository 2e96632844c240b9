import { runConformanceOverHttp } from "./_conformance.ts";

Deno.test("conformance on Deno: demo/runtimes/deno.ts over real HTTP", async (t) => {
  await runConformanceOverHttp(t, Deno.execPath(), ["run", "-A", "demo/runtimes/deno.ts"]);
});
