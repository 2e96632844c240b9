import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { createStripeMock, type Fault } from "../../mock/stripe_mock.ts";
import { createRequest, errorOf, getRequest, seeded, SESSIONS } from "./_helpers.ts";

const list = () => getRequest(SESSIONS);

Deno.test("StripeMock.failNext() injects queued faults in order, then answers normally", async () => {
  const mock = createStripeMock();
  mock.failNext(
    { kind: "status", status: 500 },
    { kind: "rate_limit", retryAfterSeconds: 7 },
    { kind: "status", status: 503 },
  );
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await mock.fetch(list()));
  assertEquals(answers.map((r) => r.status), [500, 429, 503, 200]);
  for (const res of answers) assert(res.headers.get("Request-Id")?.startsWith("req_"));
  assertEquals((await errorOf(answers[0]!)).type, "api_error");
  assertEquals(answers[1]!.headers.get("Retry-After"), "7");
  const limited = await errorOf(answers[1]!);
  assertEquals([limited.type, limited.code], ["invalid_request_error", "rate_limit"]);
  assertEquals(mock.stats, { requests: 4, faultsInjected: 3, sessionsCreated: 0 });
});

Deno.test("createStripeMock() draws rate faults from the injected random, reproducibly", async () => {
  const run = async () => {
    const mock = createStripeMock({
      random: seeded(42),
      faults: [{ fault: { kind: "status", status: 503 }, rate: 0.3 }],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 400; i++) statuses.push((await mock.fetch(list())).status);
    return { statuses, injected: mock.stats.faultsInjected };
  };
  const first = await run();
  const second = await run();
  assertEquals(first.statuses, second.statuses);
  assertEquals(first.injected, first.statuses.filter((s) => s === 503).length);
  assert(first.injected > 80 && first.injected < 160, `${first.injected} of 400 at rate 0.3`);
});

Deno.test("createStripeMock() checks fault rules in order and rate 0 never fires", async () => {
  const mock = createStripeMock({
    faults: [
      { fault: { kind: "status", status: 500 }, rate: 0 },
      { fault: { kind: "status", status: 502 }, rate: 1 },
      { fault: { kind: "status", status: 503 }, rate: 1 },
    ],
  });
  assertEquals((await mock.fetch(list())).status, 502);
});

Deno.test("StripeMock.failNext() queue wins over the rate rules", async () => {
  const mock = createStripeMock({ faults: [{ fault: { kind: "status", status: 502 }, rate: 1 }] });
  mock.failNext({ kind: "status", status: 500 });
  assertEquals((await mock.fetch(list())).status, 500);
  assertEquals((await mock.fetch(list())).status, 502);
});

Deno.test("a 'before' fault mints nothing and saves nothing under the key", async () => {
  const mock = createStripeMock();
  mock.failNext({ kind: "status", status: 500 });
  const failed = await mock.fetch(createRequest({}, { idempotencyKey: "k1" }));
  assertEquals(failed.status, 500);
  assertEquals(mock.stats.sessionsCreated, 0);
  const retry = await mock.fetch(createRequest({}, { idempotencyKey: "k1" }));
  assertEquals(retry.status, 200);
  assertEquals(retry.headers.get("Idempotent-Replayed"), null);
  assertEquals(mock.createsByIdempotencyKey().get("k1"), 1);
});

Deno.test("an 'after' fault mints the session, then a retry with the same key replays it", async () => {
  const mock = createStripeMock();
  mock.failNext({ fault: { kind: "status", status: 500 }, when: "after" });
  const lost = await mock.fetch(createRequest({}, { idempotencyKey: "k2" }));
  assertEquals(lost.status, 500);
  assertEquals(mock.stats.sessionsCreated, 1);
  const retry = await mock.fetch(createRequest({}, { idempotencyKey: "k2" }));
  assertEquals(retry.status, 200);
  assertEquals(retry.headers.get("Idempotent-Replayed"), "true");
  assertEquals((await retry.json()).id, mock.sessions()[0]?.session.id);
  assertEquals(mock.createsByIdempotencyKey().get("k2"), 1);
});

Deno.test("an 'after' rule fires after the request was handled", async () => {
  const mock = createStripeMock({
    faults: [{ fault: { kind: "status", status: 502 }, rate: 1, when: "after" }],
  });
  assertEquals((await mock.fetch(createRequest({}))).status, 502);
  assertEquals(mock.stats.sessionsCreated, 1);
});

Deno.test("a 'drop' fault makes the in-process fetch reject with a TypeError", async () => {
  const mock = createStripeMock();
  mock.failNext({ kind: "drop" });
  await assertRejects(() => mock.fetch(createRequest({})), TypeError, "connection reset by mock");
  assertEquals(mock.stats.sessionsCreated, 0);
  mock.failNext({ fault: { kind: "drop" }, when: "after" });
  await assertRejects(() => mock.fetch(createRequest({})), TypeError, "connection reset by mock");
  assertEquals(mock.stats.sessionsCreated, 1);
});

Deno.test("a 'delay' fault answers late, and gives up when the caller aborts", async () => {
  const mock = createStripeMock();
  mock.failNext({ kind: "delay", ms: 40 });
  const started = performance.now();
  const res = await mock.fetch(list());
  assertEquals(res.status, 200);
  assert(performance.now() - started >= 35, "the answer came late");

  mock.failNext({ kind: "delay", ms: 10_000 });
  const controller = new AbortController();
  const pending = mock.fetch(new Request(list(), { signal: controller.signal }));
  setTimeout(() => controller.abort(), 10);
  await assertRejects(() => pending);
});

Deno.test("createStripeMock() refuses fault and latency options out of range", () => {
  assertThrows(
    () => createStripeMock({ faults: [{ fault: { kind: "drop" }, rate: 1.5 }] }),
    RangeError,
    "'faults[0].rate' must be between 0 and 1",
  );
  assertThrows(() => createStripeMock({ latencyMs: -1 }), RangeError, "'latencyMs'");
  assertThrows(() => createStripeMock({ secretKeys: [] }), RangeError, "'secretKeys'");
  const mock = createStripeMock();
  assertThrows(
    () => mock.failNext({ kind: "status", status: 404 } as unknown as Fault),
    RangeError,
    "500, 502 or 503",
  );
  assertThrows(() => mock.failNext({ kind: "delay", ms: -5 }), RangeError, "'failNext.ms'");
});
