/**
 * `createNodeFetch()` (transports/node.ts) against real HTTP upstreams, each case run twice: in
 * this Deno process, and in a real Node.js process (`_node_driver.ts`, bundled and run with
 * `node`), where the transport is meant to serve. Every guarantee the client gives over `fetch`
 * must hold over it: keep-alive reuse, the attempt's timeout and the call's deadline (headers
 * and body), the body bound (declared, streamed, and decoded), redirect refusal, retries with
 * one Idempotency-Key, and no secret in any error.
 */
import * as esbuild from "esbuild";
import { assert, assertEquals, assertFalse, assertRejects } from "@std/assert";
import { createClientWithSeams, type OnrampClientOptions } from "../../client/create_client.ts";
import { StripeApiError } from "../../client/errors.ts";
import { createNodeFetch } from "../../transports/node.ts";
import { sessionJson } from "../_helpers/fake_upstream.ts";
import { generatedBody, gzipBomb } from "../_helpers/http_upstream.ts";

const SECRET = "sk_test_51NodeTransportSecretThatMustNeverLeak";
const ROOT = new URL("../../", import.meta.url).pathname;

/** One request an upstream received. */
interface Seen {
  idempotencyKey: string | null;
  /** The client's port: one per connection. */
  port: number;
}

/** A real HTTP upstream on loopback that keeps connections alive, as Stripe does. */
interface Upstream {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

function serve(answer: (request: Request) => Response | Promise<Response>): Upstream {
  const seen: Seen[] = [];
  const stop = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: stop.signal, onListen() {} },
    async (request, info) => {
      await request.arrayBuffer();
      seen.push({
        idempotencyKey: request.headers.get("idempotency-key"),
        port: info.remoteAddr.port,
      });
      return await answer(request);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    async close() {
      stop.abort();
      await server.finished;
    },
  };
}

// An answer that never comes: the attempt's timer has to end it.
const never = (request: Request) =>
  new Promise<Response>((resolve) =>
    request.signal.addEventListener("abort", () => resolve(new Response(null, { status: 500 })))
  );

/** What one call ended in. */
type Outcome =
  | { id: string }
  | {
    error: {
      type: string;
      code: string | undefined;
      statusCode: number | undefined;
      attempts: number;
      retryable: boolean;
      /** Message, fields and stack: where a secret could leak. */
      text: string;
    };
  };

interface Run {
  results: Outcome[];
  elapsedMs: number;
}

type Runner = (
  baseUrl: string,
  calls: number,
  options: Partial<OnrampClientOptions>,
) => Promise<Run>;

const inDeno: Runner = async (baseUrl, calls, options) => {
  const fetch = createNodeFetch();
  const client = createClientWithSeams(
    { secretKey: SECRET, baseUrl, ...options, fetch },
    { sleep: () => Promise.resolve() },
  );
  const results: Outcome[] = [];
  const started = performance.now();
  try {
    for (let call = 0; call < calls; call++) {
      try {
        results.push({ id: (await client.createSession({ source_amount: "10" })).id });
      } catch (error) {
        if (!(error instanceof StripeApiError)) throw error;
        const { type, code, statusCode, attempts, retryable } = error;
        results.push({
          error: {
            type,
            code,
            statusCode,
            attempts,
            retryable,
            text: `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`,
          },
        });
      }
    }
    return { results, elapsedMs: performance.now() - started };
  } finally {
    await fetch.close();
  }
};

let driver: Promise<string> | undefined;

// The driver bundled once per test process, as dev/bundle.ts bundles the Node entry.
function driverBundle(): Promise<string> {
  driver ??= (async () => {
    const outfile = await Deno.makeTempFile({ prefix: "node_driver_", suffix: ".mjs" });
    try {
      await esbuild.build({
        entryPoints: [`${ROOT}tests/transports/_node_driver.ts`],
        absWorkingDir: ROOT,
        outfile,
        bundle: true,
        format: "esm",
        platform: "node",
        target: "es2022",
        logLevel: "error",
        banner: {
          js: 'import { createRequire as __createRequire } from "node:module"; ' +
            "const require = __createRequire(import.meta.url);",
        },
      });
    } finally {
      await esbuild.stop();
    }
    return outfile;
  })();
  return driver;
}

