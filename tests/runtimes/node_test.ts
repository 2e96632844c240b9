import { bundle } from "../../dev/bundle.ts";
import { runConformanceOverHttp } from "./_conformance.ts";
import { runMockLifecycle, startOnMock } from "./_lifecycle.ts";

Deno.test("conformance on Node: the bundled demo/runtimes/node.ts on @hono/node-server", async (t) => {
  const { outfile } = await bundle("node");
  await runConformanceOverHttp(t, "node", [outfile]);
});

Deno.test("the whole purchase offline on Node: the bundled demo/runtimes/node.ts on the embedded mock", async (t) => {
  const { outfile } = await bundle("node");
  const server = await startOnMock("node", [outfile]);
  try {
    await runMockLifecycle(t, server);
  } finally {
    await server.stop();
  }
});
