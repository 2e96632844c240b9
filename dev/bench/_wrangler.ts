/**
 * The Worker bundle as a consumer gets it: `wrangler deploy --dry-run --minify` of
 * `demo/runtimes/workers.ts` with `demo/wrangler.toml`, by the wrangler that `deno install`
 * put in `node_modules/` (pinned in `deno.json`). Wrangler's own esbuild settings apply, so
 * nothing of `dev/bundle.ts` (its English-only zod locales) does.
 *
 * Wrangler runs on Node only, and needs Node 22.12 or later: with an older `node` on PATH it is
 * run by Node 22 from npm (`npx -y node@22`), fetched once into npm's cache.
 *
 * @module
 */
import { runCommand } from "./_process.ts";

/** What wrangler wrote. */
export interface WranglerBundle {
  /** Bytes of the minified script. */
  bytes: number;
  /** Bytes after gzip, measured as the rest of the report measures it. */
  gzipBytes: number;
  /** Wrangler's own `Total Upload: … / gzip: …` line. */
  wranglerSays: string;
  /** Wrangler's version. */
  version: string;
  /** The Node that ran it. */
  node: string;
}

const ROOT = new URL("../../", import.meta.url).pathname;
const WRANGLER = `${ROOT}node_modules/wrangler/bin/wrangler.js`;
const MIN_NODE = [22, 12];

async function gzipBytes(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function nodeCommand(): Promise<{ command: string; prefix: string[]; version: string }> {
  const system = await runCommand("node", ["--version"], { timeoutMs: 30_000 }).catch(() =>
    undefined
  );
  const version = system?.stdout.trim() ?? "";
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  if (major > MIN_NODE[0]! || (major === MIN_NODE[0] && minor >= MIN_NODE[1]!)) {
    return { command: "node", prefix: [], version };
  }
  const npx = await runCommand("npx", ["-y", "node@22", "--version"], { timeoutMs: 300_000 });
  if (npx.code !== 0) {
    throw new Error(`Cannot run wrangler as Node 22 from npm did not start: ${npx.stderr.trim()}`);
  }
  return { command: "npx", prefix: ["-y", "node@22"], version: npx.stdout.trim() };
}

/**
 * Bundles the demo Worker with wrangler, as `wrangler deploy --dry-run --minify` would deploy
 * it, and measures the script.
 *
 * @returns Its sizes and what wrangler printed.
 * @throws {Error} When wrangler is missing or fails.
 */
export async function wranglerBundle(): Promise<WranglerBundle> {
  const node = await nodeCommand();
  const outdir = await Deno.makeTempDir({ prefix: "wrangler_dry_run_" });
  try {
    const { code, stdout, stderr } = await runCommand(node.command, [
      ...node.prefix,
      WRANGLER,
      "deploy",
      "--dry-run",
      "--minify",
      "--outdir",
      outdir,
    ], {
      cwd: `${ROOT}demo`,
      env: { WRANGLER_SEND_METRICS: "false", CI: "true" },
      timeoutMs: 300_000,
    });
    if (code !== 0) {
      throw new Error(
        `wrangler deploy --dry-run failed (exit ${code}): ${(stdout + stderr).slice(-500)}`,
      );
    }
    const script = [...Deno.readDirSync(outdir)].find((entry) => entry.name.endsWith(".js"));
    if (script === undefined) throw new Error(`wrangler wrote no script to ${outdir}`);
    const bytes = await Deno.readFile(`${outdir}/${script.name}`);
    return {
      bytes: bytes.byteLength,
      gzipBytes: await gzipBytes(bytes),
      wranglerSays: stdout.match(/Total Upload:[^\n]*/)?.[0]?.trim() ?? "",
      version: stdout.match(/wrangler (\d+\.\d+\.\d+)/)?.[1] ?? "unknown",
      node: node.version,
    };
  } finally {
    await Deno.remove(outdir, { recursive: true }).catch(() => {});
  }
}
