/**
 * Bundles a runtime entry with esbuild (tree-shaken) and reports its size, raw and gzip. The
 * Worker bundle's size decides cold starts on Cloudflare Workers; the Deno bundle answers its
 * first session about a quarter sooner than the same entry run from its sources, which load about
 * 200 modules, zod's 48 locales among them.
 *
 * Usage: `deno task bundle` (the Worker), `deno task bundle:deno`, `deno task bundle:node`, or
 * `deno run -A dev/bundle.ts worker deno node`.
 *
 * @module
 */
import * as esbuild from "esbuild";

/** A runtime entry that can be bundled. */
export type BundleTarget = "worker" | "deno" | "node";

/** The size of one bundle. */
export interface BundleReport {
  target: BundleTarget;
  /** The bundle's path: the file to run. */
  outfile: string;
  /** Bytes as written (for the Deno bundle, its entry and every chunk, lazy ones too). */
  bytes: number;
  /** Bytes after gzip (level 9 would be smaller; this is what a typical CDN sends). */
  gzipBytes: number;
}

/**
 * The Worker bundle's gzip budget, enforced by the tests: the bound issue #14 sets for the
 * Worker as wrangler bundles it. This bundle keeps no function names, so it is a few KB
 * smaller than wrangler's (`tests/runtimes/bundle_size_test.ts` measures both).
 */
export const WORKER_GZIP_BUDGET_BYTES = 75 * 1024;

const ROOT = new URL("../", import.meta.url);

interface TargetSettings {
  /** The file to run, which esbuild writes (itself, or as the entry of `build.outdir`). */
  outfile: string;
  build: Omit<esbuild.BuildOptions, "outfile">;
}

// The range deno.json gives an npm package, as a specifier Deno resolves without an import map.
async function npmSpecifier(name: string): Promise<string> {
  const { imports } = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const specifier = imports[name];
  if (typeof specifier !== "string" || !specifier.startsWith("npm:")) {
    throw new Error(`deno.json maps no npm package for ${name}`);
  }
  return specifier;
}

// undici is CommonJS and loads only after the first answer (`demo/pooled_transport.ts`): Deno
// loads it from npm then, as from the sources, instead of it weighing on the bundle.
const undiciFromNpm: esbuild.Plugin = {
  name: "undici-from-npm",
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, async () => ({
      path: await npmSpecifier("undici"),
      external: true,
    }));
  },
};

const SETTINGS: Record<BundleTarget, TargetSettings> = {
  worker: {
    outfile: new URL("dist/worker.js", ROOT).pathname,
    build: {
      entryPoints: [new URL("demo/runtimes/workers.ts", ROOT).pathname],
      minify: true,
      platform: "browser",
      conditions: ["workerd", "worker", "browser"],
    },
  },
  deno: {
    outfile: new URL("dist/deno/deno.mjs", ROOT).pathname,
    build: {
      entryPoints: [new URL("demo/runtimes/deno.ts", ROOT).pathname],
      outdir: new URL("dist/deno", ROOT).pathname,
      outExtension: { ".js": ".mjs" },
      // The mock, the docs and undici's transport stay in chunks of their own, loaded when
      // first needed, as from the sources. Names are kept readable: minifying saved no time.
      splitting: true,
      minify: false,
      platform: "neutral",
      conditions: ["deno", "node"],
      mainFields: ["module", "main"],
      external: ["node:*"],
      plugins: [undiciFromNpm],
    },
  },
  node: {
    outfile: new URL("dist/node.mjs", ROOT).pathname,
    build: {
      entryPoints: [new URL("demo/runtimes/node.ts", ROOT).pathname],
      minify: true,
      platform: "node",
      // undici is CommonJS and requires Node's built-ins: an ES module has no `require` of its
      // own, so the bundle makes one.
      banner: {
        js: 'import { createRequire as __createRequire } from "node:module"; ' +
          "const require = __createRequire(import.meta.url);",
      },
    },
  },
};

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/**
 * Bundles one target to `dist/`.
 *
 * @param target Which entry.
 * @returns Its sizes.
 */
export async function bundle(target: BundleTarget): Promise<BundleReport> {
  const { outfile, build } = SETTINGS[target];
  // Chunks are named by their content: a folder of chunks starts empty, or keeps stale ones.
  if (build.outdir !== undefined) {
    await Deno.remove(build.outdir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
  let written: string[];
  try {
    const result = await esbuild.build({
      ...build,
      ...(build.outdir === undefined && { outfile }),
      bundle: true,
      format: "esm",
      target: "es2022",
      absWorkingDir: ROOT.pathname,
      logLevel: "error",
      legalComments: "none",
      metafile: true,
    });
    written = Object.keys(result.metafile.outputs).map((path) => new URL(path, ROOT).pathname);
  } finally {
    await esbuild.stop();
  }
  const files = await Promise.all(written.map((path) => Deno.readFile(path)));
  const bytes = new Uint8Array(await new Blob(files).arrayBuffer());
  return { target, outfile, bytes: bytes.byteLength, gzipBytes: await gzipSize(bytes) };
}

if (import.meta.main) {
  const targets = (Deno.args.length > 0 ? Deno.args : ["worker"]) as BundleTarget[];
  for (const target of targets) {
    const report = await bundle(target);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    const budget = target === "worker" ? ` (budget ${kb(WORKER_GZIP_BUDGET_BYTES)} gzip)` : "";
    console.log(
      `${target}: ${report.outfile} ${kb(report.bytes)} raw, ${kb(report.gzipBytes)} gzip${budget}`,
    );
  }
}
