/**
 * The servers under load, how to start each, and how to check that it really proxies.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { REQUEST_BODY, SECRET_KEY, SESSIONS_PATH, WEBHOOK_SECRET } from "./_fixtures.ts";
import { childPidsNamed, type ServerSpec, startServer } from "./_process.ts";

/** The names of the targets, in table order. */
export type TargetId =
  | "bare-deno"
  | "onramp-deno"
  | "onramp-deno-source"
  | "bare-node"
  | "onramp-node"
  | "bare-workerd"
  | "onramp-workerd"
  | "express-stripe";

/** One server the harness measures. */
export interface Target {
  id: TargetId;
  /** Its row label. */
  label: string;
  /** The bare passthrough on the same runtime. */
  floor: TargetId;
  /** How to spawn it, for process targets (cold start applies to these only). */
  spec?: ServerSpec;
  /** Timed for its cold start only: another target is the same server, started another way. */
  coldOnly?: boolean;
  /** Starts it. */
  start(): Promise<RunningTarget>;
}

/** A started target. */
export interface RunningTarget {
  /** Its base URL, loopback. */
  url: string;
  /** The process serving it, when known (workerd's for the Miniflare targets). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Files and scripts the targets need, built once before the run. */
export interface TargetInputs {
  /** The local upstream's base URL. */
  upstreamUrl: string;
  /** `dist/deno/deno.mjs`, from `dev/bundle.ts`. */
  denoBundle: string;
  /** `dist/node.mjs`, from `dev/bundle.ts`. */
  nodeBundle: string;
  /** `dist/worker.js`, from `dev/bundle.ts`. */
  workerBundle: string;
  /** `dev/bench/bare_node.ts` bundled to a temporary `.mjs`. */
  bareNodeBundle: string;
  /** `dev/bench/bare_worker.ts` bundled, as source text. */
  bareWorkerScript: string;
  /** Whether to include the workerd targets. */
  workerd: boolean;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Bundles one of the bench's own entries with esbuild (minified ESM, like `dev/bundle.ts`).
 *
 * @param entry A path relative to the repository root.
 * @param platform `node` or `browser` (the Worker).
 * @param [options] `minify: false` keeps names, for a profile.
 * @returns The bundled source.
 */
export async function bundleBenchEntry(
  entry: string,
  platform: "node" | "browser",
  { minify = true }: { minify?: boolean } = {},
): Promise<string> {
  try {
    const result = await esbuild.build({
      entryPoints: [`${ROOT}${entry}`],
      absWorkingDir: ROOT,
      bundle: true,
      minify,
      format: "esm",
      target: "es2022",
      platform,
      ...(platform === "browser" && { conditions: ["workerd", "worker", "browser"] }),
      write: false,
      logLevel: "error",
      legalComments: "none",
    });
    const output = result.outputFiles[0];
    if (output === undefined) throw new Error(`esbuild wrote nothing for ${entry}`);
    return output.text;
  } finally {
    await esbuild.stop();
  }
}

function processTarget(spec: ServerSpec): () => Promise<RunningTarget> {
  return async () => {
    const server = await startServer(spec);
    return { url: server.url, pid: server.pid, stop: server.stop };
  };
}

function workerTarget(
  script: { scriptPath: string } | { script: string },
  upstreamUrl: string,
  durableObjects: Record<string, string> = {},
): () => Promise<RunningTarget> {
  return async () => {
    const before = new Set(childPidsNamed("workerd"));
    const mf = new Miniflare({
      modules: true,
      ...script,
      compatibilityDate: "2026-07-01",
      bindings: {
        STRIPE_SECRET_KEY: SECRET_KEY,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: upstreamUrl,
      },
      durableObjects,
      host: "127.0.0.1",
      port: 0,
      // Logging each request would send it back through Miniflare's loopback server.
      logRequests: false,
    });
    try {
      const url = await mf.ready;
      const pid = childPidsNamed("workerd").find((candidate) => !before.has(candidate));
      return { url: url.origin, pid, stop: () => mf.dispose() };
    } catch (error) {
      await mf.dispose();
      throw error;
    }
  };
}

/**
 * The targets of one run, in table order.
 *
 * @param inputs Bundles and the upstream URL.
 * @returns The targets.
 */
export function createTargets(inputs: TargetInputs): Target[] {
  const serverEnv = {
    STRIPE_SECRET_KEY: SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: inputs.upstreamUrl,
    PORT: "0",
    HOSTNAME: "127.0.0.1",
  };
  const deno = Deno.execPath();
  const specs: Record<
    | "bare-deno"
    | "onramp-deno"
    | "onramp-deno-source"
    | "bare-node"
    | "onramp-node"
    | "express-stripe",
    ServerSpec
  > = {
    "bare-deno": {
      command: deno,
      args: ["run", "--allow-net", "--allow-env", `${ROOT}dev/bench/bare_deno.ts`],
      env: serverEnv,
    },
    "onramp-deno": {
      command: deno,
      args: ["run", "--allow-net", "--allow-env", inputs.denoBundle],
      env: serverEnv,
    },
    "onramp-deno-source": {
      command: deno,
      args: ["run", "--allow-net", "--allow-env", `${ROOT}demo/runtimes/deno.ts`],
      env: serverEnv,
    },
    "bare-node": { command: "node", args: [inputs.bareNodeBundle], env: serverEnv },
    "onramp-node": { command: "node", args: [inputs.nodeBundle], env: serverEnv },
    "express-stripe": {
      command: "node",
      args: [`${ROOT}dev/bench/express_stripe.mjs`],
      env: serverEnv,
    },
  };
  const fromSpec = (
    id: keyof typeof specs,
    label: string,
    floor: TargetId,
  ): Target => ({ id, label, floor, spec: specs[id], start: processTarget(specs[id]) });
  const targets: Target[] = [
    fromSpec("bare-deno", "bare passthrough, Deno.serve", "bare-deno"),
    fromSpec("onramp-deno", "cryptoOnramp(), Deno (dist/deno/deno.mjs)", "bare-deno"),
    {
      ...fromSpec(
        "onramp-deno-source",
        "cryptoOnramp(), Deno from its sources (demo/runtimes/deno.ts)",
        "bare-deno",
      ),
      coldOnly: true,
    },
    fromSpec("bare-node", "bare passthrough, node:http", "bare-node"),
    fromSpec("onramp-node", "cryptoOnramp(), Node (dist/node.mjs)", "bare-node"),
  ];
  if (inputs.workerd) {
    targets.push(
      {
        id: "bare-workerd",
        label: "bare passthrough, workerd (Miniflare)",
        floor: "bare-workerd",
        start: workerTarget({ script: inputs.bareWorkerScript }, inputs.upstreamUrl),
      },
      {
        id: "onramp-workerd",
        label: "cryptoOnramp(), workerd (dist/worker.js, Miniflare)",
        floor: "bare-workerd",
        // The demo Worker refuses to run without its shared webhook event store.
        start: workerTarget({ scriptPath: inputs.workerBundle }, inputs.upstreamUrl, {
          WEBHOOK_EVENTS: "WebhookEventsDurableObject",
        }),
      },
    );
  }
  targets.push(fromSpec("express-stripe", "Express + stripe (status quo), Node", "bare-node"));
  return targets;
}

/** What the upstream has counted (`GET /__stats` of `dev/bench/upstream.mjs`). */
export interface UpstreamStats {
  sessions: number;
  withCustomerIp: number;
  withBearer: number;
  /** Requests whose body came chunked (streamed) rather than with a Content-Length. */
  chunked: number;
  /** TCP connections accepted. */
  connections: number;
  lastBody: string;
}

/**
 * Reads the upstream's counters.
 *
 * @param upstreamUrl The upstream's base URL.
 * @returns Its counters.
 */
export async function upstreamStats(upstreamUrl: string): Promise<UpstreamStats> {
  const res = await fetch(new URL("/__stats", upstreamUrl));
  return await res.json() as UpstreamStats;
}

/**
 * Sends one benchmark request.
 *
 * @param baseUrl The target's base URL.
 * @param headers Extra headers.
 * @returns The status and body text.
 */
export async function sendSession(
  baseUrl: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(new URL(SESSIONS_PATH, baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: REQUEST_BODY,
  });
  return { status: res.status, body: await res.text() };
}

/**
 * Checks that a target answers 200 with a session and that the upstream received a form
 * body with the key and a customer IP.
 *
 * @param baseUrl The target's base URL.
 * @param upstreamUrl The upstream's base URL.
 * @param headers Extra headers the load generator also sends.
 * @returns `undefined` when all is well, else what is wrong.
 */
export async function verifyTarget(
  baseUrl: string,
  upstreamUrl: string,
  headers: Record<string, string>,
): Promise<string | undefined> {
  const before = await upstreamStats(upstreamUrl);
  const { status, body } = await sendSession(baseUrl, headers);
  if (status !== 200 || !body.includes('"client_secret":"cos_bench_123_secret_abc"')) {
    return `answered HTTP ${status}: ${body.slice(0, 200)}`;
  }
  const after = await upstreamStats(upstreamUrl);
  if (after.sessions !== before.sessions + 1) return "the upstream was not called exactly once";
  if (after.withBearer !== before.withBearer + 1) return "the upstream got no Bearer key";
  if (after.withCustomerIp !== before.withCustomerIp + 1) {
    return `the upstream got no customer_ip_address: ${after.lastBody}`;
  }
  return undefined;
}
