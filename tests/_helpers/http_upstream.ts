/**
 * A hostile stand-in for Stripe over real HTTP: `Deno.serve` on loopback, recording every
 * request it receives and answering from a handler the test can swap at any time. And the
 * onramp app itself served with `Deno.serve`, for tests that need options the demo server does
 * not read from its environment.
 */
import { Hono } from "hono";
import { cryptoOnramp, type CryptoOnrampOptions } from "../../routes/onramp_app.ts";
import type { LogEntry } from "../../errors/logger.ts";
import { recordRequest, type SeenRequest } from "./fake_upstream.ts";
import { SECRET_KEY } from "./onramp_app.ts";

/** Answers one recorded request. */
export type UpstreamHandler = (request: SeenRequest) => Response | Promise<Response>;

/** A running upstream. */
export interface HttpUpstream {
  /** Its base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request received so far, in order. */
  requests: SeenRequest[];
  /** The current handler; assign another to change what it answers. */
  handler: UpstreamHandler;
  /** An answer that never comes (until `close`, so that the server can shut down). */
  stall(): Promise<Response>;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Serves `handler` on a free loopback port. Every answer carries `Connection: close`, so that
 * Deno's fetch never silently repeats a request on a dead keep-alive socket.
 *
 * @param handler The first handler.
 */
export function serveUpstream(handler: UpstreamHandler): HttpUpstream {
  const requests: SeenRequest[] = [];
  const stop = new AbortController();
  const upstream: HttpUpstream = {
    url: "",
    requests,
    handler,
    stall: () =>
      new Promise((resolve) =>
        stop.signal.addEventListener("abort", () => resolve(new Response(null, { status: 500 })))
      ),
    close: () => {
      stop.abort();
      return server.shutdown();
    },
  };
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    async (request) => {
      const seen = await recordRequest(request);
      requests.push(seen);
      const answer = await upstream.handler(seen);
      const headers = new Headers(answer.headers);
      headers.set("connection", "close");
      return new Response(answer.body, { status: answer.status, headers });
    },
  );
  upstream.url = `http://127.0.0.1:${server.addr.port}`;
  return upstream;
}

/**
 * A body of `totalBytes` bytes made on demand in 64 KB chunks, so the test process never holds
 * it whole: `prefix`, then `fill` repeated, then `suffix`.
 */
export function generatedBody(
  totalBytes: number,
  prefix = '{"id":"cos_big","pad":"',
  suffix = '"}',
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const head = encoder.encode(prefix);
  const tail = encoder.encode(suffix);
  const chunk = new Uint8Array(65_536).fill(0x78); // "x"
  let sent = 0;
  const fillBytes = totalBytes - head.length - tail.length;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(head);
    },
    pull(controller) {
      if (sent >= fillBytes) {
        controller.enqueue(tail);
        controller.close();
        return;
      }
      const size = Math.min(chunk.length, fillBytes - sent);
      controller.enqueue(chunk.subarray(0, size));
      sent += size;
    },
  });
}

/**
 * A gzip "bomb": `inflatedBytes` of JSON whitespace between `{` and `}` (valid JSON once
 * inflated), compressed to a few hundred KB.
 */
export async function gzipBomb(inflatedBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const compressed = generatedBody(inflatedBytes, "{", "}")
    .pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        // Spaces instead of the generator's "x": the inflated body stays valid JSON.
        transform: (chunk, controller) =>
          controller.enqueue(chunk.map((byte) => byte === 0x78 ? 0x20 : byte)),
      }),
    )
    .pipeThrough(
      new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}

/** A process's resident memory now and at its peak (`VmRSS`, `VmHWM`), in MB, from /proc. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (field: string) =>
    Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** The onramp app served over HTTP. */
export interface ServedOnramp {
  /** Its base URL; the routes are under `/onramp`. */
  url: string;
  /** Every entry its logger received. */
  logs: LogEntry[];
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Serves `cryptoOnramp(options)` at `/onramp` with `Deno.serve` on loopback, with the test
 * key and a logger that keeps every entry. Stripe is `stripeApiBase` (reached with the real
 * `fetch` unless `options.fetch` is given).
 *
 * @param options Options beside the key and logger.
 */
export function serveOnramp(options: Partial<CryptoOnrampOptions>): ServedOnramp {
  const logs: LogEntry[] = [];
  const app = new Hono().route(
    "/onramp",
    cryptoOnramp({ stripeSecretKey: SECRET_KEY, logger: (entry) => logs.push(entry), ...options }),
  );
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    logs,
    close: () => server.shutdown(),
  };
}

/** An answer of the served app: status, raw text and parsed body. */
export interface AppAnswer {
  status: number;
  text: string;
  body: Record<string, unknown>;
}

/** Calls the served app at `path` and reads the answer whole. */
export async function callApp(
  baseUrl: string,
  path: string,
  init?: RequestInit,
): Promise<AppAnswer> {
  const res = await fetch(`${baseUrl}${path}`, init);
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

/** POSTs a create through the served app; `signal` bounds the wait (for a hanging server). */
export function postSession(
  baseUrl: string,
  body: unknown = { source_amount: "50" },
  signal?: AbortSignal,
): Promise<AppAnswer> {
  return callApp(baseUrl, "/onramp/sessions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal !== undefined && { signal }),
  });
}

/**
 * Sends through the Deno entry until its calls reach `upstream` through the pooled transport it
 * switches to after its first answer (`demo/pooled_transport.ts`): Deno's `fetch` names itself
 * in `User-Agent`, undici's dispatcher sends none. Tests that measure the server call it first,
 * so that loading the pool is not counted as a request's cost.
 *
 * @param send Makes one call that reaches the upstream.
 * @param upstream The upstream the server calls.
 * @throws {Error} When the server has not switched after 50 calls, 100 ms apart.
 */
export async function untilPooled(send: () => Promise<unknown>, upstream: HttpUpstream) {
  const agent = () => upstream.requests.at(-1)?.headers.get("user-agent") ?? "";
  for (let call = 0; call < 50; call++) {
    await send();
    if (upstream.requests.length > 0 && agent() === "") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The server never switched to the pooled transport (${agent()})`);
}
