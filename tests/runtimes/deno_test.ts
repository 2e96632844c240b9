import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { bundle } from "../../dev/bundle.ts";
import { spawnServer } from "../_helpers/spawn_server.ts";
import { runConformanceOverHttp } from "./_conformance.ts";
import { runMockLifecycle, startOnMock } from "./_lifecycle.ts";

const DENO_ENTRY = ["run", "-A", "demo/runtimes/deno.ts"];

Deno.test("conformance on Deno: demo/runtimes/deno.ts over real HTTP", async (t) => {
  await runConformanceOverHttp(t, Deno.execPath(), DENO_ENTRY);
});

Deno.test("the whole purchase offline on Deno: demo/runtimes/deno.ts on the embedded mock", async (t) => {
  const server = await startOnMock(Deno.execPath(), DENO_ENTRY);
  try {
    await runMockLifecycle(t, server);
  } finally {
    await server.stop();
  }
});

Deno.test("conformance on Deno: the bundled demo/runtimes/deno.ts (deno task bundle:deno) over real HTTP", async (t) => {
  const { outfile } = await bundle("deno");
  await runConformanceOverHttp(t, Deno.execPath(), ["run", "--allow-net", "--allow-env", outfile]);
});

Deno.test("the whole purchase offline on Deno: the bundled demo/runtimes/deno.ts on the embedded mock", async (t) => {
  const { outfile } = await bundle("deno");
  const server = await startOnMock(Deno.execPath(), ["run", "--allow-net", "--allow-env", outfile]);
  try {
    await runMockLifecycle(t, server);
  } finally {
    await server.stop();
  }
});

Deno.test("demo/runtimes/deno.ts refuses to start with a key and no STRIPE_WEBHOOK_SECRET", async () => {
  const error = await assertRejects(() =>
    spawnServer(Deno.execPath(), DENO_ENTRY, {
      STRIPE_SECRET_KEY: "sk_test_no_webhook_secret",
      STRIPE_WEBHOOK_SECRET: "",
      PORT: "0",
      HOSTNAME: "127.0.0.1",
    })
  );
  assertStringIncludes(error.message, "exited with 1 before listening");
  assertStringIncludes(error.message, "'STRIPE_WEBHOOK_SECRET' must be set with STRIPE_SECRET_KEY");
  assertEquals(error.message.includes("sk_test_no_webhook_secret"), false);
});
