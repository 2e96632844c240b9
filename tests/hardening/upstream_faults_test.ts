/**
 * Under injected upstream faults, every client request ends in exactly one session or a clean,
 * retryable 502/503/504 — never a 500, never two sessions for one request. And a hostile
 * upstream (redirects, oversized answers, decompression bombs, malformed 2xx answers, secrets
 * in its messages) gets nothing followed, nothing passed on and nothing leaked.
 */
import { assert, assertEquals } from "@std/assert";
import { createStripeMock, type FaultRule } from "../../mock/stripe_mock.ts";
import { sessionJson } from "../_helpers/fake_upstream.ts";
import {
  type AppAnswer,
  callApp,
  generatedBody,
  gzipBomb,
  type HttpUpstream,
  memoryMb,
  postSession,
  serveUpstream,
  untilPooled,
} from "../_helpers/http_upstream.ts";
import { jsonPost, testApp } from "../_helpers/onramp_app.ts";
import { seededRandom } from "../_helpers/seeded_random.ts";
import { type SpawnedServer, spawnServer } from "../_helpers/spawn_server.ts";

const REQUESTS = Number(Deno.env.get("FAULT_REQUESTS") ?? 300);

const FAULTS: FaultRule[] = [
  { fault: { kind: "status", status: 500 }, rate: 0.15 },
  { fault: { kind: "status", status: 503 }, rate: 0.05 },
  { fault: { kind: "rate_limit", retryAfterSeconds: 1 }, rate: 0.1 },
  { fault: { kind: "drop" }, rate: 0.1 },
  // The session is minted but the answer is lost: only the idempotency key prevents a twin.
  { fault: { kind: "status", status: 502 }, rate: 0.1, when: "after" },
  { fault: { kind: "drop" }, rate: 0.05, when: "after" },
  { fault: { kind: "delay", ms: 80 }, rate: 0.03 },
];

function faultyApp(seed: number) {
  // The mock reads its rules on each request, so emptying this array heals the upstream.
  const faults = [...FAULTS];
  const mock = createStripeMock({ random: seededRandom(seed), faults });
  const app = testApp({ upstream: { requests: [], fetch: mock.fetch }, timeoutMs: 40 });
  return { mock, app, heal: () => (faults.length = 0) };
}

async function createWithKey(app: ReturnType<typeof testApp>, key: string) {
  const res = await app.request(
    "/onramp/sessions",
    jsonPost({ source_amount: "50" }, { "idempotency-key": key }),
  );
  return { status: res.status, body: await res.json() };
}

Deno.test("under upstream faults every request ends in one session or a retryable 502/503/504", async () => {
  const { mock, app, heal } = faultyApp(7);
  const outcomes: Record<number, number> = {};
  const failedKeys: string[] = [];
  await Promise.all(Array.from({ length: REQUESTS }, async (_, i) => {
    const key = `checkout-${i}`;
    const { status, body } = await createWithKey(app, key);
    outcomes[status] = (outcomes[status] ?? 0) + 1;
    if (status === 200) {
      assert(body.id.startsWith("cos_"), JSON.stringify(body));
      return;
    }
    assert(
      [502, 503, 504].includes(status),
      `request ${i} answered ${status}: ${JSON.stringify(body)}`,
    );
    assertEquals(
      [body.error.type, body.error.retryable],
      ["api_error", true],
      JSON.stringify(body),
    );
    failedKeys.push(key);
  }));
  console.log(
    `faults: ${REQUESTS} requests, ${mock.stats.requests} upstream attempts, ` +
      `${mock.stats.faultsInjected} faults injected, outcomes ${JSON.stringify(outcomes)}`,
  );
  for (const [key, creates] of mock.createsByIdempotencyKey()) {
    assertEquals(creates, 1, `key ${key} minted ${creates} sessions`);
  }
  assert(
    failedKeys.length > 0,
    "the fault rates must make some requests fail, or this proves nothing",
  );

  // The browser retries each failure with its own key once Stripe is healthy: every request is
  // then accounted for by exactly one session, those whose answer was lost included.
  heal();
  for (const key of failedKeys) {
    assertEquals((await createWithKey(app, key)).status, 200, `retry of ${key}`);
  }
  assertEquals(
    mock.sessions().length,
    REQUESTS,
    "one session per client request, no more, no less",
  );
  assertEquals(new Set(mock.sessions().map((record) => record.session.id)).size, REQUESTS);
});

