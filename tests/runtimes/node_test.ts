import { createStripeMock } from "../../mock/stripe_mock.ts";
import { serveStripeMock } from "../../mock/serve_mock.ts";
import { bundle } from "../../tools/bundle.ts";
import { spawnServer } from "../_helpers/spawn_server.ts";
import { runConformance } from "./_conformance.ts";

Deno.test("conformance on Node: the bundled runtimes/node.ts on @hono/node-server", async (t) => {
  const { outfile } = await bundle("node");
  const mock = createStripeMock();
  const controller = new AbortController();
  const stripe = serveStripeMock(mock, { signal: controller.signal });
  const server = await spawnServer("node", [outfile], {
    STRIPE_SECRET_KEY: "sk_test_conformance",
    STRIPE_API_BASE: stripe.url,
    PORT: "0",
    HOSTNAME: "127.0.0.1",
  });
  try {
    await runConformance(t, {
      send: (path, init) => fetch(server.url + path, init),
      expectedIp: "127.0.0.1",
      mock,
    });
  } finally {
    await server.stop();
    controller.abort();
    await stripe.finished;
  }
});
