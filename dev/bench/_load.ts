/**
 * The load generator: `wrk` (Debian's package, installed on first use when the harness runs
 * as root), or autocannon from npm when wrk cannot be had. Every run is bounded in time and
 * only ever targets a loopback URL.
 *
 * @module
 */
import { CUSTOMER_IP, REQUEST_BODY } from "./_fixtures.ts";
import { runCommand } from "./_process.ts";

/** The load generator in use. */
export interface LoadGenerator {
  name: "wrk" | "autocannon";
  /** Its version, as it reports it. */
  version: string;
  /** How it got here, or why the fallback is used. */
  note: string;
}

/** What one load run measured. */
export interface LoadResult {
  /** Responses completed. */
  requests: number;
  /** Requests per second over the run. */
  rps: number;
  /** Answers of 400 and above (wrk) or outside 2xx (autocannon). */
  httpErrors: number;
  /** Connect, read and write errors. */
  socketErrors: number;
  /** Requests that got no answer within 5 s. */
  timeouts: number;
  /** Median latency, milliseconds. */
  p50Ms: number;
  /** 99th-percentile latency, milliseconds. */
  p99Ms: number;
}

/** Shape of one load run. */
export interface LoadOptions {
  /** Open connections, each sending its next request as soon as the previous is answered. */
  connections: number;
  /** How long to load, in seconds. */
  seconds: number;
}

const HERE = new URL("./", import.meta.url).pathname;

async function wrkVersion(): Promise<string | undefined> {
  try {
    // `wrk -v` prints its banner and exits non-zero.
    const { stdout, stderr } = await runCommand("wrk", ["-v"], { timeoutMs: 10_000 });
    return (stdout + stderr).match(/^wrk\s+(\S+)/m)?.[1] ?? "unknown";
  } catch {
    return undefined;
  }
}

async function autocannonVersion(): Promise<string> {
  const manifest = new URL("../../node_modules/autocannon/package.json", import.meta.url);
  return (JSON.parse(await Deno.readTextFile(manifest)) as { version: string }).version;
}

async function installWrk(): Promise<string> {
  if (Deno.uid() !== 0) return "not root, so apt-get cannot install wrk";
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const update = await runCommand("apt-get", ["update", "-qq"], { env, timeoutMs: 300_000 });
  if (update.code !== 0) return `apt-get update failed: ${update.stderr.trim().slice(-200)}`;
  const install = await runCommand("apt-get", ["install", "-y", "-qq", "wrk"], {
    env,
    timeoutMs: 300_000,
  });
  return install.code === 0
    ? ""
    : `apt-get install wrk failed: ${install.stderr.trim().slice(-200)}`;
}

/**
 * Finds or installs the load generator.
 *
 * @param preference `BENCH_LOADGEN`: `wrk`, `autocannon`, or empty for wrk with fallback.
 * @returns The generator to use.
 */
export async function ensureLoadGenerator(preference = ""): Promise<LoadGenerator> {
  if (preference === "autocannon") {
    return { name: "autocannon", version: await autocannonVersion(), note: "BENCH_LOADGEN" };
  }
  let version = await wrkVersion();
  let note = "found on PATH";
  if (version === undefined) {
    console.log("wrk not found: installing it with apt-get (Debian's package)…");
    let why = "";
    try {
      why = await installWrk();
    } catch (error) {
      why = `apt-get could not run: ${error instanceof Error ? error.message : error}`;
    }
    version = await wrkVersion();
    note = version === undefined ? why : "installed with apt-get by the harness";
  }
  if (version !== undefined) return { name: "wrk", version, note };
  if (preference === "wrk") throw new Error(`Cannot use wrk as BENCH_LOADGEN asks: ${note}`);
  console.warn(`Falling back to autocannon (${note}); its latencies are whole milliseconds.`);
  return { name: "autocannon", version: await autocannonVersion(), note: `fallback: ${note}` };
}

function checkLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(hostname)) {
    throw new Error(`Refusing to load a non-loopback address: ${url}`);
  }
}

/**
 * Loads `url` with the benchmark request for a fixed time.
 *
 * @param generator The load generator.
 * @param url The full URL of the sessions route (loopback only).
 * @param options Connections and duration.
 * @returns What the generator measured.
 * @throws {Error} When the URL is not loopback or the generator fails.
 */
export async function runLoad(
  generator: LoadGenerator,
  url: string,
  options: LoadOptions,
): Promise<LoadResult> {
  checkLoopback(url);
  const { connections, seconds } = options;
  const timeoutMs = (seconds + 30) * 1000;
  const { code, stdout, stderr } = generator.name === "wrk"
    ? await runCommand("wrk", [
      "-t1",
      `-c${connections}`,
      `-d${seconds}s`,
      "--timeout",
      "5s",
      "-s",
      `${HERE}wrk_report.lua`,
      url,
    ], { timeoutMs })
    : await runCommand("node", [
      `${HERE}autocannon_run.mjs`,
      JSON.stringify({
        url,
        connections,
        seconds,
        body: REQUEST_BODY,
        headers: { "content-type": "application/json", "cf-connecting-ip": CUSTOMER_IP },
      }),
    ], { timeoutMs });
  const line = stdout.split("\n").find((text) => text.startsWith("BENCH_JSON "));
  if (code !== 0 || line === undefined) {
    throw new Error(`${generator.name} failed (exit ${code}): ${(stdout + stderr).slice(-500)}`);
  }
  const raw = JSON.parse(line.slice("BENCH_JSON ".length)) as Record<string, number>;
  const num = (key: string) => raw[key] ?? Number.NaN;
  return {
    requests: num("requests"),
    rps: num("requests") / (num("durationUs") / 1e6),
    httpErrors: num("httpErrors"),
    socketErrors: num("socketErrors"),
    timeouts: num("timeouts"),
    p50Ms: num("p50Us") / 1000,
    p99Ms: num("p99Us") / 1000,
  };
}
