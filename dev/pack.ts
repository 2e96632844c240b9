/**
 * Builds the npm package and packs it: `deno task pack`. The last line printed is the tarball's
 * path.
 *
 * - JavaScript: esbuild bundles each entry point (`.`, `./deno-kv`, `./durable-object`,
 *   `./mock`) to ESM, with the chunks they share split out and every package left external,
 *   so a platform's bundler resolves hono and the rest once, from its own `node_modules`.
 * - Types: `tsc` emits a `.d.ts` per source file, with the relative `.ts` imports rewritten to
 *   `.js`.
 * - `package.json`: the same entry points in an `exports` map, `hono` as a peer dependency, the
 *   other runtime packages as dependencies at the versions `deno.json` pins.
 *
 * @module
 */
import * as esbuild from "esbuild";

const ROOT = new URL("../", import.meta.url).pathname;
const OUT = `${ROOT}dist/npm`;

/** The package's entry points: subpath → source file (the same as `deno.json`'s `exports`). */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  ".": "mod.ts",
  "./deno-kv": "stores/deno_kv.ts",
  "./durable-object": "stores/durable_object.ts",
  "./mock": "mock/stripe_mock.ts",
  "./node": "transports/node.ts",
};

// The packages of the library: hono is the platform's own (a peer), the rest are ours
// (openapi3-ts for the OpenAPI document's types only: nothing of it runs; undici for the `./node`
// entry only, which nothing else imports).
const PEERS = ["hono"];
const DEPENDENCIES = ["zod", "openapi-fetch", "openapi3-ts", "undici"];

interface DenoConfig {
  name: string;
  publish?: { include?: string[] };
  version: string;
  license: string;
  imports: Record<string, string>;
}

// "npm:zod@~4.1.13" → "~4.1.13"
function rangeOf(config: DenoConfig, name: string): string {
  const specifier = config.imports[name];
  const match = specifier?.match(/^npm:(?:@[^/]+\/)?[^@]+@(.+)$/);
  if (match === null || match === undefined) {
    throw new Error(`Cannot pack as deno.json imports no npm version of ${name}`);
  }
  return match[1]!;
}

const fileOf = (subpath: string) => subpath === "." ? "mod" : subpath.slice(2).replace("-", "_");

async function run(command: string, args: string[], cwd = ROOT): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(command, { args, cwd }).output();
  const text = new TextDecoder().decode(stdout);
  if (!success) {
    throw new Error(
      `${command} ${args.join(" ")} failed:\n${text}${new TextDecoder().decode(stderr)}`,
    );
  }
  return text;
}

async function bundleJavaScript(): Promise<void> {
  try {
    await esbuild.build({
      entryPoints: Object.fromEntries(
        Object.entries(ENTRY_POINTS).map(([subpath, file]) => [fileOf(subpath), `${ROOT}${file}`]),
      ),
      outdir: `${OUT}/esm`,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      packages: "external",
      chunkNames: "_chunks/[name]-[hash]",
      legalComments: "none",
      logLevel: "error",
    });
  } finally {
    await esbuild.stop();
  }
}

// The library's files, as `deno.json` publishes them.
async function libraryFiles(config: DenoConfig): Promise<string[]> {
  const include = config.publish?.include ?? [];
  const files: string[] = [];
  for (const entry of include) {
    if (!entry.endsWith("/")) {
      if (entry.endsWith(".ts")) files.push(entry);
      continue;
    }
    for await (const file of walk(`${ROOT}${entry}`)) files.push(file.slice(ROOT.length));
  }
  return files;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) yield* walk(`${path}/`);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

