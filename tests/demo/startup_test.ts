/**
 * A misconfigured server says so when it starts, naming the setting or the permission, instead
 * of answering customers with a retried 502 "Stripe unreachable".
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { bundle } from "../../dev/bundle.ts";

const ENTRY = new URL("../../demo/runtimes/deno.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const KEYED = {
  STRIPE_SECRET_KEY: "sk_test_StartupChecksKey",
  STRIPE_WEBHOOK_SECRET: "whsec_startup_checks",
  PORT: "0",
  HOSTNAME: "127.0.0.1",
};

function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function start(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    env: { NO_COLOR: "1", ...env },
    clearEnv: true,
  }).output();
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  return { code, output };
}

const denoRun = (...permissions: string[]) => [
  "run",
  "--no-prompt",
  "--config",
  CONFIG,
  ...permissions,
  ENTRY,
];

Deno.test("the Deno entry without --allow-env says which flag it needs", async () => {
  const { code, output } = await start(Deno.execPath(), denoRun("--allow-net"), KEYED);
  assertEquals(code, 1, output);
  assertMatch(output, /may not read STRIPE_[A-Z_]+: run it with --allow-env/);
});

Deno.test("the Deno entry with a key but no --allow-net for Stripe's host names the host", async () => {
  const { code, output } = await start(
    Deno.execPath(),
    denoRun("--allow-env", "--allow-net=127.0.0.1"),
    KEYED,
  );
  assertEquals(code, 1, output);
  assertStringIncludes(output, "may not connect to api.stripe.com: run it with --allow-net");
  assert(!output.includes(KEYED.STRIPE_SECRET_KEY), "the key is never printed");
});

Deno.test("the Deno entry refuses an unreachable STRIPE_API_BASE at start-up", async () => {
  const base = `http://127.0.0.1:${closedPort()}`;
  const { code, output } = await start(Deno.execPath(), denoRun("--allow-env", "--allow-net"), {
    ...KEYED,
    STRIPE_API_BASE: base,
  });
  assertEquals(code, 1, output);
  assertStringIncludes(output, `'STRIPE_API_BASE' (${base}) cannot be reached`);
  assert(!output.includes(KEYED.STRIPE_SECRET_KEY), "the key is never printed");
});

Deno.test("the Node entry refuses an unreachable STRIPE_API_BASE at start-up", async () => {
  const { outfile } = await bundle("node");
  const base = `http://127.0.0.1:${closedPort()}`;
  const { code, output } = await start("node", [outfile], {
    ...KEYED,
    PATH: Deno.env.get("PATH") ?? "",
    STRIPE_API_BASE: base,
  });
  assertEquals(code, 1, output);
  assertStringIncludes(output, `'STRIPE_API_BASE' (${base}) cannot be reached`);
});
