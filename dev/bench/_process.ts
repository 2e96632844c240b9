/**
 * Child processes of the harness: servers that print their URL, and what `/proc` says about
 * them (peak RSS, CPU time). Every process started here is registered, so one call stops
 * them all, including on Ctrl-C.
 *
 * @module
 */

/** A server process that has printed where it listens. */
export interface ServerProcess {
  /** The base URL it printed, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Its process id (the runtime itself, not a wrapper). */
  pid: number;
  /** `performance.now()` just before it was spawned. */
  spawnedAt: number;
  /** The last 64 KiB of what it printed, stdout and stderr. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** How to start one server. */
export interface ServerSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
}

const URL_PATTERN = /https?:\/\/[\w.:[\]-]+:\d+/;
const MAX_OUTPUT = 64 * 1024;
const live = new Set<() => Promise<void>>();

/**
 * Stops every process still running, in parallel. Safe to call more than once.
 *
 * @returns Once all have exited.
 */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...live].map((stop) => stop()));
}

/**
 * Spawns a server and resolves once it prints a URL on stdout.
 *
 * @param spec Command, arguments and extra environment.
 * @param timeoutMs How long to wait for the URL.
 * @returns The running server.
 * @throws {Error} When it exits or stays silent before printing a URL; it is stopped first.
 */
export async function startServer(spec: ServerSpec, timeoutMs = 30_000): Promise<ServerProcess> {
  const spawnedAt = performance.now();
  const child = new Deno.Command(spec.command, {
    args: spec.args,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...spec.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let printed = "";
  const append = (text: string) => {
    printed = (printed + text).slice(-MAX_OUTPUT);
  };
  let foundUrl: (url: string) => void = () => {};
  const urlPrinted = new Promise<string>((resolve) => (foundUrl = resolve));
  const drain = async (stream: ReadableStream<Uint8Array>, onText: (text: string) => void) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) onText(text);
  };
  const drained = Promise.allSettled([
    drain(child.stdout, (text) => {
      append(text);
      const match = printed.match(URL_PATTERN);
      if (match) foundUrl(match[0]);
    }),
    drain(child.stderr, append),
  ]);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      const signal = (name: Deno.Signal) => {
        try {
          child.kill(name);
        } catch {
          // already exited
        }
      };
      signal("SIGTERM");
      const killer = setTimeout(() => signal("SIGKILL"), 3_000);
      await child.status;
      clearTimeout(killer);
      await drained;
      live.delete(stop);
    })();
  live.add(stop);

  let timer: ReturnType<typeof setTimeout> | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${spec.command} printed no URL within ${timeoutMs} ms:\n${printed}`)),
      timeoutMs,
    );
  });
  const exited = child.status.then((status) => {
    throw new Error(`${spec.command} exited with ${status.code} before listening:\n${printed}`);
  });
  exited.catch(() => {});
  try {
    const url = await Promise.race([urlPrinted, silent, exited]);
    return { url, pid: child.pid, spawnedAt, output: () => printed, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a command to completion with a deadline and returns what it printed.
 *
 * @param command The executable.
 * @param args Its arguments.
 * @param options Extra environment, working directory and the deadline.
 * @returns Exit code, stdout and stderr.
 */
export async function runCommand(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { env = {}, timeoutMs = 120_000, cwd } = options;
  const output = await new Deno.Command(command, {
    args,
    ...(cwd !== undefined && { cwd }),
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/**
 * The peak resident set size of a running process (`VmHWM` in `/proc/<pid>/status`).
 *
 * @param pid The process.
 * @returns KiB, or `undefined` when it cannot be read (not Linux, or the process is gone).
 */
export function peakRssKiB(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = status.match(/^VmHWM:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time a process has used so far, user plus system, all threads (`/proc/<pid>/stat`).
 *
 * @param pid The process.
 * @returns Seconds, or `undefined` when it cannot be read.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name (field 2) may hold spaces; fields after its closing parenthesis don't.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return ticks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

// USER_HZ is 100 on every Linux architecture Deno ships for.
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Child processes of this process named `name` (for workerd, which Miniflare spawns).
 *
 * @param name The command name in `/proc/<pid>/comm`.
 * @returns Their pids.
 */
export function childPidsNamed(name: string): number[] {
  const pids: number[] = [];
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (ppid === Deno.pid && comm === name) pids.push(Number(entry.name));
      } catch {
        // exited while we looked
      }
    }
  } catch {
    // no /proc
  }
  return pids;
}
