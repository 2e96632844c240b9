/**
 * Profiles the middleware with V8's sampling CPU profiler, through Deno's inspector (Deno has
 * no `--cpu-prof` flag), and prints where the time goes: self time per package, the functions
 * with the most self time, and inclusive time of this project's own functions.
 *
 * Two workloads:
 *
 * - `loop` (default): `cryptoOnramp()` through `app.fetch()` on an instant in-process
 *   upstream, `requests` times (no sockets: the middleware alone).
 * - `server`: `demo/runtimes/deno.ts` serving real HTTP, loaded by wrk for `seconds` against the
 *   local upstream (`dev/bench/upstream.mjs`): adds `Deno.serve` and the real `fetch`.
 * - `start`: `demo/runtimes/deno.ts` from its first line to its first answer (one session
 *   created through the local upstream): what the cold start pays for.
 * - `worker`: the demo Worker (`demo/runtimes/workers.ts`, bundled without minifying, so that
 *   functions keep their names) in workerd through Miniflare's inspector, loaded for `seconds`.
 *   Everything is in one bundle: read the functions, not the packages.
 *
 * Usage: `deno run -A dev/bench/cpu_profile.ts [loop [requests=20000] | server [seconds=5] |
 * start | worker [seconds=5]] [out]`.
 * `out`, a `.cpuprofile` file, opens in Chrome DevTools (Performance → Load profile).
 *
 * @module
 */
import { CUSTOMER_IP, SECRET_KEY, UPSTREAM_SERVER, WEBHOOK_SECRET } from "./_fixtures.ts";
import { ensureLoadGenerator, runLoad } from "./_load.ts";
import { startServer, stopAll } from "./_process.ts";
import { Miniflare } from "miniflare";
import { bundleBenchEntry, sendSession, upstreamStats } from "./_targets.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = new URL("../../", import.meta.url).pathname;

