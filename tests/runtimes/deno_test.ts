import { runConformanceOverHttp } from "./_conformance.ts";

Deno.test("conformance on Deno: runtimes/deno.ts over real HTTP", async (t) => {
  await runConformanceOverHttp(t, Deno.execPath(), ["run", "-A", "runtimes/deno.ts"]);
});
