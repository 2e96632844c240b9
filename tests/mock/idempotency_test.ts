import { assertEquals, assertStringIncludes } from "@std/assert";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import { createRequest, errorOf } from "./_helpers.ts";

const PARAMS = { destination_currencies: ["eth", "usdc"], source_amount: "50" };

Deno.test("Idempotency-Key replays the first answer byte for byte and mints nothing", async () => {
  const mock = createStripeMock();
  const first = await mock.fetch(createRequest(PARAMS, { idempotencyKey: "order-1" }));
  const firstBody = await first.text();
  const replay = await mock.fetch(createRequest(PARAMS, { idempotencyKey: "order-1" }));
  assertEquals(replay.status, 200);
  assertEquals(await replay.text(), firstBody);
  assertEquals(replay.headers.get("Idempotent-Replayed"), "true");
  assertEquals(replay.headers.get("Original-Request"), first.headers.get("Request-Id"));
  assertEquals(first.headers.get("Idempotent-Replayed"), null);
  assertEquals(mock.createsByIdempotencyKey().get("order-1"), 1);
  assertEquals(mock.stats.sessionsCreated, 1);
});

Deno.test("Idempotency-Key replays a saved refusal too (the endpoint ran)", async () => {
  const mock = createStripeMock();
  const params = { customer_ip_address: "192.0.2.10" };
  const first = await mock.fetch(createRequest(params, { idempotencyKey: "k" }));
  const replay = await mock.fetch(createRequest(params, { idempotencyKey: "k" }));
  assertEquals([first.status, replay.status], [400, 400]);
  assertEquals(await replay.text(), await first.text());
  assertEquals(replay.headers.get("Idempotent-Replayed"), "true");
});

Deno.test("Idempotency-Key with different parameters answers an idempotency_error", async () => {
  const mock = createStripeMock();
  await mock.fetch(createRequest(PARAMS, { idempotencyKey: "order-2" }));
  const res = await mock.fetch(
    createRequest({ ...PARAMS, source_amount: "60" }, { idempotencyKey: "order-2" }),
  );
  assertEquals(res.status, 400);
  const error = await errorOf(res);
  assertEquals(error.type, "idempotency_error");
  assertStringIncludes(error.message, "same method, path and parameters");
  assertEquals(mock.stats.sessionsCreated, 1);
});

Deno.test("Idempotency-Key saves nothing when validation fails, so a corrected retry works", async () => {
  const mock = createStripeMock();
  const bad = await mock.fetch(
    createRequest({ source_amount: "10.001" }, { idempotencyKey: "order-3" }),
  );
  assertEquals(bad.status, 400);
  const fixed = await mock.fetch(
    createRequest({ source_amount: "10.01" }, { idempotencyKey: "order-3" }),
  );
  assertEquals(fixed.status, 200);
  assertEquals(fixed.headers.get("Idempotent-Replayed"), null);
  assertEquals(mock.createsByIdempotencyKey().get("order-3"), 1);
});

Deno.test("Idempotency-Key saves nothing for a 401, so the retry with a good key creates", async () => {
  const mock = createStripeMock();
  const unauthorized = await mock.fetch(createRequest(PARAMS, { key: null, idempotencyKey: "a" }));
  assertEquals(unauthorized.status, 401);
  assertEquals((await mock.fetch(createRequest(PARAMS, { idempotencyKey: "a" }))).status, 200);
});

Deno.test("Idempotency-Key used concurrently mints one session and answers the other 409", async () => {
  const mock = createStripeMock({ latencyMs: 20 });
  const [a, b] = await Promise.all([
    mock.fetch(createRequest(PARAMS, { idempotencyKey: "double-click" })),
    mock.fetch(createRequest(PARAMS, { idempotencyKey: "double-click" })),
  ]);
  assertEquals([a.status, b.status].sort(), [200, 409]);
  const conflict = a.status === 409 ? a : b;
  const error = await errorOf(conflict);
  assertEquals([error.type, error.code], ["idempotency_error", "idempotency_key_in_use"]);
  assertEquals(mock.stats.sessionsCreated, 1);
  assertEquals(mock.createsByIdempotencyKey().get("double-click"), 1);
  // The collision saved nothing of its own: the retry replays the winner.
  const retry = await mock.fetch(createRequest(PARAMS, { idempotencyKey: "double-click" }));
  assertEquals(retry.headers.get("Idempotent-Replayed"), "true");
});

Deno.test("Idempotency-Key longer than 255 characters is refused and saves nothing", async () => {
  const mock = createStripeMock();
  const res = await mock.fetch(createRequest(PARAMS, { idempotencyKey: "k".repeat(256) }));
  assertEquals(res.status, 400);
  assertEquals((await errorOf(res)).type, "invalid_request_error");
  assertEquals(mock.stats.sessionsCreated, 0);
  assertEquals(
    (await mock.fetch(createRequest(PARAMS, { idempotencyKey: "k".repeat(255) }))).status,
    200,
  );
});

Deno.test("createStripeMock() creates a new session for each request without a key", async () => {
  const mock = createStripeMock();
  await mock.fetch(createRequest(PARAMS));
  await mock.fetch(createRequest(PARAMS));
  assertEquals(mock.stats.sessionsCreated, 2);
  assertEquals(mock.createsByIdempotencyKey().size, 0);
});

Deno.test("StripeMock.reset() forgets sessions, keys and counters", async () => {
  const mock = createStripeMock();
  await mock.fetch(createRequest(PARAMS, { idempotencyKey: "again" }));
  mock.reset();
  assertEquals(mock.sessions().length, 0);
  assertEquals(mock.stats, { requests: 0, faultsInjected: 0, sessionsCreated: 0 });
  const res = await mock.fetch(createRequest(PARAMS, { idempotencyKey: "again" }));
  assertEquals(res.headers.get("Idempotent-Replayed"), null);
  assertEquals(mock.createsByIdempotencyKey().get("again"), 1);
});
