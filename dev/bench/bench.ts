/**
 * `deno task bench`: measures the middleware against a bare passthrough and against the
 * status quo (Express + Stripe's Node library), side by side in one run, on a local upstream
 * that answers at once. Prints the results and writes them to `dev/bench/RESULTS.md`, and the
 * goals' ratios, machine-readable, to `dev/bench/results.json` (beside `BENCH_OUT`, as
 * `X.json` for `X.md`).
 *
 * Settings (environment): BENCH_REPS (3), BENCH_SECONDS (10), BENCH_WARMUP (3),
 * BENCH_CONNECTIONS (32), BENCH_COLD_REPS (7), BENCH_LOADGEN (`wrk` or `autocannon`; default
 * wrk, installed with apt-get when missing, else autocannon), BENCH_WORKERD (`0` skips the
 * workerd targets), BENCH_BREAKDOWN (`0` skips the in-process breakdown), BENCH_WRANGLER (`0`
 * skips the wrangler bundle), BENCH_OUT (`dev/bench/RESULTS.md`).
 *
 * @module
 */
import { bundle, type BundleReport, WORKER_GZIP_BUDGET_BYTES } from "../bundle.ts";
import { CUSTOMER_IP, SESSIONS_PATH, UPSTREAM_SERVER } from "./_fixtures.ts";
import {
  formatBound,
  formatGoalValue,
  type GoalKey,
  type GoalResult,
  GOALS,
  jsonPathFor,
  meets,
  resultsFile,
} from "./_goals.ts";
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
import { type WranglerBundle, wranglerBundle } from "./_wrangler.ts";
import type { ProxyBenchRounds } from "./proxy_bench.ts";

interface Settings {
  reps: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  coldReps: number;
  loadgen: string;
  workerd: boolean;
  breakdown: boolean;
  wrangler: boolean;
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
    wrangler: Deno.env.get("BENCH_WRANGLER") !== "0",
    out: Deno.env.get("BENCH_OUT") ?? new URL("./RESULTS.md", import.meta.url).pathname,
  };
}

/** One load run of a target in one round: its two halves (see `measureLoad`) merged. */
interface LoadRun extends LoadResult {
  /** Server CPU (user + system, all threads) per completed request, microseconds. */
  cpuUsPerRequest: number | undefined;
  /** Connections the upstream accepted during the run (keep-alive reuse shows as few). */
  upstreamConnections: number;
}

interface LoadRow {
  target: Target;
  /** One run per round, in round order. */
  runs: LoadRun[];
  peakRssKiB: number | undefined;
  failure: string | undefined;
}

interface ColdRow {
  target: Target;
  /** One start per round, in round order. */
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
  /** Each run's medians; `helperUs`: through `app.request()`, which copies the `Request` first. */
  runs: { bareUs: number; onrampUs: number; helperUs: number }[];
  /** Every measured round of every run: `[onrampUs, bareUs]`, timed moments apart. */
  rounds: [number, number][];
  failure: string | undefined;
}

interface Webhooks {
  runs: { stripeUs: number; oursUs: number }[];
  failure: string | undefined;
}

interface Bundles {
  worker: BundleReport;
  bareWorkerGzipBytes: number;
  /** `wrangler deploy --dry-run --minify` of the demo Worker, or why it is missing. */
  wrangler: WranglerBundle | string;
}

const ROOT = new URL("../../", import.meta.url).pathname;
const LOAD_HEADERS = { "cf-connecting-ip": CUSTOMER_IP };
const running = new Set<RunningTarget>();

/**
 * Targets compared with one another, loaded back to back: a goal's two figures are always
 * taken minutes apart at most, and in the same conditions (see `measureLoad`).
 */
