/**
 * Writes `demo/deno.lock`: the part of `deno.lock` that the demo server needs, and nothing of
 * the dev tools. `deno task start` runs with it (`--lock=demo/deno.lock --frozen`, no
 * `node_modules`), so a fresh machine fetches only the packages the server loads, at the very
 * versions the tests ran with. Deno installs every package a lockfile lists, so the tools'
 * packages must stay out of this one.
 *
 * Usage: `deno task lock:demo` after changing a dependency; `--check` fails when the file on
 * disk differs from what it would write (the tests run that).
 *
 * @module
 */

/** Deno's lockfile, version 5: the members this script reads and writes. */
interface Lockfile {
  version: string;
  specifiers?: Record<string, string>;
  npm?: Record<string, { dependencies?: string[] } & Record<string, unknown>>;
  workspace?: unknown;
  [member: string]: unknown;
}

const ROOT = new URL("../", import.meta.url);
const ENTRY = "demo/runtimes/deno.ts";
const OUT = new URL("demo/deno.lock", ROOT);

// "@hono/node-server@2.1.9_hono@4.13.19" → "@hono/node-server": the version's "@" is the first
// one after the scope's.
const nameOf = (id: string) => id.slice(0, id.indexOf("@", 1));
// "…@1.6.3_hono@4.13.19" → "…@1.6.3": versions hold no "_", peer suffixes start with one.
const withoutPeers = (id: string) =>
  `${nameOf(id)}@${id.slice(id.indexOf("@", 1) + 1).split("_")[0]}`;

// A lockfile names a dependency by name alone when one version of it is locked, and by its id
// (`name@version`, peers and all) when several are.
function idOf(dependency: string, ids: readonly string[]): string {
  if (ids.includes(dependency)) return dependency;
  const matches = ids.filter((id) => nameOf(id) === dependency);
  if (matches.length !== 1) {
    throw new Error(`Cannot tell which locked package "${dependency}" is: ${matches.join(", ")}`);
  }
  return matches[0]!;
}

// The npm packages the demo's module graph imports, and everything they depend on, as ids of
// the root lockfile (`@hono/node-server@2.1.9_hono@4.13.19`).
async function demoPackages(root: Lockfile): Promise<Set<string>> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--node-modules-dir=none", "--lock=deno.lock", "--frozen", ENTRY],
    cwd: ROOT,
  }).output();
  if (!success) {
    throw new Error(`Cannot read the demo's module graph:\n${new TextDecoder().decode(stderr)}`);
  }
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { specifier: string }[];
  };
  const ids = Object.keys(root.npm ?? {});
  // "npm:/@hono/node-server@2.1.9/sub/path" → "@hono/node-server@2.1.9"
  const imported = new Set(
    info.modules.map(({ specifier }) => /^npm:\/((?:@[^/]+\/)?[^/@]+@[^/]+)/.exec(specifier)?.[1])
      .filter((name) => name !== undefined),
  );
  const pending = ids.filter((id) => imported.has(withoutPeers(id)));
  const closure = new Set<string>();
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (closure.has(id)) continue;
    closure.add(id);
    pending.push(
      ...(root.npm?.[id]?.dependencies ?? []).map((dependency) => idOf(dependency, ids)),
    );
  }
  return closure;
}

/**
 * The demo's lockfile: the root lockfile's entries for the packages the demo graph reaches.
 *
 * @param root The root lockfile.
 * @param packages The npm package ids the demo reaches, with their dependencies.
 * @returns The demo's lockfile.
 */
export function demoLockfile(root: Lockfile, packages: ReadonlySet<string>): Lockfile {
  const npm = Object.fromEntries(
    Object.entries(root.npm ?? {}).filter(([id]) => packages.has(id)),
  );
  // "npm:zod@~4.1.13" → "4.1.13": kept when "zod@4.1.13" (peer suffix and all) is used.
  const specifiers = Object.fromEntries(
    Object.entries(root.specifiers ?? {}).filter(([specifier, version]) =>
      specifier.startsWith("npm:") && packages.has(`${nameOf(specifier.slice(4))}@${version}`)
    ),
  );
  return { version: root.version, specifiers, npm, workspace: root.workspace };
}

if (import.meta.main) {
  const root = JSON.parse(await Deno.readTextFile(new URL("deno.lock", ROOT))) as Lockfile;
  const text = JSON.stringify(demoLockfile(root, await demoPackages(root)), null, 2) + "\n";
  if (Deno.args.includes("--check")) {
    const current = await Deno.readTextFile(OUT).catch(() => "");
    if (current !== text) {
      console.error("demo/deno.lock is out of date: run `deno task lock:demo`");
      Deno.exit(1);
    }
  } else {
    await Deno.writeTextFile(OUT, text);
    console.log(`Wrote demo/deno.lock: ${Object.keys(JSON.parse(text).npm).length} packages`);
  }
}
