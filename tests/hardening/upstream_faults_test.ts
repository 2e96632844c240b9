/**
 * Under injected upstream faults, every client request ends in exactly one session or a clean,
 * retryable 502/503/504 — never a 500, never two sessions for one request.
 */
import { assert, assertEquals } from "@std/assert";
import { createStripeMock, type FaultRule } from "../../mock/stripe_mock.ts";
import { jsonPost, testApp } from "../_helpers/onramp_app.ts";
import { seededRandom } from "../_helpers/seeded_random.ts";

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