const LOAD_GROUPS: readonly (readonly TargetId[])[] = [
  ["bare-deno", "onramp-deno"],
  ["onramp-node", "express-stripe", "bare-node"],
  ["bare-workerd", "onramp-workerd"],
];

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
  // One untimed start first: it fills Deno's and the OS's caches, as on any warm machine. Each
  // round starts every target once, in an order that rotates, so that a target and its floor
  // are timed moments apart and neither always goes first.
  for (let rep = -1; rep < reps; rep++) {
    const order = rows.map((_, index) => rows[(index + Math.max(rep, 0)) % rows.length]!);
    for (const row of order) {
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

interface HalfRun extends LoadResult {
  cpuSeconds: number | undefined;
  upstreamConnections: number;
}

function mergeHalves(halves: HalfRun[]): LoadRun {
  const requests = halves.reduce((sum, half) => sum + half.requests, 0);
  const seconds = halves.reduce((sum, half) => sum + half.requests / half.rps, 0);
  const cpu = halves.every((half) => half.cpuSeconds !== undefined)
    ? halves.reduce((sum, half) => sum + half.cpuSeconds!, 0)
    : undefined;
  const mean = (key: "p50Ms" | "p99Ms") =>
    halves.reduce((sum, half) => sum + half[key], 0) / halves.length;
  const total = (key: "httpErrors" | "socketErrors" | "timeouts" | "upstreamConnections") =>
    halves.reduce((sum, half) => sum + half[key], 0);
  return {
    requests,
    rps: requests / seconds,
    httpErrors: total("httpErrors"),
    socketErrors: total("socketErrors"),
    timeouts: total("timeouts"),
    p50Ms: mean("p50Ms"),
    p99Ms: mean("p99Ms"),
    cpuUsPerRequest: cpu === undefined ? undefined : cpu * 1e6 / requests,
    upstreamConnections: total("upstreamConnections"),
  };
}

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
    const byId = new Map(active.map((row) => [row.target.id, row]));
    const urlOf = (row: LoadRow) => new URL(SESSIONS_PATH, live.get(row.target.id)!.url).href;
    const load = { connections: settings.connections };
    for (const row of active) {
      log(`warming up ${row.target.id} for ${settings.warmupSeconds} s`);
      await runLoad(generator, urlOf(row), { ...load, seconds: settings.warmupSeconds });
    }
    const halfSeconds = Math.max(1, Math.round(settings.seconds / 2));
    const groups = LOAD_GROUPS.map((ids) =>
      ids.map((id) => byId.get(id)).filter((row): row is LoadRow => row !== undefined)
    ).filter((group) => group.length > 0);
    for (const row of active) {
      if (!groups.some((group) => group.includes(row))) groups.push([row]);
    }
    const loadOnce = async (row: LoadRow): Promise<HalfRun> => {
      const pid = live.get(row.target.id)!.pid;
      const upstreamBefore = await upstreamStats(upstreamUrl);
      const cpuBefore = pid === undefined ? undefined : cpuSeconds(pid);
      const result = await runLoad(generator, urlOf(row), { ...load, seconds: halfSeconds });
      const cpuAfter = pid === undefined ? undefined : cpuSeconds(pid);
      const upstreamAfter = await upstreamStats(upstreamUrl);
      return {
        ...result,
        cpuSeconds: cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : cpuAfter - cpuBefore,
        upstreamConnections: upstreamAfter.connections - upstreamBefore.connections,
      };
    };
    for (let rep = 0; rep < settings.reps; rep++) {
      // Groups in a rotating order; within a group, each target is loaded twice for half the
      // time, mirrored (A B B A, or B A A B in odd rounds): a drift in the machine's load, such
      // as another job starting, then weighs on both sides of a ratio alike.
      for (let g = 0; g < groups.length; g++) {
        const group = groups[(g + rep) % groups.length]!;
        const order = rep % 2 === 0 ? group : [...group].reverse();
        const halves = new Map<LoadRow, HalfRun[]>();
        for (const row of [...order, ...[...order].reverse()]) {
          const half = await loadOnce(row);
          halves.set(row, [...(halves.get(row) ?? []), half]);
        }
        for (const row of order) {
          const run = mergeHalves(halves.get(row)!);
          row.runs.push(run);
          const errors = run.httpErrors + run.socketErrors + run.timeouts;
          log(
            `rep ${rep + 1}/${settings.reps} ${row.target.id}: ${fixed(run.rps, 0)} req/s, ` +
              `p50 ${fixed(run.p50Ms, 2)} ms, p99 ${fixed(run.p99Ms, 2)} ms` +
              (errors > 0 ? `, ${errors} errors` : ""),
          );
        }
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

/** Measured rounds per in-process run (`dev/bench/proxy_bench.ts`). */
const IN_PROCESS_ROUNDS = 15;
/** Requests of each subject per round. */
const IN_PROCESS_PER_ROUND = 2_000;

async function denoBench(file: string): Promise<BenchRecord[]> {
  const { code, stdout, stderr } = await runCommand(
    Deno.execPath(),
    ["bench", "-A", "--json", `${ROOT}${file}`],
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
  const result: InProcess = { runs: [], rounds: [], failure: undefined };
  try {
    for (let rep = 0; rep < reps; rep++) {
      const { code, stdout, stderr } = await runCommand(
        Deno.execPath(),
        [
          "run",
          "-A",
          `${ROOT}dev/bench/proxy_bench.ts`,
          String(IN_PROCESS_ROUNDS),
          String(IN_PROCESS_PER_ROUND),
        ],
        { timeoutMs: 600_000 },
      );
      if (code !== 0) throw new Error(`proxy_bench.ts failed: ${(stderr + stdout).slice(-500)}`);
      const rounds = JSON.parse(stdout) as ProxyBenchRounds;
      rounds.onramp.forEach((us, index) => result.rounds.push([us, rounds.bare[index]!]));
      const run = {
        bareUs: median(rounds.bare),
        onrampUs: median(rounds.onramp),
        helperUs: median(rounds.helper),
      };
      result.runs.push(run);
      log(
        `in-process run ${rep + 1}/${reps}: bare ${fixed(run.bareUs, 1)} µs, ` +
          `cryptoOnramp ${fixed(run.onrampUs, 1)} µs (${fixed(run.helperUs, 1)} via app.request)`,
      );
    }
  } catch (error) {
    result.failure = errorText(error);
  }
  return result;
}

async function measureWebhooks(reps: number): Promise<Webhooks> {
  const result: Webhooks = { runs: [], failure: undefined };
  try {
    for (let rep = 0; rep < reps; rep++) {
      const records = await denoBench("dev/bench/webhook_bench.ts");
      const stripe = records.find((record) => record.baseline);
      const ours = records.find((record) => !record.baseline);
      if (stripe === undefined || ours === undefined) throw new Error("missing bench subjects");
      result.runs.push({ stripeUs: stripe.avgUs, oursUs: ours.avgUs });
      log(
        `webhook run ${rep + 1}/${reps}: stripe-node ${fixed(stripe.avgUs, 1)} µs, ` +
          `ours ${fixed(ours.avgUs, 1)} µs`,
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
  webhooks: Webhooks;
  breakdown: BenchRecord[] | string | undefined;
  bundles: Bundles;
  /** `LOG.md`: what was tried for the goals, kept or rejected, and why; carried into the report. */
  triedLog: string;
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

/** The median of per-round ratios: each round's two figures were taken back to back. */
function medianRatio(pairs: readonly (readonly [number, number])[]): number | undefined {
  const ratios = pairs.map(([a, b]) => a / b).filter((value) => Number.isFinite(value));
  return ratios.length === 0 ? undefined : median(ratios);
}

function loadRatio(load: LoadRow[], id: TargetId, base: TargetId): GoalResult["value"] {
  const a = rowOf(load, id);
  const b = rowOf(load, base);
  if (a === undefined || b === undefined) return undefined;
  return medianRatio(a.runs.map((run, index) => [run.rps, b.runs[index]?.rps ?? NaN] as const));
}

function loadDetail(load: LoadRow[], id: TargetId, base: TargetId): string {
  const a = rowOf(load, id);
  const b = rowOf(load, base);
  if (a === undefined || b === undefined) return "not measured";
  const rounds = a.runs.map((run, index) => fixed(run.rps / (b.runs[index]?.rps ?? NaN), 2));
  const errors = errorCount(a) + errorCount(b) > 0 ? "; ⚠ some runs had errors" : "";
  return `${fixed(pick(a, "rps"), 0)} vs ${fixed(pick(b, "rps"), 0)} req/s (medians); ` +
    `per round ${rounds.join(", ")}${errors}`;
}

function goalResults(report: Report): GoalResult[] {
  const { load, cold, inProcess, webhooks, bundles } = report;
  const coldOf = (id: TargetId) => {
    const row = cold.find((candidate) => candidate.target.id === id);
    return row && row.failure === undefined ? row.samplesMs : undefined;
  };
  const coldDeno = coldOf("onramp-deno");
  const coldBare = coldOf("bare-deno");
  const coldPairs = coldDeno && coldBare
    ? coldDeno.map((ms, index) => [ms, coldBare[index] ?? NaN] as const)
    : [];
  const inProcessPairs = inProcess.failure === undefined ? inProcess.rounds : [];
  // Events per second are the inverse of the time per event: stripe-node's time over ours.
  const webhookPairs = webhooks.failure === undefined
    ? webhooks.runs.map((run) => [run.stripeUs, run.oursUs] as const)
    : [];
  const wrangler = typeof bundles.wrangler === "string" ? undefined : bundles.wrangler;
  const values: Record<GoalKey, { value: number | undefined; detail: string }> = {
    node_vs_express_rps: {
      value: loadRatio(load, "onramp-node", "express-stripe"),
      detail: loadDetail(load, "onramp-node", "express-stripe"),
    },
    deno_vs_bare_rps: {
      value: loadRatio(load, "onramp-deno", "bare-deno"),
      detail: loadDetail(load, "onramp-deno", "bare-deno"),
    },
    workerd_vs_floor_rps: {
      value: loadRatio(load, "onramp-workerd", "bare-workerd"),
      detail: loadDetail(load, "onramp-workerd", "bare-workerd"),
    },
    inprocess_vs_bare: {
      value: medianRatio(inProcessPairs),
      detail: inProcess.failure ??
        `${fixed(median(inProcess.runs.map((run) => run.onrampUs)), 1)} vs ${
          fixed(median(inProcess.runs.map((run) => run.bareUs)), 1)
        } µs (medians); per run ${
          inProcess.runs.map((run) => fixed(run.onrampUs / run.bareUs, 2)).join(", ")
        }; median of ${inProcessPairs.length} rounds' ratios`,
    },
    deno_cold_start_vs_bare: {
      value: medianRatio(coldPairs),
      detail: coldDeno && coldBare
        ? `${fixed(median(coldDeno), 1)} vs ${fixed(median(coldBare), 1)} ms (medians); per round ${
          coldPairs.map(([a, b]) => fixed(a / b, 2)).join(", ")
        }`
        : "not measured",
    },
    worker_gzip_kb: {
      value: wrangler === undefined ? undefined : wrangler.gzipBytes / 1024,
      detail: wrangler === undefined
        ? `not measured: ${bundles.wrangler}`
        : `wrangler ${wrangler.version} on Node ${wrangler.node}: ${
          fixed(wrangler.bytes / 1024, 1)
        } KB minified (wrangler says "${wrangler.wranglerSays}")`,
    },
    webhook_verify_vs_stripe_node: {
      value: medianRatio(webhookPairs),
      detail: webhooks.failure ??
        `${fixed(median(webhooks.runs.map((run) => run.oursUs)), 1)} vs ${
            fixed(median(webhooks.runs.map((run) => run.stripeUs)), 1)
          } µs per event (medians); ` +
          `per run ${webhookPairs.map(([a, b]) => fixed(a / b, 2)).join(", ")}`,
    },
  };
  return GOALS.map((goal) => ({ goal, ...values[goal.key] }));
}

function renderGoals(report: Report): string[] {
  return [
    "| Goal | `results.json` key | Measured | Goal | Verdict | From |",
    "| --- | --- | ---: | ---: | --- | --- |",
    ...goalResults(report).map(({ goal, value, detail }) =>
      `| ${goal.label} | \`${goal.key}\` | ${formatGoalValue(goal, value)} | ${
        formatBound(goal)
      } | ${verdict(meets(goal, value))} | ${detail.replaceAll("|", "/")} |`
    ),
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
  const helper = median(runs.map((run) => run.helperUs));
  return [
    "| Subject | µs/request (median of the runs' medians) | each run (median of its rounds) | × bare |",
    "| --- | ---: | --- | ---: |",
    `| bare passthrough function (baseline) | ${fixed(bare, 1)} | ${
      runs.map((run) => fixed(run.bareUs, 1)).join(", ")
    } | 1.00× |`,
    `| cryptoOnramp() via app.fetch() | ${fixed(onramp, 1)} | ${
      runs.map((run) => fixed(run.onrampUs, 1)).join(", ")
    } | ${ratio(onramp, bare)} |`,
    `| cryptoOnramp() via app.request() (copies the Request first; not the goal's figure) | ${
      fixed(helper, 1)
    } | ${runs.map((run) => fixed(run.helperUs, 1)).join(", ")} | ${ratio(helper, bare)} |`,
    "",
    `Middleware overhead over the bare function: **${fixed(onramp - bare, 1)} µs per request**.`,
  ];
}

function renderWebhooks(report: Report): string[] {
  const { runs, failure } = report.webhooks;
  if (failure !== undefined) return [`Not measured: ${failure}`];
  const stripe = median(runs.map((run) => run.stripeUs));
  const ours = median(runs.map((run) => run.oursUs));
  return [
    "The same signed `crypto.onramp_session_updated` deliveries, verified and parsed: our " +
    "`verify()` plus `JSON.parse` of the event against stripe-node's `constructEventAsync()`, " +
    `${runs.length} separate \`deno bench\` runs.`,
    "",
    "| Subject | µs/event (median of the runs' means) | each run | events/s × stripe-node |",
    "| --- | ---: | --- | ---: |",
    `| stripe-node constructEventAsync() (baseline) | ${fixed(stripe, 1)} | ${
      runs.map((run) => fixed(run.stripeUs, 1)).join(", ")
    } | 1.00× |`,
    `| ours: verify() + JSON.parse | ${fixed(ours, 1)} | ${
      runs.map((run) => fixed(run.oursUs, 1)).join(", ")
    } | ${ratio(stripe, ours)} |`,
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
    `${settings.connections} connections, ${settings.seconds} s per target per round (two ` +
    `halves, mirrored: A B B A) after a ${settings.warmupSeconds} s warm-up, ${settings.reps} ` +
    "round(s); targets compared by a goal are loaded back to back, and a goal's ratio is the " +
    "median of its per-round ratios. Other figures are medians of the rounds.",
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
    `${settings.coldReps} starts after one untimed start that warms the caches; each round ` +
    "starts every target once, in a rotating order.",
    "",
    ...renderCold(report),
    "",
    "## In-process cost (`deno run -A dev/bench/proxy_bench.ts`)",
    "",
    "No sockets: the bare passthrough as a function against `cryptoOnramp()` through " +
    "`app.fetch()`, as servers call it, both given the same fresh `Request` and an injected " +
    "`fetch` that answers at once, taking turns in rounds of " +
    `${IN_PROCESS_PER_ROUND} requests each (${settings.reps} runs of ${IN_PROCESS_ROUNDS} rounds; ` +
    "the goal is the median of the rounds' ratios).",
    "",
    ...renderInProcess(report),
    "",
    "## Worker bundle",
    "",
    "What a platform deploys is what wrangler bundles from the entry (`demo/wrangler.toml`, " +
    "`wrangler deploy --dry-run --minify`): the goal's figure. `dev/bundle.ts` builds the " +
    "bundle the runtime tests load, with zod's English locale only; the tests hold it to its " +
    "own budget.",
    "",
    "| Bundle | raw KB | gzip KB | × bare worker (gzip) | budget |",
    "| --- | ---: | ---: | ---: | --- |",
    typeof bundles.wrangler === "string"
      ? `| wrangler deploy --dry-run --minify | not measured: ${
        bundles.wrangler.replaceAll("|", "/")
      } | | | |`
      : `| wrangler ${bundles.wrangler.version} deploy --dry-run --minify (demo/wrangler.toml) | ${
        kb(bundles.wrangler.bytes)
      } | ${kb(bundles.wrangler.gzipBytes)} | ${
        ratio(bundles.wrangler.gzipBytes, bundles.bareWorkerGzipBytes)
      } | goal ${formatBound(GOALS.find((goal) => goal.key === "worker_gzip_kb")!)} |`,
    `| dist/worker.js (dev/bundle.ts) | ${kb(bundles.worker.bytes)} | ${
      kb(bundles.worker.gzipBytes)
    } | ${ratio(bundles.worker.gzipBytes, bundles.bareWorkerGzipBytes)} | test budget ≤ ${
      kb(WORKER_GZIP_BUDGET_BYTES)
    } KB gzip |`,
    `| dev/bench/bare_worker.ts, same settings | | ${kb(bundles.bareWorkerGzipBytes)} | 1.00× | |`,
    "",
    "## Webhook verification (`deno bench dev/bench/webhook_bench.ts`)",
    "",
    ...renderWebhooks(report),
    "",
    "## Every run",
    "",
    ...renderRuns(report),
    "",
    "## Where the in-process time goes (`deno bench dev/bench/breakdown_bench.ts`, one run)",
    "",
    ...renderBreakdown(report),
    "",
    "## What was tried, kept or rejected ([LOG.md](LOG.md), copied here by each run)",
    "",
    // LOG.md's own headings sit one level below this section's.
    report.triedLog.trim().replace(/^#+ .*\n+/, "").replace(/^(#+) /gm, "#$1 "),
  ].join("\n");
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const settings = readSettings();
  const generator = await ensureLoadGenerator(settings.loadgen);
  const facts = await machineFacts(`${generator.name} ${generator.version}`);
  log(`${facts.cpu}, ${facts.cores} cores; ${generator.name} ${generator.version}`);

  log("bundling dist/worker.js, dist/deno/deno.mjs, dist/node.mjs and the bare passthroughs");
  const worker = await bundle("worker");
  const deno = await bundle("deno");
  const node = await bundle("node");
  const bareWorkerScript = await bundleBenchEntry("dev/bench/bare_worker.ts", "browser");
  const bareNodeBundle = await Deno.makeTempFile({ prefix: "bare_node_", suffix: ".mjs" });
  try {
    await Deno.writeTextFile(
      bareNodeBundle,
      await bundleBenchEntry("dev/bench/bare_node.ts", "node"),
    );
    let wrangler: Bundles["wrangler"] = "skipped (BENCH_WRANGLER=0)";
    if (settings.wrangler) {
      log("bundling the demo Worker with wrangler deploy --dry-run --minify");
      try {
        wrangler = await wranglerBundle();
      } catch (error) {
        wrangler = errorText(error);
      }
    }
    const bundles: Bundles = {
      worker,
      bareWorkerGzipBytes: await gzipBytes(bareWorkerScript),
      wrangler,
    };

    const upstream = await startServer(UPSTREAM_SERVER);
    let load: LoadRow[];
    let cold: ColdRow[];
    try {
      log(`upstream at ${upstream.url}`);
      const targets = createTargets({
        upstreamUrl: upstream.url,
        denoBundle: deno.outfile,
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
      load = await measureLoad(
        targets.filter((target) => !target.coldOnly),
        generator,
        upstream.url,
        settings,
      );
    } finally {
      await upstream.stop();
    }

    log(`in-process: ${settings.reps} runs of dev/bench/proxy_bench.ts`);
    const inProcess = await measureInProcess(settings.reps);
    log(`webhooks: ${settings.reps} deno bench runs of dev/bench/webhook_bench.ts`);
    const webhooks = await measureWebhooks(settings.reps);
    let breakdown: Report["breakdown"];
    if (settings.breakdown) {
      log("in-process breakdown: dev/bench/breakdown_bench.ts");
      try {
        breakdown = await denoBench("dev/bench/breakdown_bench.ts");
      } catch (error) {
        breakdown = errorText(error);
      }
    }

    const triedLog = await Deno.readTextFile(new URL("./LOG.md", import.meta.url));
    const report: Report = {
      triedLog,
      settings,
      facts,
      generator,
      load,
      cold,
      inProcess,
      webhooks,
      breakdown,
      bundles,
    };
    const markdown = renderReport(report);
    console.log(`\n${markdown}`);
    await Deno.writeTextFile(settings.out, `${markdown}\n`);
    const jsonPath = jsonPathFor(settings.out);
    const json = resultsFile(goalResults(report), {
      date: facts.date,
      revision: facts.revision,
      settings: { ...settings },
    });
    await Deno.writeTextFile(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    // Aligned as `deno fmt` wants it, so the project's `fmt --check` stays green.
    const fmt = await runCommand(Deno.execPath(), ["fmt", "--quiet", settings.out, jsonPath], {
      timeoutMs: 60_000,
    });
    if (fmt.code !== 0) log(`deno fmt ${settings.out} failed: ${fmt.stderr.trim()}`);
    log(`written to ${settings.out} and ${jsonPath}`);
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
