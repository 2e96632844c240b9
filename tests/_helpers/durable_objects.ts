/**
 * Durable Objects for tests: two Workers in real workerd (Miniflare) sharing the objects one of
 * them defines, and an in-memory object state that runs one callback at a time like the
 * runtime's.
 */
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import type { DurableObjectStateLike } from "../../stores/durable_object.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

// Statuses whose response may not have a body (https://fetch.spec.whatwg.org/#null-body-status).
const NULL_BODY_STATUSES = [101, 103, 204, 205, 304];

/** Sends a request to one Worker, at a path (`/hit?…`), as `fetch` does. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** The Workers to start. */
export interface TwoWorkersOptions {
  /** The Worker's entry module: bundled with esbuild, it exports the Durable Object classes. */
  entry: URL;
  /** Durable Object bindings, by name: the class each one binds. */
  durableObjects: Record<string, string>;
  /** Variables of both Workers. */
  bindings?: Record<string, string>;
}

/** Bundles a test Worker (which exports its Durable Object classes) to a temporary file. */
async function bundleTestWorker(entry: URL, dir: string): Promise<string> {
  const outfile = `${dir}/worker.js`;
  try {
    await esbuild.build({
      entryPoints: [entry.pathname],
      outfile,
      bundle: true,
      format: "esm",
      platform: "browser",
      conditions: ["workerd", "worker", "browser"],
      target: "es2022",
      absWorkingDir: ROOT,
      logLevel: "error",
    });
  } finally {
    await esbuild.stop();
  }
  return outfile;
}

/**
 * Two Workers, "a" and "b", built from one script; both bind each Durable Object to the class
 * that "a" defines, as two deployments (or two instances) sharing one set of objects.
 *
 * @param options The script, its Durable Object bindings and its variables.
 * @param test Runs with a sender for each Worker.
 */
export async function withTwoWorkers(
  options: TwoWorkersOptions,
  test: (workers: { a: Send; b: Send }) => Promise<void>,
): Promise<void> {
  const { entry, durableObjects, bindings = {} } = options;
  const dir = await Deno.makeTempDir({ prefix: "onramp_do_" });
  const scriptPath = await bundleTestWorker(entry, dir);
  const common = {
    modules: true,
    modulesRoot: dir, // module names are relative to it; workerd refuses ".." in them
    scriptPath,
    compatibilityDate: "2026-07-01",
    bindings,
  };
  const shared = Object.fromEntries(
    Object.entries(durableObjects).map(([name, className]) => [
      name,
      { className, scriptName: "a" },
    ]),
  );
  const mf = new Miniflare({
    workers: [
      { ...common, name: "a", durableObjects },
      { ...common, name: "b", durableObjects: shared },
    ],
  });
  try {
    const sender = (name: string): Send => async (path, init = {}) => {
      // Miniflare's Fetcher type does not survive Deno's type checking; its shape does.
      const worker = await mf.getWorker(name) as unknown as {
        fetch(url: string, init: unknown): Promise<Response>;
      };
      const res = await worker.fetch(`http://localhost${path}`, init);
      const body = await res.arrayBuffer();
      return new Response(NULL_BODY_STATUSES.includes(res.status) ? null : body, {
        status: res.status,
        headers: [...res.headers],
      });
    };
    await test({ a: sender("a"), b: sender("b") });
  } finally {
    await mf.dispose();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A Durable Object state in memory, one callback at a time like the runtime's. */
export function memoryState(): DurableObjectStateLike & {
  data: Map<string, unknown>;
  alarm: number | null;
} {
  let queue = Promise.resolve();
  const data = new Map<string, unknown>();
  const state = {
    data,
    alarm: null as number | null,
    storage: {
      get: <T>(key: string) => Promise.resolve(structuredClone(data.get(key)) as T | undefined),
      put: <T>(key: string, value: T) =>
        Promise.resolve(void data.set(key, structuredClone(value))),
      delete: (keys: string[]) => Promise.resolve(keys.filter((key) => data.delete(key)).length),
      list: <T>() => Promise.resolve(new Map(data) as Map<string, T>),
      getAlarm: () => Promise.resolve(state.alarm),
      setAlarm: (ms: number) => Promise.resolve(void (state.alarm = ms)),
    },
    blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T> {
      const run = queue.then(callback);
      queue = run.then(() => {}, () => {});
      return run;
    },
  };
  return state;
}