const inNode: Runner = async (baseUrl, calls, options) => {
  const { success, stdout, stderr } = await new Deno.Command("node", {
    args: [await driverBundle(), JSON.stringify({ baseUrl, secretKey: SECRET, calls, options })],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  const line = out.split("\n").find((text) => text.startsWith("RESULT "));
  if (!success || line === undefined) {
    throw new Error(`The Node driver failed:\n${out}\n${new TextDecoder().decode(stderr)}`);
  }
  return JSON.parse(line.slice("RESULT ".length)) as Run;
};

const RUNTIMES: [string, Runner][] = [["Deno", inDeno], ["Node.js", inNode]];

function errorOf(outcome: Outcome | undefined) {
  assert(
    outcome !== undefined && "error" in outcome,
    `expected an error: ${JSON.stringify(outcome)}`,
  );
  assertFalse(outcome.error.text.includes(SECRET), "the secret key is in the error");
  assertFalse(
    outcome.error.text.includes(SECRET.slice(8)),
    "part of the secret key is in the error",
  );
  return outcome.error;
}

function oneKey(seen: Seen[]): void {
  assert(seen.length > 0, "the upstream was not called");
  assertEquals(new Set(seen.map((request) => request.idempotencyKey)).size, 1, "one key");
}

for (const [runtime, run] of RUNTIMES) {
  Deno.test(`createNodeFetch() carries the client's calls over kept-alive connections (${runtime})`, async () => {
    const stripe = serve(() => Response.json(sessionJson()));
    try {
      const { results } = await run(stripe.url, 6, {});
      assertEquals(results, Array(6).fill({ id: "cos_test_123" }));
      // One after the other: the pool needs one connection, two at most (the next call may be
      // sent before the last one's connection is back in the pool), never one per call.
      const connections = new Set(stripe.seen.map((request) => request.port)).size;
      assert(connections <= 2, `${connections} connections for 6 calls`);
    } finally {
      await stripe.close();
    }
  });

  Deno.test(`createNodeFetch() ends a silent attempt at timeoutMs and retries it with the same key (${runtime})`, async () => {
    const stripe = serve(never);
    try {
      const { results, elapsedMs } = await run(stripe.url, 1, {
        timeoutMs: 300,
        deadlineMs: 1_000,
        maxNetworkRetries: 5,
      });
      const error = errorOf(results[0]);
      assertEquals([error.type, error.code, error.retryable], [
        "api_connection_error",
        "timeout",
        true,
      ]);
      // 300 ms, a retry, 300 ms; then a second backoff (500 ms or more) would pass the deadline.
      assertEquals([error.attempts, stripe.seen.length], [2, 2]);
      assert(elapsedMs >= 550 && elapsedMs < 1_500, `took ${elapsedMs} ms`);
      oneKey(stripe.seen);
    } finally {
      await stripe.close();
    }
  });

  Deno.test(`createNodeFetch() ends an attempt at the call's deadline when it comes first (${runtime})`, async () => {
    const stripe = serve(never);
    try {
      const { results, elapsedMs } = await run(stripe.url, 1, {
        timeoutMs: 5_000,
        deadlineMs: 400,
      });
      const error = errorOf(results[0]);
      assertEquals([error.code, error.attempts, error.retryable], ["timeout", 1, true]);
      assert(error.text.includes("deadline"), error.text);
      assert(elapsedMs >= 350 && elapsedMs < 1_500, `took ${elapsedMs} ms`);
    } finally {
      await stripe.close();
    }
  });

  Deno.test(`createNodeFetch() cuts a body that stalls after the headers at timeoutMs (${runtime})`, async () => {
    const stripe = serve((request) =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"id":"cos_'));
            request.signal.addEventListener("abort", () => controller.close());
          },
        }),
        { headers: { "content-type": "application/json" } },
      )
    );
    try {
      const { results, elapsedMs } = await run(stripe.url, 1, {
        timeoutMs: 300,
        maxNetworkRetries: 1,
      });
      const error = errorOf(results[0]);
      assertEquals([error.code, error.attempts, error.retryable], ["timeout", 2, true]);
      assert(elapsedMs < 2_000, `took ${elapsedMs} ms`);
      oneKey(stripe.seen);
    } finally {
      await stripe.close();
    }
  });

  Deno.test(`createNodeFetch() refuses a declared Content-Length over maxResponseBytes, once (${runtime})`, async () => {
    const stripe = serve(() => new Response(new Uint8Array(2_000_000).fill(0x20)));
    try {
      const { results } = await run(stripe.url, 1, { maxResponseBytes: 1_000_000 });
      const error = errorOf(results[0]);
      assertEquals(
        [error.code, error.statusCode, error.attempts, error.retryable],
        ["upstream_response_too_large", 200, 1, false],
      );
    } finally {
      await stripe.close();
    }
  });

  Deno.test(`createNodeFetch() stops a streamed body at maxResponseBytes (${runtime})`, async () => {
    const stripe = serve(() => new Response(generatedBody(20_000_000)));
    try {
      const { results } = await run(stripe.url, 1, { maxResponseBytes: 100_000 });
      const error = errorOf(results[0]);
      assertEquals([error.code, error.attempts], ["upstream_response_too_large", 1]);
    } finally {
      await stripe.close();
    }
  });

  Deno.test(`createNodeFetch() counts a gzip answer's decoded bytes, so a bomb stops at the bound (${runtime})`, async () => {
    const bomb = await gzipBomb(50 * 1024 * 1024);
    const stripe = serve(() =>
      new Response(bomb, {
        headers: { "content-encoding": "gzip", "content-type": "application/json" },
      })
    );
    try {
      const { results } = await run(stripe.url, 1, {});
      const error = errorOf(results[0]);
      assertEquals([error.code, error.attempts], ["upstream_response_too_large", 1]);
    } finally {
      await stripe.close();
    }
  });

  Deno.test(`createNodeFetch() decodes a gzip answer within the bound (${runtime})`, async () => {
    const json = new TextEncoder().encode(JSON.stringify(sessionJson({ id: "cos_gzipped" })));
    const gzipped = await new Response(
      new Blob([json]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    const stripe = serve(() =>
      new Response(gzipped, {
        headers: { "content-encoding": "gzip", "content-type": "application/json" },
      })
    );
    try {
      const { results } = await run(stripe.url, 1, {});
      assertEquals(results, [{ id: "cos_gzipped" }]);
    } finally {
      await stripe.close();
    }
  });

  Deno.test(`createNodeFetch() never follows a redirect: refused once, the other host never called (${runtime})`, async () => {
    const elsewhere = serve(() => Response.json(sessionJson({ id: "cos_INVENTED" })));
    const stripe = serve(() =>
      new Response(null, { status: 307, headers: { location: `${elsewhere.url}/v1/x` } })
    );
    try {
      const { results } = await run(stripe.url, 1, {});
      const error = errorOf(results[0]);
      assertEquals([error.code, error.statusCode, error.retryable], [
        "upstream_redirect",
        307,
        false,
      ]);
      assertEquals([stripe.seen.length, elsewhere.seen.length], [1, 0]);
    } finally {
      await stripe.close();
      await elsewhere.close();
    }
  });

  Deno.test(`createNodeFetch() retries a connection dropped mid-body as a network failure (${runtime})`, async () => {
    // A raw server that declares 1000 bytes, sends a few, and hangs up.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    let accepted = 0;
    const serving = (async () => {
      for await (const connection of listener) {
        accepted++;
        (async () => {
          const buffer = new Uint8Array(65_536);
          await connection.read(buffer);
          await connection.write(
            new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"id":'),
          );
          connection.close();
        })().catch(() => {});
      }
    })().catch(() => {});
    try {
      const { results } = await run(`http://127.0.0.1:${listener.addr.port}`, 1, {
        maxNetworkRetries: 2,
      });
      const error = errorOf(results[0]);
      assertEquals([error.code, error.attempts, error.retryable], ["connection_error", 3, true]);
      assertEquals(accepted, 3);
    } finally {
      listener.close();
      await serving;
    }
  });
}

Deno.test("createNodeFetch() as a fetch never follows a redirect, and honours the request's signal", async () => {
  const elsewhere = serve(() => new Response("elsewhere"));
  const stripe = serve((request) =>
    new URL(request.url).pathname === "/stall"
      ? never(request)
      : new Response(null, { status: 302, headers: { location: elsewhere.url } })
  );
  const fetch = createNodeFetch();
  try {
    const redirect = await fetch(new Request(`${stripe.url}/moved`, { redirect: "follow" }));
    assertEquals([redirect.status, redirect.headers.get("location")], [302, elsewhere.url]);
    await redirect.body?.cancel();
    assertEquals(elsewhere.seen.length, 0);
    const started = performance.now();
    await assertRejects(() =>
      fetch(new Request(`${stripe.url}/stall`, { signal: AbortSignal.timeout(200) }))
    );
    assert(performance.now() - started < 2_000);
  } finally {
    await fetch.close();
    await stripe.close();
    await elsewhere.close();
  }
});

Deno.test("createNodeFetch() names a bad option", () => {
  for (const options of [{ maxSockets: 0 }, { maxSockets: 1.5 }, { idleTimeoutMs: -1 }]) {
    let caught: unknown;
    try {
      createNodeFetch(options);
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof RangeError, JSON.stringify(options));
    assert(/'(maxSockets|idleTimeoutMs)'/.test(caught.message), caught.message);
  }
});
