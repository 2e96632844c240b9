import { createStripeMock } from "../../mock/stripe_mock.ts";
import { serveStripeMock } from "../../mock/serve_mock.ts";
import { spawnServer } from "../_helpers/spawn_server.ts";
import { runConformance } from "./_conformance.ts";

Deno.test("conformance on Deno: runtimes/deno.ts over real HTTP", async (t) => {
  const mock = createStripeMock();
  const controller = new AbortController();
  const stripe = serveStripeMock(mock, { signal: controller.signal });
  const server = await spawnServer(Deno.execPath(), ["run", "-A", "runtimes/deno.ts"], {
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
