import { createStripeMock } from "../../mock/stripe_mock.ts";
import { serveStripeMock } from "../../mock/serve_mock.ts";
import { spawnServer } from "../_helpers/spawn_server.ts";
import { runConformance } from "./_conformance.ts";

/**
 * Bun ships as an npm package with its binary inside, like Deno here. Find the binary through
 * npx once, then run it directly: stopping npx would leave its Bun child running.
 */
async function bunBinary(): Promise<string> {
  const { stdout, success } = await new Deno.Command("npx", {
    args: ["-y", "bun@1", "-e", "console.log(process.execPath)"],
    stderr: "inherit",
  }).output();
  if (!success) throw new Error("Could not install Bun from npm");
  return new TextDecoder().decode(stdout).trim();
}

Deno.test("conformance on Bun: runtimes/bun.ts on Bun.serve", async (t) => {
  const mock = createStripeMock();
  const controller = new AbortController();
  const stripe = serveStripeMock(mock, { signal: controller.signal });
  const server = await spawnServer(await bunBinary(), ["runtimes/bun.ts"], {
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
