/**
 * The facts a reader needs to weigh the figures: the machine, the runtime and package
 * versions, the source revision and the date.
 *
 * @module
 */
import { runCommand } from "./_process.ts";

/** Where and with what the figures were measured. */
export interface MachineFacts {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  /** `git rev-parse --short HEAD`, with `+dirty` when the work tree has changes. */
  revision: string;
  versions: Record<string, string>;
}

const ROOT = new URL("../../", import.meta.url);

async function packageVersion(name: string, besides?: string): Promise<string> {
  try {
    // A dependency of a dependency (workerd of miniflare) sits beside it, not at the top.
    const dir = besides === undefined
      ? new URL(`node_modules/${name}`, ROOT).pathname
      : `${await Deno.realPath(new URL(`node_modules/${besides}`, ROOT))}/../${name}`;
    const manifest = await Deno.readTextFile(`${dir}/package.json`);
    return (JSON.parse(manifest) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

function readProc(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

async function revision(): Promise<string> {
  try {
    const head = await runCommand("git", ["rev-parse", "--short", "HEAD"], { timeoutMs: 10_000 });
    const status = await runCommand("git", ["status", "--porcelain"], { timeoutMs: 10_000 });
    return head.stdout.trim() + (status.stdout.trim() === "" ? "" : "+dirty");
  } catch {
    return "unknown";
  }
}

/**
 * Collects the machine facts.
 *
 * @param loadGenerator The load generator's name and version, e.g. `wrk 4.1.0`.
 * @returns The facts.
 */
export async function machineFacts(loadGenerator: string): Promise<MachineFacts> {
  const cpuinfo = readProc("/proc/cpuinfo");
  const memKiB = Number(readProc("/proc/meminfo").match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0);
  let node = "not found";
  try {
    node = (await runCommand("node", ["--version"], { timeoutMs: 10_000 })).stdout.trim();
  } catch {
    // reported as not found
  }
  const names = [
    "hono",
    "zod",
    "@hono/node-server",
    "miniflare",
    "express",
    "stripe",
  ];
  const versions: Record<string, string> = {
    deno: `${Deno.version.deno} (V8 ${Deno.version.v8})`,
    node,
  };
  for (const name of names) versions[name] = await packageVersion(name);
  versions.workerd = await packageVersion("workerd", "miniflare");
  versions["load generator"] = loadGenerator;
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(memKiB / 1024 / 1024 * 10) / 10,
    kernel: Deno.osRelease(),
    revision: await revision(),
    versions,
  };
}