// Declarations are emitted against the dependencies as npm installs them for a platform (one
// flat node_modules), not against Deno's package store, whose paths a .d.ts cannot name.
async function emitTypes(config: DenoConfig): Promise<void> {
  const stage = `${OUT}/.types-build`;
  await Deno.mkdir(stage, { recursive: true });
  try {
    for (const file of await libraryFiles(config)) {
      await Deno.mkdir(`${stage}/${file.slice(0, file.lastIndexOf("/") + 1)}`, { recursive: true });
      await Deno.copyFile(`${ROOT}${file}`, `${stage}/${file}`);
    }
    const dependencies = Object.fromEntries(
      [...PEERS, ...DEPENDENCIES, "typescript", "@types/node"].map((
        name,
      ) => [name, rangeOf(config, name)]),
    );
    await Deno.writeTextFile(
      `${stage}/package.json`,
      JSON.stringify({ private: true, dependencies }),
    );
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], stage);
    // Deno's own declarations (its web globals, and `Deno.Kv` for the Deno KV stores); read,
    // never emitted, alongside the DOM's.
    const declarations = await run(Deno.execPath(), ["types"]);
    await Deno.writeTextFile(
      `${stage}/lib.deno.d.ts`,
      declarations.replaceAll('/// <reference no-default-lib="true" />', ""),
    );
    const tsconfig = {
      compilerOptions: {
        target: "es2022",
        module: "esnext",
        moduleResolution: "bundler",
        lib: ["es2022", "dom", "dom.iterable"],
        // Node's, for the `./node` entry's `node:*` imports.
        types: ["node"],
        strict: true,
        skipLibCheck: true,
        declaration: true,
        emitDeclarationOnly: true,
        allowImportingTsExtensions: true,
        rewriteRelativeImportExtensions: true,
        rootDir: stage,
        outDir: `${OUT}/types`,
      },
      files: [...Object.values(ENTRY_POINTS), "lib.deno.d.ts"],
    };
    await Deno.writeTextFile(`${stage}/tsconfig.json`, JSON.stringify(tsconfig, null, 2));
    await run(`${stage}/node_modules/.bin/tsc`, ["-p", "tsconfig.json"], stage);
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}

function packageJson(config: DenoConfig): Record<string, unknown> {
  const exports = Object.fromEntries(
    Object.entries(ENTRY_POINTS).map(([subpath, file]) => [subpath, {
      types: `./types/${file.replace(/\.ts$/, ".d.ts")}`,
      default: `./esm/${fileOf(subpath)}.js`,
    }]),
  );
  return {
    name: config.name,
    version: config.version,
    description: "Stripe's fiat-to-crypto onramp for any platform, as Hono middleware: " +
      "sessions, validation, webhooks, OpenAPI docs and a local Stripe stand-in.",
    license: config.license,
    type: "module",
    exports,
    types: exports["."]!.types,
    sideEffects: false,
    engines: { node: ">=20" },
    files: ["esm", "types", "README.md", "LICENSE", "CHANGELOG.md"],
    keywords: [
      "stripe",
      "crypto",
      "onramp",
      "hono",
      "middleware",
      "openapi",
      "cloudflare-workers",
      "deno",
    ],
    peerDependencies: Object.fromEntries(PEERS.map((name) => [name, rangeOf(config, name)])),
    dependencies: Object.fromEntries(DEPENDENCIES.map((name) => [name, rangeOf(config, name)])),
  };
}

/**
 * Builds `dist/npm/` and packs it with `npm pack`.
 *
 * @returns The tarball's absolute path.
 */
export async function pack(): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as DenoConfig;
  await Deno.remove(OUT, { recursive: true }).catch(() => {});
  await Deno.mkdir(OUT, { recursive: true });
  await bundleJavaScript();
  await emitTypes(config);
  await Deno.writeTextFile(
    `${OUT}/package.json`,
    JSON.stringify(packageJson(config), null, 2) + "\n",
  );
  for (const file of ["README.md", "LICENSE", "CHANGELOG.md"]) {
    await Deno.copyFile(`${ROOT}${file}`, `${OUT}/${file}`);
  }
  const packed = JSON.parse(
    await run("npm", ["pack", "--json", "--pack-destination", `${ROOT}dist`], OUT),
  );
  return `${ROOT}dist/${packed[0].filename}`;
}

if (import.meta.main) console.log(await pack());