Deno.test("a browser double-submit with one Idempotency-Key mints one session", async () => {
  const mock = createStripeMock({ latencyMs: 20 });
  // Real backoff: the twins get 409 while the first holds the key, then replay it.
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const app = testApp({ upstream: { requests: [], fetch: mock.fetch }, seams: { sleep } });
  const answers = await Promise.all([1, 2, 3].map(() => createWithKey(app, "double-click")));
  assertEquals(answers.map((answer) => answer.status), [200, 200, 200]);
  assertEquals(new Set(answers.map((answer) => answer.body.id)).size, 1);
  assertEquals(mock.sessions().length, 1);
});

Deno.test("a lost answer followed by the browser's retry returns the session minted first", async () => {
  const mock = createStripeMock();
  const app = testApp({ upstream: { requests: [], fetch: mock.fetch }, maxNetworkRetries: 0 });
  mock.failNext({ fault: { kind: "drop" }, when: "after" });
  const lost = await createWithKey(app, "order-9");
  assertEquals([lost.status, lost.body.error.retryable], [502, true]);
  const retried = await createWithKey(app, "order-9");
  assertEquals(retried.status, 200);
  assertEquals(mock.sessions().length, 1);
  assertEquals(retried.body.id, mock.sessions()[0]?.session.id);
});

// ---------------------------------------------------------------------------------------------
// A hostile upstream, through the real server: the demo's Deno entry in its own process, its
// STRIPE_API_BASE pointed at a stand-in over HTTP that records what reached it and answers with
// redirects, oversized and compressed bodies, malformed 2xx answers and secret-laden messages.

const HOSTILE_SECRET = "sk_test_HostileUpstreamSecretNeverPrinted";
const WALLET = "0x5b4Fd5BdC9d3c8b5d0e9D1C1aB2d2bC3c1e8A7f0";
// The stated bound: oversized and decompression-bomb answers raise the server's peak RSS by
// less than this, however many arrive. The default cap reads at most 1 MiB of an answer, into
// one buffer of the client's own; the rest is the heap's ordinary noise. Before the cap, a 50 MB
// answer cost about 200 MB and a 200 MB bomb 550 MB more.
const OVERSIZE_PEAK_GROWTH_BOUND_MB = 32;

interface Hostile {
  server: SpawnedServer;
  upstream: HttpUpstream;
  elsewhere: HttpUpstream;
}

async function withHostileServer(run: (hostile: Hostile) => Promise<void>) {
  const upstream = serveUpstream(() => Response.json(sessionJson()));
  // Another host (another origin) that redirects point at: nothing may ever reach it.
  const elsewhere = serveUpstream(() =>
    Response.json(sessionJson({ id: "cos_INVENTED", client_secret: "cos_INVENTED_secret_x" }))
  );
  const server = await spawnServer(Deno.execPath(), ["run", "-A", "demo/runtimes/deno.ts"], {
    STRIPE_SECRET_KEY: HOSTILE_SECRET,
    STRIPE_API_BASE: upstream.url,
    PORT: "0",
    HOSTNAME: "127.0.0.1",
  });
  try {
    await run({ server, upstream, elsewhere });
    assert(!server.output().includes(HOSTILE_SECRET), "the server printed its secret key");
  } finally {
    await server.stop();
    await upstream.close();
    await elsewhere.close();
  }
}

function assertRefused(answer: AppAnswer, code: string, context = "") {
  assertEquals(answer.status, 502, `${context}: ${answer.text}`);
  const error = answer.body.error as Record<string, unknown>;
  assertEquals(
    [error.type, error.code, error.retryable],
    ["api_error", code, false],
    `${context}: ${answer.text}`,
  );
  assert(!answer.text.includes("INVENTED"), `${context}: an invention was passed on`);
}

const retrieve = (url: string) => callApp(url, "/onramp/sessions/cos_1NamBL2eZvKYlo2CP38sZVEW");

