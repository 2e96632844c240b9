/**
 * Starts a server process and waits until it says where it listens; and the real demo server on
 * a mock Stripe served over HTTP.
 */
import { serveStripeMock } from "../../mock/serve_mock.ts";
import type { StripeMock } from "../../mock/stripe_mock.ts";

/** A running server process. */
export interface SpawnedServer {
  /** The base URL it printed, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Its process id (for /proc readings such as memory). */
  pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Stops it and waits for it to exit. */
  stop(): Promise<void>;
}

const LISTENING = /https?:\/\/[\w.:[\]-]+:\d+/;

/**
 * The `STRIPE_WEBHOOK_SECRET` every spawned server gets unless the test sets its own: the demo
 * server refuses to start with a key and no webhook secret.
 */
export const SERVER_WEBHOOK_SECRET = "whsec_test_spawned_server_0123456789";

/**
 * Spawns `command args…` and resolves once a line on stdout holds its URL.
 *
 * @param command The executable.
 * @param args Its arguments.
 * @param env Variables to set (an empty string unsets a variable in practice: the server
 * treats empty as absent); `STRIPE_WEBHOOK_SECRET` is {@linkcode SERVER_WEBHOOK_SECRET} unless
 * given.
 * @param timeoutMs How long to wait for the URL.
 */
export async function spawnServer(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<SpawnedServer> {
  const child = new Deno.Command(command, {
    args,
    env: { NO_COLOR: "1", STRIPE_WEBHOOK_SECRET: SERVER_WEBHOOK_SECRET, ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let printed = "";
  const collect = async (stream: ReadableStream<Uint8Array>, onText: (text: string) => void) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) onText(text);
  };
  let resolveUrl: (url: string) => void = () => {};
  const urlFound = new Promise<string>((resolve) => (resolveUrl = resolve));
  const drained = Promise.all([
    collect(child.stdout, (text) => {
      printed += text;
      const match = printed.match(LISTENING);
      if (match) resolveUrl(match[0]);
    }),
    collect(child.stderr, (text) => (printed += text)),
  ]);
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await child.status;
    await drained;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`No URL within ${timeoutMs} ms:\n${printed}`)),
      timeoutMs,
    );
  });
  const exited = child.status.then((status) => {
    throw new Error(`Server exited with ${status.code} before listening:\n${printed}`);
  });
  try {
    const url = await Promise.race([urlFound, timedOut, exited]);
    return {
      url: url.replace("0.0.0.0", "127.0.0.1"),
      pid: child.pid,
      output: () => printed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
    exited.catch(() => {});
  }
}

/** The demo server with a secret key, on a mock Stripe it reaches over HTTP. */
export interface DemoOnMock extends SpawnedServer {
  /**
   * Requests that reached the mock since the server listened: the server's start-up probe of
   * `STRIPE_API_BASE` is not counted.
   */
  upstreamRequests(): number;
  /** Stops the server, then the mock's HTTP server. */
  stop(): Promise<void>;
}

/**
 * Serves `mock` over HTTP and spawns the real Deno demo server (`demo/runtimes/deno.ts`) on it,
 * with `secretKey` and the mock's URL as `STRIPE_API_BASE`, on a free port of 127.0.0.1.
 *
 * @param mock The mock Stripe; its `secretKeys` must accept `secretKey`.
 * @param secretKey The server's `STRIPE_SECRET_KEY`.
 * @param env More variables, or ones to override (`HOSTNAME`, `TRUSTED_PROXIES`, …).
 * @returns The running server; stopping it stops the mock's server too.
 */
export async function spawnDemoOnMock(
  mock: StripeMock,
  secretKey: string,
  env: Record<string, string> = {},
): Promise<DemoOnMock> {
  const controller = new AbortController();
  const stripe = serveStripeMock(mock, { signal: controller.signal });
  const stopStripe = async () => {
    controller.abort();
    await stripe.finished;
  };
  let server: SpawnedServer;
  try {
    server = await spawnServer(Deno.execPath(), ["run", "-A", "demo/runtimes/deno.ts"], {
      STRIPE_SECRET_KEY: secretKey,
      STRIPE_API_BASE: stripe.url,
      PORT: "0",
      HOSTNAME: "127.0.0.1",
      ...env,
    });
  } catch (error) {
    await stopStripe();
    throw error;
  }
  const atStart = mock.stats.requests;
  return {
    ...server,
    upstreamRequests: () => mock.stats.requests - atStart,
    async stop() {
      try {
        await server.stop();
      } finally {
        await stopStripe();
      }
    },
  };
}
