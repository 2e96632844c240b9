/**
 * Bundles a runtime entry with esbuild (minified, tree-shaken) and reports its size, raw and
 * gzip. The Worker bundle's size decides cold starts on Cloudflare Workers.
 *
 * Usage: `deno task bundle` (the Worker) or `deno run -A dev/bundle.ts worker node`.
 *
 * @module
 */
import * as esbuild from "esbuild";

/** A runtime entry that can be bundled. */
export type BundleTarget = "worker" | "node";

/** The size of one bundle. */
export interface BundleReport {
  target: BundleTarget;
  /** The bundle's path. */
  outfile: string;
  /** Bytes as written. */
  bytes: number;
  /** Bytes after gzip (level 9 would be smaller; this is what a typical CDN sends). */
  gzipBytes: number;
}

/**
 * The Worker bundle's gzip budget, enforced by the tests. Issue #5 asks for at most 100 KB; the
 * bundle measured 83.0 KB with webhooks and both Durable Object stores, so a few KB of growth
 * shows here before it reaches that.
 */
export const WORKER_GZIP_BUDGET_BYTES = 90 * 1024;

const ROOT = new URL("../", import.meta.url);
const SETTINGS: Record<BundleTarget, esbuild.BuildOptions & { outfile: string }> = {
  worker: {
    entryPoints: [new URL("demo/runtimes/workers.ts", ROOT).pathname],
    outfile: new URL("dist/worker.js", ROOT).pathname,
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
  },
  node: {
    entryPoints: [new URL("demo/runtimes/node.ts", ROOT).pathname],
    outfile: new URL("dist/node.mjs", ROOT).pathname,
    platform: "node",
    // undici is CommonJS and requires Node's built-ins: an ES module has no `require` of its
    // own, so the bundle makes one.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; ' +
        "const require = __createRequire(import.meta.url);",
    },
  },
};

/**
 * Zod parts the proxy never runs, which no bundler can drop on its own: `@hono/zod-openapi`
 * extends the whole `z` namespace object, and that namespace re-exports all of zod's ~40
 * message locales (about 200 KB raw) and its JSON Schema generator (`toJSONSchema`, about
 * 12 KB raw; `@asteasolutions/zod-to-openapi` writes its own OpenAPI schemas). The bundle gets
 * a locales module that has just `en`, and a generator that says it is not bundled. The
 * Worker conformance test runs this bundle in workerd, so a part that is in fact needed fails
 * there.
 */
const zodWithoutUnusedParts: esbuild.Plugin = {
  name: "zod-without-unused-parts",
  setup(build) {
    const fromZod = (importer: string) => /[\\/]zod[\\/]/.test(importer);
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
      if (!fromZod(args.importer)) return undefined;
      return {
        path: "english-only",
        namespace: "zod-locales",
        pluginData: { dir: `${args.resolveDir}/../locales` },
      };
    });
    build.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: args.pluginData?.dir,
    }));
    build.onResolve({ filter: /\/to-json-schema\.js$/ }, (args) => {
      if (!fromZod(args.importer)) return undefined;
      return { path: "not-bundled", namespace: "zod-json-schema" };
    });
    build.onLoad({ filter: /.*/, namespace: "zod-json-schema" }, () => ({
      contents: `const missing = () => {
  throw new Error("zod's toJSONSchema is not in this bundle (see dev/bundle.ts)");
};
export class JSONSchemaGenerator { constructor() { missing(); } }
export function toJSONSchema() { missing(); }`,
    }));
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
  const settings = SETTINGS[target];
  try {
    await esbuild.build({
      ...settings,
      bundle: true,
      minify: true,
      format: "esm",
      target: "es2022",
      absWorkingDir: ROOT.pathname,
      logLevel: "error",
      legalComments: "none",
      plugins: [zodWithoutUnusedParts],
    });
  } finally {
    await esbuild.stop();
  }
  const bytes = await Deno.readFile(settings.outfile);
  return {
    target,
    outfile: settings.outfile,
    bytes: bytes.byteLength,
    gzipBytes: await gzipSize(bytes),
  };
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