Deno.test("a hostile upstream's redirects are never followed, retried or passed on", async () => {
  await withHostileServer(async ({ server, upstream, elsewhere }) => {
    for (const status of [301, 302, 303, 307, 308]) {
      upstream.requests.length = 0;
      // To another host: following would re-POST the customer's wallet and IP, with our key.
      upstream.handler = () =>
        new Response(null, {
          status,
          headers: { location: `${elsewhere.url}/v1/crypto/onramp_sessions` },
        });
      const create = await postSession(server.url, {
        destination_networks: ["ethereum"],
        wallet_addresses: { ethereum: WALLET },
      });
      assertRefused(create, "upstream_redirect", `create, HTTP ${status} elsewhere`);
      assertEquals(upstream.requests.length, 1, `HTTP ${status} is not retried`);
      // Same origin, another path: following would send the key to /v1/charges.
      upstream.handler = (request) =>
        request.url.pathname === "/v1/charges"
          ? Response.json({ id: "ch_INVENTED" })
          : new Response(null, { status, headers: { location: "/v1/charges" } });
      assertRefused(await retrieve(server.url), "upstream_redirect", `retrieve, HTTP ${status}`);
      assertRefused(
        await postSession(server.url),
        "upstream_redirect",
        `create, HTTP ${status} same origin`,
      );
    }
    assertEquals(elsewhere.requests.length, 0, "a redirect's target was contacted");
    const paths = upstream.requests.map((request) => request.url.pathname);
    assert(!paths.includes("/v1/charges"), `a same-origin redirect was followed: ${paths}`);
  });
});

Deno.test("a hostile upstream's oversized answers and gzip bombs stop at the bound, RSS bounded", async () => {
  const bomb = await gzipBomb(200 * 1024 * 1024);
  await withHostileServer(async ({ server, upstream }) => {
    // Warm the server up first, so that one-off allocations are not counted: its first
    // request's, and loading the pooled transport it switches to after its first answer.
    assertEquals((await postSession(server.url)).status, 200);
    await untilPooled(() => postSession(server.url), upstream);
    const cases: Array<[name: string, answer: () => Response]> = [
      [
        "50 MB with Content-Length",
        () =>
          new Response(generatedBody(50 * 1024 * 1024), {
            headers: { "content-length": String(50 * 1024 * 1024) },
          }),
      ],
      ["50 MB chunked, no Content-Length", () => new Response(generatedBody(50 * 1024 * 1024))],
      [
        "a 50 MB error message",
        () =>
          new Response(generatedBody(50 * 1024 * 1024, '{"error":{"type":"x","message":"'), {
            status: 400,
          }),
      ],
      ...[1, 2, 3].map((n): [string, () => Response] => [
        `gzip bomb ${n} (${bomb.length} bytes, 200 MB inflated)`,
        () =>
          new Response(bomb, {
            headers: { "content-encoding": "gzip", "content-type": "application/json" },
          }),
      ]),
    ];
    const start = memoryMb(server.pid);
    // Every case runs and reports its figures before any assertion, so a failure shows them all.
    const failures: string[] = [];
    for (const [name, answer] of cases) {
      upstream.requests.length = 0;
      upstream.handler = answer;
      const before = memoryMb(server.pid);
      const started = performance.now();
      const answered = await postSession(server.url);
      const after = memoryMb(server.pid);
      console.log(
        `oversize: ${name}: HTTP ${answered.status} in ${
          (performance.now() - started).toFixed(0)
        } ms, RSS ${before.rss.toFixed(0)} → ${after.rss.toFixed(0)} MB, peak ${
          before.peak.toFixed(0)
        } → ${after.peak.toFixed(0)} MB`,
      );
      try {
        assertRefused(answered, "upstream_response_too_large", name);
        assert(
          after.peak - start.rss < OVERSIZE_PEAK_GROWTH_BOUND_MB,
          `${name}: peak RSS grew ${(after.peak - start.rss).toFixed(0)} MB`,
        );
        assertEquals(upstream.requests.length, 1, `${name} is not retried`);
      } catch (error) {
        failures.push((error as Error).message.split("\n")[0]!.slice(0, 300));
      }
    }
    assertEquals(failures, []);
  });
});

