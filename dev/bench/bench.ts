/**
 * `deno task bench`: measures the middleware against a bare passthrough and against the
 * status quo (Express + Stripe's Node library), side by side in one run, on a local upstream
 * that answers at once. Prints the results and writes them to `dev/bench/RESULTS.md`.
 *
 * Settings (environment): BENCH_REPS (3), BENCH_SECONDS (10), BENCH_WARMUP (3),
 * BENCH_CONNECTIONS (32), BENCH_COLD_REPS (7), BENCH_LOADGEN (`wrk` or `autocannon`; default
 * wrk, installed with apt-get when missing, else autocannon), BENCH_WORKERD (`0` skips the
 * workerd targets), BENCH_BREAKDOWN (`0` skips the in-process breakdown), BENCH_OUT
 * (`dev/bench/RESULTS.md`).
 *
 * @module
 */
import { bundle, type BundleReport, WORKER_GZIP_BUDGET_BYTES } from "../bundle.ts";
import { CUSTOMER_IP, SESSIONS_PATH, UPSTREAM_SERVER } from "./_fixtures.ts";
import { ensureLoadGenerator, type LoadGenerator, type LoadResult, runLoad } from "./_load.ts";
import { type MachineFacts, machineFacts } from "./_machine.ts";
import {
  cpuSeconds,
  peakRssKiB,
  runCommand,
  type ServerSpec,
  startServer,
  stopAll,
} from "./_process.ts";
import { fixed, median, ratio } from "./_stats.ts";
import {
  bundleBenchEntry,
  createTargets,
  type RunningTarget,
  sendSession,
  type Target,
  type TargetId,
  upstreamStats,
  verifyTarget,
} from "./_targets.ts";

interface Settings {
  reps: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  coldReps: number;
  loadgen: string;
  workerd: boolean;
  breakdown: boolean;
  out: string;
}

function positiveInt(name: string, fallback: number, max: number): number {
  const text = Deno.env.get(name);
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(
      `Cannot run the bench as '${name}' must be an integer from 1 to ${max}: current value is ${text}`,
    );
  }
  return value;
}

function readSettings(): Settings {
  return {
    reps: positiveInt("BENCH_REPS", 3, 20),
    seconds: positiveInt("BENCH_SECONDS", 10, 120),
    warmupSeconds: positiveInt("BENCH_WARMUP", 3, 60),
    connections: positiveInt("BENCH_CONNECTIONS", 32, 1024),
    coldReps: positiveInt("BENCH_COLD_REPS", 7, 50),
    loadgen: Deno.env.get("BENCH_LOADGEN") ?? "",
    workerd: Deno.env.get("BENCH_WORKERD") !== "0",
    breakdown: Deno.env.get("BENCH_BREAKDOWN") !== "0",
    out: Deno.env.get("BENCH_OUT") ?? new URL("./RESULTS.md", import.meta.url).pathname,
  };
}

/** One load run, with the CPU time the server spent on it. */
interface LoadRun extends LoadResult {
  /** Server CPU (user + system, all threads) per completed request, microseconds. */
  cpuUsPerRequest: number | undefined;
  /** Connections the upstream accepted during the run (keep-alive reuse shows as few). */
  upstreamConnections: number;
}

interface LoadRow {
  target: Target;
  runs: LoadRun[];
  peakRssKiB: number | undefined;
  failure: string | undefined;
}

interface ColdRow {
  target: Target;
  samplesMs: number[];
  failure: string | undefined;
}

interface BenchRecord {
  group: string;
  name: string;
  baseline: boolean;
  avgUs: number;
  p75Us: number;
}

interface InProcess {
  runs: { bareUs: number; onrampUs: number }[];
  failure: string | undefined;
}

interface Bundles {
  worker: BundleReport;
  bareWorkerGzipBytes: number;
}

const ROOT = new URL("../../", import.meta.url).pathname;
/** The issue's goal for the Worker bundle (the project's own test may hold it tighter). */
const WORKER_GZIP_GOAL_BYTES = 100 * 1024;
const LOAD_HEADERS = { "cf-connecting-ip": CUSTOMER_IP };
const running = new Set<RunningTarget>();

function log(message: string): void {
  console.log(`[bench] ${message}`);
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 300);
}

