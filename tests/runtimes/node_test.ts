import { bundle } from "../../dev/bundle.ts";
import { runConformanceOverHttp } from "./_conformance.ts";

Deno.test("conformance on Node: the bundled demo/runtimes/node.ts on @hono/node-server", async (t) => {
  const { outfile } = await bundle("node");
  await runConformanceOverHttp(t, "node", [outfile]);
});