Deno.test("a hostile upstream's malformed 2xx answers are refused, never passed on or retried", async () => {
  const json = (value: unknown, status = 200) => () => Response.json(value, { status });
  const text = (body: string | null, status = 200) => () => new Response(body, { status });
  const malformed: Array<[name: string, answer: () => Response]> = [
    ["{}", json({})],
    ["an error-shaped 200", json({ error: { type: "api_error", message: "INVENTED" } })],
    ["a 204", text(null, 204)],
    ["an empty 200", text("")],
    ["null", text("null")],
    ["an array", json([sessionJson()])],
    ["a string", json("cos_INVENTED")],
    ["HTML", text("<html>INVENTED</html>")],
    ["truncated JSON", text('{"id":"cos_INVENTED"')],
    ["a session without client_secret", json(sessionJson({ client_secret: undefined }))],
    ["a session with client_secret null", json(sessionJson({ client_secret: null }))],
    ["another object", json(sessionJson({ object: "charge" }))],
    ["an id that is not cos_…", json(sessionJson({ id: "ch_INVENTED" }))],
    ["a number for status", json(sessionJson({ status: 42 }))],
    [
      "a session without transaction_details",
      json(sessionJson({ transaction_details: undefined })),
    ],
    ["livemode as a string", json(sessionJson({ livemode: "false" }))],
    ["a 201 with {}", json({}, 201)],
    ["a 404 without Stripe's envelope", text("Not Found", 404)],
  ];
  await withHostileServer(async ({ server, upstream }) => {
    for (const [name, answer] of malformed) {
      upstream.requests.length = 0;
      upstream.handler = answer;
      assertRefused(await postSession(server.url), "upstream_invalid_response", name);
      assertEquals(upstream.requests.length, 1, `${name} is not retried`);
    }
    // Retrieve and quotes are held to their own objects.
    upstream.handler = json({ id: "cos_1", object: "crypto.onramp_session" });
    assertRefused(await retrieve(server.url), "upstream_invalid_response", "a partial session");
    upstream.handler = json({ id: "q_1", livemode: false });
    assertRefused(
      await callApp(server.url, "/onramp/quotes"),
      "upstream_invalid_response",
      "partial quotes",
    );
    // Lenient where Stripe changes without notice: new statuses, networks and members pass.
    upstream.handler = json(sessionJson({
      status: "quote_ready",
      surprise: { new: "member" },
      transaction_details: {
        ...sessionJson().transaction_details as object,
        destination_network: "optimism",
        destination_networks: ["optimism", "sui"],
        settlement_speed: "turbo",
        wallet_addresses: { sui: "0xabc", destination_tags: null },
      },
    }));
    const lenient = await postSession(server.url);
    assertEquals([lenient.status, lenient.body.status], [200, "quote_ready"], lenient.text);
    // A transaction_details Stripe sent as null is relayed as nothing known, not refused.
    upstream.handler = json(sessionJson({ transaction_details: null }));
    const nullDetails = await postSession(server.url);
    assertEquals([nullDetails.status, nullDetails.body.transaction_details], [200, {}]);
  });
});

Deno.test("a hostile upstream's messages reach answers and logs clipped, with no secret", async () => {
  const secrets = [
    "sk_live_abc123-def456",
    "sk_test_****1234",
    "rk_live_Restricted.Key/9",
    "pk_live_Publishable+Key",
    "whsec_WebhookSigningSecret",
    "cos_1NamBL2eZvKYlo2CP38sZVEW_secret_B5faamUkzHbcpjy6NndGq1mMZGGCo8FhK2P",
  ];
  const leaks = ["def456", "****1234", "Restricted", "Publishable", "Webhook", "B5faam"];
  // Under the 1 MiB bound on answers (a larger one is refused whole, as above).
  const message = `Invalid ${secrets.join(", ")}: ${"m".repeat(600 * 1024)}`;
  await withHostileServer(async ({ server, upstream }) => {
    upstream.handler = () =>
      Response.json({
        error: {
          type: "invalid_request_error",
          code: `code_${secrets[0]}_${"c".repeat(5_000)}`,
          param: `metadata[${secrets[4]}]${"p".repeat(5_000)}`,
          message,
        },
      }, { status: 400, headers: { "request-id": `req_1 ${secrets[1]} ${"r".repeat(4_000)}` } });
    const relayed = await postSession(server.url);
    assertEquals(relayed.status, 400, relayed.text);
    const error = relayed.body.error as Record<string, string>;
    assert(error.message!.length <= 500, `message of ${error.message!.length} characters`);
    assert(error.param!.length <= 200 && error.code!.length <= 200, relayed.text.slice(0, 300));
    // Stripe's 5xx messages are not relayed at all, but they are not logged whole either.
    upstream.handler = () =>
      Response.json({ error: { type: "api_error", message } }, { status: 500 });
    assertEquals((await postSession(server.url)).status, 502);
    // Let the server's stderr drain before reading it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const seen = `${relayed.text}\n${server.output()}`;
    for (const leak of leaks) {
      assert(!seen.includes(leak), `"${leak}" leaked:\n${seen.slice(0, 2000)}`);
    }
    const longest = Math.max(...server.output().split("\n").map((line) => line.length));
    assert(longest <= 2_000, `a log line of ${longest} characters`);
  });
});
