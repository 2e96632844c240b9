import { runConformanceOverHttp } from "./_conformance.ts";
import { runMockLifecycle, startOnMock } from "./_lifecycle.ts";

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

Deno.test("conformance on Bun: demo/runtimes/bun.ts on Bun.serve", async (t) => {
  await runConformanceOverHttp(t, await bunBinary(), ["demo/runtimes/bun.ts"]);
});

Deno.test("the whole purchase offline on Bun: demo/runtimes/bun.ts on the embedded mock", async (t) => {
  const server = await startOnMock(await bunBinary(), ["demo/runtimes/bun.ts"]);
  try {
    await runMockLifecycle(t, server);
  } finally {
    await server.stop();
  }
});