async function gzipBytes(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

// ---------------------------------------------------------------- cold start

async function timeToFirstSession(spec: ServerSpec): Promise<number> {
  const server = await startServer(spec, 30_000);
  try {
    const deadline = server.spawnedAt + 30_000;
    for (;;) {
      try {
        const { status, body } = await sendSession(server.url, LOAD_HEADERS);
        if (status === 200) return performance.now() - server.spawnedAt;
        throw new Error(`first answer was HTTP ${status}: ${body.slice(0, 200)}`);
      } catch (error) {
        // Listening was announced, so a refused connection is only a race; anything else is real.
        if (!(error instanceof TypeError) || performance.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    await server.stop();
  }
}

async function measureColdStarts(targets: Target[], reps: number): Promise<ColdRow[]> {
  const rows = targets.filter((target) => target.spec).map((target): ColdRow => ({
    target,
    samplesMs: [],
    failure: undefined,
  }));
  // One untimed start first: it fills Deno's and the OS's caches, as on any warm machine.
  for (let rep = -1; rep < reps; rep++) {
    for (const row of rows) {
      if (row.failure !== undefined) continue;
      try {
        const ms = await timeToFirstSession(row.target.spec!);
        if (rep >= 0) row.samplesMs.push(ms);
      } catch (error) {
        row.failure = errorText(error);
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------- load

async function measureLoad(
  targets: Target[],
  generator: LoadGenerator,
  upstreamUrl: string,
  settings: Settings,
): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  const live = new Map<TargetId, RunningTarget>();
  try {
    for (const target of targets) {
      const row: LoadRow = { target, runs: [], peakRssKiB: undefined, failure: undefined };
      rows.push(row);
      try {
        const server = await target.start();
        running.add(server);
        live.set(target.id, server);
        row.failure = await verifyTarget(server.url, upstreamUrl, LOAD_HEADERS);
        if (row.failure === undefined) log(`${target.id} answers 200 at ${server.url}`);
      } catch (error) {
        row.failure = `did not start: ${errorText(error)}`;
      }
      if (row.failure !== undefined) log(`${target.id} left out: ${row.failure}`);
    }
    const active = rows.filter((row) => row.failure === undefined);
    const urlOf = (row: LoadRow) => new URL(SESSIONS_PATH, live.get(row.target.id)!.url).href;
    const load = { connections: settings.connections };
    for (const row of active) {
      log(`warming up ${row.target.id} for ${settings.warmupSeconds} s`);
      await runLoad(generator, urlOf(row), { ...load, seconds: settings.warmupSeconds });
    }
    for (let rep = 0; rep < settings.reps; rep++) {
      // Rotate the order so that no target always runs first or last in a round.
      const order = active.map((_, index) => active[(index + rep) % active.length]!);
      for (const row of order) {
        const pid = live.get(row.target.id)!.pid;
        const upstreamBefore = await upstreamStats(upstreamUrl);
        const cpuBefore = pid === undefined ? undefined : cpuSeconds(pid);
        const result = await runLoad(generator, urlOf(row), { ...load, seconds: settings.seconds });
        const cpuAfter = pid === undefined ? undefined : cpuSeconds(pid);
        const upstreamAfter = await upstreamStats(upstreamUrl);
        const cpuUsPerRequest = cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : (cpuAfter - cpuBefore) * 1e6 / result.requests;
        row.runs.push({
          ...result,
          cpuUsPerRequest,
          upstreamConnections: upstreamAfter.connections - upstreamBefore.connections,
        });
        const errors = result.httpErrors + result.socketErrors + result.timeouts;
        log(
          `rep ${rep + 1}/${settings.reps} ${row.target.id}: ${fixed(result.rps, 0)} req/s, ` +
            `p50 ${fixed(result.p50Ms, 2)} ms, p99 ${fixed(result.p99Ms, 2)} ms` +
            (errors > 0 ? `, ${errors} errors` : ""),
        );
      }
    }
    for (const row of active) {
      const pid = live.get(row.target.id)!.pid;
      row.peakRssKiB = pid === undefined ? undefined : peakRssKiB(pid);
    }
  } finally {
    for (const server of live.values()) {
      await server.stop().catch(() => {});
      running.delete(server);
    }
  }
  return rows;
}

// ---------------------------------------------------------------- in-process

async function denoBench(file: string): Promise<BenchRecord[]> {
  const { code, stdout, stderr } = await runCommand(
    Deno.execPath(),
    ["bench", "--json", `${ROOT}${file}`],
    { timeoutMs: 600_000 },
  );
  if (code !== 0) throw new Error(`deno bench ${file} failed: ${(stderr + stdout).slice(-500)}`);
  const report = JSON.parse(stdout) as {
    benches: {
      group: string | null;
      name: string;
      baseline: boolean;
      results: { ok?: { avg: number; p75: number } }[];
    }[];
  };
  return report.benches.map((bench) => {
    const ok = bench.results[0]?.ok;
    if (ok === undefined) throw new Error(`deno bench ${file}: "${bench.name}" failed`);
    return {
      group: bench.group ?? "",
      name: bench.name,
      baseline: bench.baseline,
      avgUs: ok.avg / 1000,
      p75Us: ok.p75 / 1000,
    };
  });
}

async function measureInProcess(reps: number): Promise<InProcess> {
  const result: InProcess = { runs: [], failure: undefined };
  try {
    for (let rep = 0; rep < reps; rep++) {
      const records = await denoBench("dev/bench/proxy_bench.ts");
      const bare = records.find((record) => record.baseline);
      const onramp = records.find((record) => !record.baseline);
      if (bare === undefined || onramp === undefined) throw new Error("missing bench subjects");
      result.runs.push({ bareUs: bare.avgUs, onrampUs: onramp.avgUs });
      log(
        `in-process run ${rep + 1}/${reps}: bare ${fixed(bare.avgUs, 1)} µs, ` +
          `cryptoOnramp ${fixed(onramp.avgUs, 1)} µs`,
      );
    }
  } catch (error) {
    result.failure = errorText(error);
  }
  return result;
}

// ---------------------------------------------------------------- report

interface Report {
  settings: Settings;
  facts: MachineFacts;
  generator: LoadGenerator;
  load: LoadRow[];
  cold: ColdRow[];
  inProcess: InProcess;
  breakdown: BenchRecord[] | string | undefined;
  bundles: Bundles;
}

function rowOf(rows: LoadRow[], id: TargetId): LoadRow | undefined {
  return rows.find((row) => row.target.id === id && row.failure === undefined);
}

const pick = (row: LoadRow | undefined, key: "rps" | "p50Ms" | "p99Ms" | "cpuUsPerRequest") =>
  row === undefined ? undefined : median(
    row.runs.map((run) => run[key]).filter((value): value is number => value !== undefined),
  );

function errorCount(row: LoadRow): number {
  return row.runs.reduce(
    (sum, run) => sum + run.httpErrors + run.socketErrors + run.timeouts,
    0,
  );
}

function verdict(met: boolean | undefined): string {
  return met === undefined ? "not measured" : met ? "✅ met" : "❌ short";
}

function renderGoals(report: Report): string[] {
  const { load, cold, inProcess, bundles } = report;
  const rps = (id: TargetId) => pick(rowOf(load, id), "rps");
  const bare = rps("bare-deno");
  const deno = rps("onramp-deno");
  const express = rps("express-stripe");
  const vs = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a / b;
  const vsBare = vs(deno, bare);
  const vsExpress = vs(deno, express);
  const nodeVsExpress = vs(rps("onramp-node"), express);
  const overheadUs = median(inProcess.runs.map((run) => run.onrampUs)) -
    median(inProcess.runs.map((run) => run.bareUs));
  const coldDeno = cold.find((row) => row.target.id === "onramp-deno");
  const coldMs = coldDeno && coldDeno.failure === undefined
    ? median(coldDeno.samplesMs)
    : undefined;
  const gzipKB = bundles.worker.gzipBytes / 1024;
  const known = (value: number | undefined) => value !== undefined && Number.isFinite(value);
  const errorsFlag = load.some((row) => row.failure === undefined && errorCount(row) > 0)
    ? " (⚠ some runs had errors: see the load table)"
    : "";
  return [
    "| Goal | Measured | Verdict |",
    "| --- | --- | --- |",
    `| Throughput ≥ 0.9× bare passthrough (Deno) | ${fixed(vsBare, 2)}× (${fixed(deno, 0)} vs ${
      fixed(bare, 0)
    } req/s)${errorsFlag} | ${verdict(known(vsBare) ? vsBare! >= 0.9 : undefined)} |`,
    `| Throughput ≥ 2× Express + stripe | Deno ${fixed(vsExpress, 2)}×, Node ${
      fixed(nodeVsExpress, 2)
    }× (${fixed(express, 0)} req/s for Express) | ${
      verdict(known(vsExpress) ? vsExpress! >= 2 : undefined)
    } (Deno) |`,
    `| In-process overhead ≤ 50 µs per request | ${fixed(overheadUs, 1)} µs over bare (${
      fixed(median(inProcess.runs.map((run) => run.onrampUs)), 1)
    } µs in all) | ${verdict(known(overheadUs) ? overheadUs <= 50 : undefined)} |`,
    `| Cold start ≤ 50 ms to first response on Deno | ${fixed(coldMs, 1)} ms (median) | ${
      verdict(known(coldMs) ? coldMs! <= 50 : undefined)
    } |`,
    `| Worker bundle ≤ 100 KB gzip | ${fixed(gzipKB, 1)} KB gzip | ${
      verdict(bundles.worker.gzipBytes <= WORKER_GZIP_GOAL_BYTES)
    } |`,
  ];
}

function renderLoad(report: Report): string[] {
  const { load } = report;
  const bare = rowOf(load, "bare-deno");
  const lines = [
    "| Target | req/s | × bare | × floor | p50 ms | × bare | p99 ms | × bare | server CPU µs/req | × bare | peak RSS MiB | × bare | errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const row of load) {
    if (row.failure !== undefined) {
      lines.push(`| ${row.target.label} | not measured: ${row.failure.replaceAll("|", "/")} |`);
      continue;
    }
    const floor = rowOf(load, row.target.floor);
    const mib = row.peakRssKiB === undefined ? undefined : row.peakRssKiB / 1024;
    const bareMib = bare?.peakRssKiB === undefined ? undefined : bare.peakRssKiB / 1024;
    const errors = errorCount(row);
    const errorText = errors === 0
      ? "0"
      : `⚠ ${
        row.runs.map((run) =>
          `${run.httpErrors} HTTP / ${run.socketErrors} socket / ${run.timeouts} timeout`
        ).join("; ")
      }`;
    lines.push(
      `| ${row.target.label} | ${fixed(pick(row, "rps"), 0)} | ${
        ratio(pick(row, "rps"), pick(bare, "rps"))
      } | ${ratio(pick(row, "rps"), pick(floor, "rps"))} | ${fixed(pick(row, "p50Ms"), 2)} | ${
        ratio(pick(row, "p50Ms"), pick(bare, "p50Ms"))
      } | ${fixed(pick(row, "p99Ms"), 2)} | ${ratio(pick(row, "p99Ms"), pick(bare, "p99Ms"))} | ${
        fixed(pick(row, "cpuUsPerRequest"), 0)
      } | ${ratio(pick(row, "cpuUsPerRequest"), pick(bare, "cpuUsPerRequest"))} | ${
        fixed(mib, 1)
      } | ${ratio(mib, bareMib)} | ${errorText} |`,
    );
  }
  return lines;
}

function renderCold(report: Report): string[] {
  const bare = report.cold.find((row) => row.target.id === "bare-deno");
  const bareMs = bare && bare.failure === undefined ? median(bare.samplesMs) : undefined;
  const lines = [
    "| Target | median ms | min ms | max ms | × bare |",
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const row of report.cold) {
    if (row.failure !== undefined) {
      lines.push(`| ${row.target.label} | failed: ${row.failure.replaceAll("|", "/")} | | | |`);
      continue;
    }
    const ms = median(row.samplesMs);
    lines.push(
      `| ${row.target.label} | ${fixed(ms, 1)} | ${fixed(Math.min(...row.samplesMs), 1)} | ${
        fixed(Math.max(...row.samplesMs), 1)
      } | ${ratio(ms, bareMs)} |`,
    );
  }
  return lines;
}

function renderInProcess(report: Report): string[] {
  const { runs, failure } = report.inProcess;
  if (failure !== undefined) return [`Not measured: ${failure}`];
  const bare = median(runs.map((run) => run.bareUs));
  const onramp = median(runs.map((run) => run.onrampUs));
  return [
    "| Subject | µs/request (median of the runs' means) | each run | × bare |",
    "| --- | ---: | --- | ---: |",
    `| bare passthrough function (baseline) | ${fixed(bare, 1)} | ${
      runs.map((run) => fixed(run.bareUs, 1)).join(", ")
    } | 1.00× |`,
    `| cryptoOnramp() via app.request() | ${fixed(onramp, 1)} | ${
      runs.map((run) => fixed(run.onrampUs, 1)).join(", ")
    } | ${ratio(onramp, bare)} |`,
    "",
    `Middleware overhead over the bare function: **${fixed(onramp - bare, 1)} µs per request**.`,
  ];
}

function renderBreakdown(report: Report): string[] {
  const { breakdown } = report;
  if (breakdown === undefined) return ["Skipped (BENCH_BREAKDOWN=0)."];
  if (typeof breakdown === "string") return [`Not measured: ${breakdown}`];
  const lines: string[] = [];
  const groups = [...new Set(breakdown.map((record) => record.group))];
  for (const group of groups) {
    const records = breakdown.filter((record) => record.group === group);
    const base = records.find((record) => record.baseline);
    lines.push(
      `**${group}**`,
      "",
      `| Subject | mean µs | p75 µs | × ${base ? "baseline" : "—"} |`,
      "| --- | ---: | ---: | ---: |",
    );
    for (const record of records) {
      lines.push(
        `| ${record.name}${record.baseline ? " (baseline)" : ""} | ${fixed(record.avgUs, 2)} | ${
          fixed(record.p75Us, 2)
        } | ${base ? ratio(record.avgUs, base.avgUs) : "—"} |`,
      );
    }
    lines.push("");
  }
  return lines;
}

function renderRuns(report: Report): string[] {
  const lines = [
    "| Target | req/s per run | p50 ms per run | p99 ms per run | server CPU µs/req per run | upstream connections opened per run |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of report.load) {
    if (row.failure !== undefined) continue;
    const list = (key: "rps" | "p50Ms" | "p99Ms" | "cpuUsPerRequest", decimals: number) =>
      row.runs.map((run) => fixed(run[key], decimals)).join(", ");
    lines.push(
      `| ${row.target.id} | ${list("rps", 0)} | ${list("p50Ms", 2)} | ${list("p99Ms", 2)} | ${
        list("cpuUsPerRequest", 0)
      } | ${row.runs.map((run) => run.upstreamConnections).join(", ")} |`,
    );
  }
  return lines;
}

function renderReport(report: Report): string {
  const { settings, facts, generator, bundles } = report;
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)}`;
  const versions = Object.entries(facts.versions).map(([name, version]) => `${name} ${version}`)
    .join(", ");
  return [
    "# Benchmark results",
    "",
    `Written by \`deno task bench\` on ${facts.date}, source revision \`${facts.revision}\`. ` +
    "How to run and read it: [README.md](README.md).",
    "",
    `- **Machine:** ${facts.cpu}, ${facts.cores} cores, ${facts.memoryGiB} GiB memory, ` +
    `Linux ${facts.kernel}.`,
    `- **Versions:** ${versions}.`,
    `- **Load:** ${generator.name} ${generator.version} (${generator.note}), one thread, ` +
    `${settings.connections} connections, ${settings.seconds} s per run after a ` +
    `${settings.warmupSeconds} s warm-up, ${settings.reps} run(s) per target in rotating order; ` +
    "figures are medians of the runs.",
    `- **Sharing the CPU:** the load generator, the server under test and the upstream (its own ` +
    `Node process) all run on these ${facts.cores} cores, unpinned; the other servers sit idle. ` +
    "Throughput is what is left for the server after the generator and upstream take their share, " +
    "so the server CPU µs/request column is the steadier measure of a proxy's own cost.",
    "- **Ratios:** `× bare` divides by the bare passthrough on Deno.serve measured in this run; " +
    "`× floor` by the bare passthrough on the same runtime. Above 1× is better for req/s, worse " +
    "for latency, CPU and memory.",
    "",
    "## Goals",
    "",
    ...renderGoals(report),
    "",
    "## Throughput and latency under load",
    "",
    `\`POST ${SESSIONS_PATH}\` with \`{"source_amount":"100","destination_networks":["ethereum"],` +
    '"destination_currency":"eth"}`, over loopback, against an upstream that answers at once. ' +
    "Every target was checked first to answer 200 with a session while the upstream received a " +
    "form body with the key and a `customer_ip_address`. The errors column counts answers of " +
    "400 and above, socket errors and timeouts during the runs; any is flagged ⚠. Peak RSS is " +
    "`VmHWM` after all runs (for workerd: the workerd process Miniflare started).",
    "",
    ...renderLoad(report),
    "",
    "## Cold start",
    "",
    `From spawning the process to the first 200 answer of \`POST ${SESSIONS_PATH}\` (the ` +
    "upstream already running), median of " +
    `${settings.coldReps} starts after one untimed start that warms the caches.`,
    "",
    ...renderCold(report),
    "",
    "## In-process cost (`deno bench dev/bench/proxy_bench.ts`)",
    "",
    "No sockets: the bare passthrough as a function against `cryptoOnramp()` through " +
    "`app.request()`, both with an injected `fetch` that answers at once, " +
    `${settings.reps} separate \`deno bench\` runs.`,
    "",
    ...renderInProcess(report),
    "",
    "## Worker bundle",
    "",
    "| Bundle | raw KB | gzip KB | × bare worker (gzip) | budget |",
    "| --- | ---: | ---: | ---: | --- |",
    `| dist/worker.js (dev/bundle.ts) | ${kb(bundles.worker.bytes)} | ${
      kb(bundles.worker.gzipBytes)
    } | ${ratio(bundles.worker.gzipBytes, bundles.bareWorkerGzipBytes)} | goal ≤ ${
      kb(WORKER_GZIP_GOAL_BYTES)
    } KB, test budget ≤ ${kb(WORKER_GZIP_BUDGET_BYTES)} KB gzip |`,
    `| dev/bench/bare_worker.ts, same settings | | ${kb(bundles.bareWorkerGzipBytes)} | 1.00× | |`,
    "",
    "## Every run",
    "",
    ...renderRuns(report),
    "",
    "## Where the in-process time goes (`deno bench dev/bench/breakdown_bench.ts`, one run)",
    "",
    ...renderBreakdown(report),
  ].join("\n");
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const settings = readSettings();
  const generator = await ensureLoadGenerator(settings.loadgen);
  const facts = await machineFacts(`${generator.name} ${generator.version}`);
  log(`${facts.cpu}, ${facts.cores} cores; ${generator.name} ${generator.version}`);

  log("bundling dist/worker.js, dist/node.mjs and the bare passthroughs");
  const worker = await bundle("worker");
  const node = await bundle("node");
  const bareWorkerScript = await bundleBenchEntry("dev/bench/bare_worker.ts", "browser");
  const bareNodeBundle = await Deno.makeTempFile({ prefix: "bare_node_", suffix: ".mjs" });
  try {
    await Deno.writeTextFile(
      bareNodeBundle,
      await bundleBenchEntry("dev/bench/bare_node.ts", "node"),
    );
    const bundles = { worker, bareWorkerGzipBytes: await gzipBytes(bareWorkerScript) };

    const upstream = await startServer(UPSTREAM_SERVER);
    let load: LoadRow[];
    let cold: ColdRow[];
    try {
      log(`upstream at ${upstream.url}`);
      const targets = createTargets({
        upstreamUrl: upstream.url,
        nodeBundle: node.outfile,
        workerBundle: worker.outfile,
        bareNodeBundle,
        bareWorkerScript,
        workerd: settings.workerd,
      });
      log(`cold starts: ${settings.coldReps} per target`);
      cold = await measureColdStarts(targets, settings.coldReps);
      for (const row of cold) {
        log(
          `cold start ${row.target.id}: ${row.failure ?? `${fixed(median(row.samplesMs), 1)} ms`}`,
        );
      }
      load = await measureLoad(targets, generator, upstream.url, settings);
    } finally {
      await upstream.stop();
    }

    log(`in-process: ${settings.reps} deno bench runs of dev/bench/proxy_bench.ts`);
    const inProcess = await measureInProcess(settings.reps);
    let breakdown: Report["breakdown"];
    if (settings.breakdown) {
      log("in-process breakdown: dev/bench/breakdown_bench.ts");
      try {
        breakdown = await denoBench("dev/bench/breakdown_bench.ts");
      } catch (error) {
        breakdown = errorText(error);
      }
    }

    const markdown = renderReport({
      settings,
      facts,
      generator,
      load,
      cold,
      inProcess,
      breakdown,
      bundles,
    });
    console.log(`\n${markdown}`);
    await Deno.writeTextFile(settings.out, `${markdown}\n`);
    // Aligned as `deno fmt` wants it, so the project's `fmt --check` stays green.
    const fmt = await runCommand(Deno.execPath(), ["fmt", "--quiet", settings.out], {
      timeoutMs: 60_000,
    });
    if (fmt.code !== 0) log(`deno fmt ${settings.out} failed: ${fmt.stderr.trim()}`);
    log(`written to ${settings.out}`);
  } finally {
    await Deno.remove(bareNodeBundle).catch(() => {});
  }
}

async function stopEverything(): Promise<void> {
  await Promise.allSettled([...running].map((server) => server.stop()));
  await stopAll();
}

if (import.meta.main) {
  const onSignal = () => {
    console.error("[bench] interrupted: stopping every server");
    stopEverything().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await main();
  } finally {
    await stopEverything();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}
