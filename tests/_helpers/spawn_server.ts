/**
 * Starts a server process and waits until it says where it listens.
 */

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