/** The function and package a frame belongs to, with repository-relative paths. */
function describe(frame: CallFrame): { fn: string; pkg: string } {
  const path = frame.url.replace(/^file:\/\//, "").replace(ROOT, "");
  const npm = path.match(/node_modules\/\.deno\/([^/]+)\/node_modules\/(?:@[^/]+\/)?[^/]+\/(.*)$/);
  const pkg = frame.url === ""
    ? frame.functionName.startsWith("(") ? frame.functionName : "(native / runtime)"
    : npm
    ? npm[1]!
    : path.startsWith("ext:") || path.startsWith("node:")
    ? "deno runtime (ext:)"
    : path.split("/")[0] ?? path;
  // Line numbers of TypeScript files point into Deno's transpiled output: left out.
  const line = npm || path.startsWith("ext:") ? `:${frame.lineNumber + 1}` : "";
  const where = npm ? `${npm[1]}/${npm[2]}` : path;
  return { fn: `${frame.functionName || "(anonymous)"} ${where}${where ? line : ""}`.trim(), pkg };
}

/** A connection to a Deno process's inspector. */
interface Inspector {
  send(method: string, params?: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

async function connect(wsUrl: string): Promise<Inspector> {
  const socket = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data as string) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  };
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

/** Reads a stream until `pattern` matches what it printed; keeps draining it afterwards. */
async function waitFor(
  stream: ReadableStream<Uint8Array>,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Not printed in time: ${pattern}\n${text}`)),
      timeoutMs,
    );
  });
  try {
    while (Date.now() < deadline) {
      const { value, done } = await Promise.race([reader.read(), expired]);
      if (done) break;
      text += value;
      const match = text.match(pattern);
      if (match) {
        (async () => {
          while (!(await reader.read()).done) { /* discard, so the child never blocks */ }
        })().catch(() => {});
        return match;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`The process ended before printing ${pattern}:\n${text}`);
}

/**
 * Starts the Deno entry under the inspector: keyed, on the local upstream, on a free loopback
 * port. `--inspect-wait` holds it before its first line until a debugger says go.
 */
function spawnEntry(
  upstreamUrl: string,
  inspect: "--inspect" | "--inspect-wait",
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `${inspect}=127.0.0.1:0`,
      "--allow-net",
      "--allow-env",
      `${ROOT}demo/runtimes/deno.ts`,
    ],
    env: {
      NO_COLOR: "1",
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: upstreamUrl,
      PORT: "0",
      HOSTNAME: "127.0.0.1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Starts sampling every 100 µs, then lets a process held by `--inspect-wait` run. */
async function profileFromFirstLine(inspector: Inspector): Promise<void> {
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
  await inspector.send("Runtime.enable");
  await inspector.send("Profiler.start");
  await inspector.send("Runtime.runIfWaitingForDebugger");
}

async function profileLoop(requests: number): Promise<{ profile: Profile; summary: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--inspect-wait=127.0.0.1:0",
      `${ROOT}dev/bench/_profile_loop.ts`,
      String(requests),
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const [wsUrl] = await waitFor(child.stderr, /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/, 30_000);
    const inspector = await connect(wsUrl);
    try {
      await profileFromFirstLine(inspector);
      const done = await waitFor(child.stdout, /PROFILE_DONE \d+ ([\d.]+)/, 600_000);
      const { profile } = await inspector.send("Profiler.stop") as { profile: Profile };
      return {
        profile,
        summary: `${requests} requests of cryptoOnramp() via app.fetch(), ${done[1]} µs each ` +
          "while profiled (sampling every 100 µs slows it a little).",
      };
    } finally {
      inspector.close();
    }
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
}

/** The Deno entry under the inspector, connected, on the local upstream. */
interface InspectedEntry {
  child: Deno.ChildProcess;
  inspector: Inspector;
  upstreamUrl: string;
}

/**
 * Starts the local upstream and the Deno entry under the inspector, connects to it, runs
 * `profile`, and then stops all three whatever happened.
 */
async function withInspectedEntry<T>(
  inspect: "--inspect" | "--inspect-wait",
  profile: (entry: InspectedEntry) => Promise<T>,
): Promise<T> {
  try {
    const upstream = await startServer(UPSTREAM_SERVER);
    const child = spawnEntry(upstream.url, inspect);
    try {
      const [wsUrl] = await waitFor(child.stderr, /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/, 30_000);
      const inspector = await connect(wsUrl);
      try {
        return await profile({ child, inspector, upstreamUrl: upstream.url });
      } finally {
        inspector.close();
      }
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
  } finally {
    await stopAll();
  }
}

function profileStart(): Promise<{ profile: Profile; summary: string }> {
  return withInspectedEntry("--inspect-wait", async ({ child, inspector }) => {
    await profileFromFirstLine(inspector);
    const [serverUrl] = await waitFor(child.stdout, /http:\/\/[\d.]+:\d+/, 30_000);
    const { status } = await sendSession(serverUrl, { "cf-connecting-ip": CUSTOMER_IP });
    const { profile } = await inspector.send("Profiler.stop") as { profile: Profile };
    return {
      profile,
      summary: `demo/runtimes/deno.ts from its first line to its first answer (HTTP ${status}).`,
    };
  });
}

async function profileWorker(seconds: number): Promise<{ profile: Profile; summary: string }> {
  const generator = await ensureLoadGenerator(Deno.env.get("BENCH_LOADGEN") ?? "");
  const script = await bundleBenchEntry("demo/runtimes/workers.ts", "browser", { minify: false });
  const upstream = await startServer(UPSTREAM_SERVER);
  // A port free a moment ago: Miniflare takes a number, not 0.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const inspectorPort = probe.addr.port;
  probe.close();
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: "2026-07-01",
    bindings: {
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: upstream.url,
    },
    durableObjects: { WEBHOOK_EVENTS: "WebhookEventsDurableObject" },
    host: "127.0.0.1",
    port: 0,
    logRequests: false,
    inspectorPort,
  });
  try {
    const url = `${(await mf.ready).origin}/onramp/sessions`;
    await runLoad(generator, url, { connections: 32, seconds: 2 }); // warm the JIT first
    const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json() as {
      webSocketDebuggerUrl: string;
    }[];
    // Miniflare runs its own workers beside ours; the platform's is "core:user:".
    const ours = targets.find((target) => target.webSocketDebuggerUrl.endsWith("/core:user:"));
    if (ours === undefined) throw new Error("workerd lists no core:user: worker to profile");
    const inspector = await connect(ours.webSocketDebuggerUrl);
    try {
      await inspector.send("Profiler.enable");
      await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
      await inspector.send("Profiler.start");
      const load = await runLoad(generator, url, { connections: 32, seconds });
      const { profile } = await inspector.send("Profiler.stop") as { profile: Profile };
      return {
        profile,
        summary: `demo/runtimes/workers.ts in workerd under ${generator.name} (32 connections, ` +
          `${seconds} s): ${
            load.rps.toFixed(0)
          } req/s while profiled, ${load.httpErrors} HTTP errors.`,
      };
    } finally {
      inspector.close();
    }
  } finally {
    await mf.dispose();
    await stopAll();
  }
}

async function profileServer(seconds: number): Promise<{ profile: Profile; summary: string }> {
  const generator = await ensureLoadGenerator(Deno.env.get("BENCH_LOADGEN") ?? "");
  return withInspectedEntry("--inspect", async ({ child, inspector, upstreamUrl }) => {
    const [serverUrl] = await waitFor(child.stdout, /http:\/\/[\d.]+:\d+/, 30_000);
    const url = `${serverUrl}/onramp/sessions`;
    await runLoad(generator, url, { connections: 32, seconds: 2 }); // warm the JIT first
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
    const before = await upstreamStats(upstreamUrl);
    await inspector.send("Profiler.start");
    const load = await runLoad(generator, url, { connections: 32, seconds });
    const { profile } = await inspector.send("Profiler.stop") as { profile: Profile };
    const after = await upstreamStats(upstreamUrl);
    return {
      profile,
      summary: `demo/runtimes/deno.ts under ${generator.name} (32 connections, ${seconds} s): ` +
        `${load.rps.toFixed(0)} req/s while profiled, ${load.httpErrors} HTTP errors; ` +
        `the upstream got ${after.sessions - before.sessions} sessions, ` +
        `${(after.chunked ?? 0) - (before.chunked ?? 0)} with a chunked (streamed) body.`,
    };
  });
}

/**
 * Summarises a profile: self time per package and function, inclusive time of this
 * project's functions (async continuations start new stacks, so inclusive time covers only
 * the synchronous part of each step).
 *
 * @param profile A V8 CPU profile.
 * @returns The report's lines.
 */
export function summarize(profile: Profile): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const perPackage = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  let total = 0;
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index] ?? 0;
    total += us;
    const { fn, pkg } = describe(byId.get(id)!.callFrame);
    add(self, fn, us);
    add(perPackage, pkg, us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = describe(byId.get(at)!.callFrame).fn;
      if (!seen.has(name)) {
        seen.add(name);
        add(inclusive, name, us);
      }
    }
  });
  const pct = (us: number) => `${(us / total * 100).toFixed(1)}%`.padStart(6);
  const top = (map: Map<string, number>, count: number, keep = (_: string) => true) =>
    [...map].filter(([name]) => keep(name)).sort((a, b) => b[1] - a[1]).slice(0, count);
  const ours = (name: string) =>
    /\s(client|errors|ip|policy|ratelimit|routes|validation)\//.test(name);
  return [
    `Sampled ${(total / 1000).toFixed(0)} ms.`,
    "",
    "Self time by package:",
    ...top(perPackage, 15).map(([pkg, us]) => `  ${pct(us)}  ${pkg}`),
    "",
    "Top functions by self time:",
    ...top(self, 30).map(([fn, us]) => `  ${pct(us)}  ${fn}`),
    "",
    "Inclusive time of this project's functions:",
    ...top(inclusive, 20, ours).map(([fn, us]) => `  ${pct(us)}  ${fn}`),
  ];
}

if (import.meta.main) {
  const [mode = "loop", ...rest] = Deno.args;
  const [amount, outFile] = mode === "start" ? [undefined, rest[0]] : rest;
  if (mode !== "loop" && mode !== "server" && mode !== "start" && mode !== "worker") {
    throw new TypeError(
      `Cannot profile as the mode must be "loop", "server", "start" or "worker": current value is "${mode}"`,
    );
  }
  const { profile, summary } = mode === "loop"
    ? await profileLoop(Number(amount ?? 20_000))
    : mode === "server"
    ? await profileServer(Number(amount ?? 5))
    : mode === "worker"
    ? await profileWorker(Number(amount ?? 5))
    : await profileStart();
  if (outFile !== undefined) await Deno.writeTextFile(outFile, JSON.stringify(profile));
  console.log([summary, ...summarize(profile)].join("\n"));
}
