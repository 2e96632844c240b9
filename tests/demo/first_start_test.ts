/**
 * `deno task start` on a fresh machine: it must fetch what the server loads and nothing of the
 * dev tools (workerd, esbuild, stripe, playwright…), from `demo/deno.lock`, which must stay the
 * part of `deno.lock` the demo reaches.
 */
import { assert, assertEquals } from "@std/assert";
import { spawnServer } from "../_helpers/spawn_server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("demo/deno.lock is the part of deno.lock the demo server reaches", async () => {
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "dev/demo_lock.ts", "--check"],
    cwd: ROOT,
  }).output();
  assert(success, new TextDecoder().decode(stderr));
});

Deno.test("deno task start on an empty cache fetches only the demo's packages", async () => {
  const cache = await Deno.makeTempDir({ prefix: "onramp_first_start_" });
  try {
    const server = await spawnServer(Deno.execPath(), ["task", "start"], {
      DENO_DIR: cache,
      PORT: "0",
      HOSTNAME: "127.0.0.1",
      STRIPE_SECRET_KEY: "",
    }, 120_000);
    try {
      const res = await fetch(`${server.url}/onramp/openapi.json`);
      assertEquals(res.status, 200);
      await res.body?.cancel();
    } finally {
      await server.stop();
    }
    const locked = Object.keys(
      JSON.parse(await Deno.readTextFile(`${ROOT}demo/deno.lock`)).npm,
    ).map((id) => id.slice(0, id.indexOf("@", 1)));
    const fetched: string[] = [];
    const registry = `${cache}/npm/registry.npmjs.org`;
    for await (const entry of Deno.readDir(registry)) {
      if (!entry.name.startsWith("@")) fetched.push(entry.name);
      else {
        for await (const scoped of Deno.readDir(`${registry}/${entry.name}`)) {
          fetched.push(`${entry.name}/${scoped.name}`);
        }
      }
    }
    const extra = fetched.filter((name) => !locked.includes(name));
    assertEquals(extra, [], "packages fetched that the demo does not need");
    assert(fetched.length <= 12, `a light first start: ${fetched.length} packages`);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
