import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { createStripeMock, type StripeMock } from "../../mock/stripe_mock.ts";
import {
  controlRequest,
  createRequest,
  errorOf,
  getRequest,
  jsonOf,
  SESSIONS,
  TEST_HELPERS,
} from "./_helpers.ts";

interface SessionJson {
  id: string;
  status: string;
  transaction_details: { transaction_id: string | null; destination_network: string | null };
}

async function mint(mock: StripeMock, params: Record<string, string> = {}): Promise<string> {
  const res = await mock.fetch(createRequest(params));
  assertEquals(res.status, 200);
  return (await jsonOf(res)).id as string;
}

async function retrieve(mock: StripeMock, id: string): Promise<SessionJson> {
  return await (await mock.fetch(getRequest(`${SESSIONS}/${id}`))).json() as SessionJson;
}

async function control(mock: StripeMock, id: string, action: string, params = {}) {
  const res = await mock.fetch(controlRequest(id, action, params));
  return { status: res.status, body: await res.json() };
}

Deno.test("the mock's test helper advances a session through every status, and retrieve and list follow", async () => {
  const mock = createStripeMock();
  const id = await mint(mock, { destination_network: "ethereum", destination_currency: "eth" });
  assertEquals((await retrieve(mock, id)).status, "initialized");
  for (const status of ["requires_payment", "fulfillment_processing", "fulfillment_complete"]) {
    const { status: http, body } = await control(mock, id, "advance");
    assertEquals(http, 200);
    assertEquals([body.id, body.object, body.status], [id, "crypto.onramp_session", status]);
    const stored = await retrieve(mock, id);
    assertEquals(stored.status, status);
    assertEquals(
      stored.transaction_details.transaction_id === null,
      status !== "fulfillment_complete",
      "transaction_id is set at the end, and only then",
    );
    const listed = await (await mock.fetch(getRequest(SESSIONS, { status }))).json();
    assertEquals(listed.data.map((s: SessionJson) => s.id), [id]);
    assertEquals(mock.sessions()[0]?.session.status, status);
  }
  assertMatch((await retrieve(mock, id)).transaction_details.transaction_id!, /^0x[0-9a-f]{64}$/);
});

Deno.test("the mock's transaction_id looks like a hash of the session's network", async () => {
  const shapes: [string, string, RegExp][] = [
    ["solana", "sol", /^[1-9A-HJ-NP-Za-km-z]{88}$/],
    ["bitcoin", "btc", /^[0-9a-f]{64}$/],
    ["base", "usdc", /^0x[0-9a-f]{64}$/],
  ];
  for (const [network, currency, shape] of shapes) {
    const mock = createStripeMock();
    const id = await mint(mock, { destination_network: network, destination_currency: currency });
    for (let step = 0; step < 3; step++) await control(mock, id, "advance");
    assertMatch((await retrieve(mock, id)).transaction_details.transaction_id!, shape, network);
  }
});

Deno.test("the mock's reject test helper ends a session rejected during onboarding or at payment", async () => {
  const mock = createStripeMock();
  const early = await mint(mock);
  const atPayment = await mint(mock);
  await control(mock, atPayment, "advance");
  for (const id of [early, atPayment]) {
    const { status, body } = await control(mock, id, "reject");
    assertEquals([status, body.status], [200, "rejected"]);
    assertEquals((await retrieve(mock, id)).status, "rejected");
    assertEquals((await retrieve(mock, id)).transaction_details.transaction_id, null);
  }
});

Deno.test("the mock's test helpers refuse an illegal transition with a Stripe-shaped 400 and change nothing", async () => {
  const mock = createStripeMock();
  const complete = await mint(mock);
  for (let step = 0; step < 3; step++) await control(mock, complete, "advance");
  const rejected = await mint(mock);
  await control(mock, rejected, "reject");
  const paid = await mint(mock);
  await control(mock, paid, "advance");
  await control(mock, paid, "advance");
  const cases: [string, string, string, string][] = [
    ["advance a completed session", complete, "advance", "fulfillment_complete"],
    ["advance a rejected session", rejected, "advance", "rejected"],
    ["reject a paid session", paid, "reject", "fulfillment_processing"],
    ["reject a completed session", complete, "reject", "fulfillment_complete"],
  ];
  for (const [name, id, action, status] of cases) {
    const eventsBefore = mock.events().length;
    const res = await mock.fetch(controlRequest(id, action));
    assertEquals(res.status, 400, name);
    assert(res.headers.get("request-id")?.startsWith("req_"), name);
    const error = await errorOf(res);
    assertEquals(
      [error.type, error.code],
      ["invalid_request_error", "crypto_onramp_session_unexpected_state"],
      name,
    );
    assert(error.message.includes(status), `${name}: the message names the status`);
    assertEquals((await retrieve(mock, id)).status, status, name);
    assertEquals(mock.events().length, eventsBefore, `${name}: no event`);
  }
});

Deno.test("the mock's test helpers are authenticated and checked like every other endpoint", async () => {
  const mock = createStripeMock({ secretKeys: ["sk_test_right"] });
  const ok = await mock.fetch(createRequest({}, { key: "sk_test_right" }));
  const id = (await jsonOf(ok)).id as string;
  const noKey = await mock.fetch(controlRequest(id, "advance", {}, { key: null }));
  assertEquals(noKey.status, 401);
  assertEquals((await errorOf(noKey)).type, "invalid_request_error");
  const wrongKey = await mock.fetch(controlRequest(id, "advance", {}, { key: "sk_test_wrong" }));
  assertEquals(wrongKey.status, 401);
  assertEquals((await errorOf(wrongKey)).message, "Invalid API Key provided: sk_test_*****");
  const as = (request: Request) => {
    request.headers.set("Authorization", "Bearer sk_test_right");
    return mock.fetch(request);
  };
  const unknown = await as(controlRequest("cos_nope", "advance"));
  assertEquals([unknown.status, (await errorOf(unknown)).code], [404, "resource_missing"]);
  const param = await as(controlRequest(id, "advance", { status: "fulfillment_complete" }));
  assertEquals([param.status, (await errorOf(param)).param], [400, "status"]);
  const bad = await as(controlRequest(id, "advance", { hold_delivery: "yes" }));
  assertEquals([bad.status, (await errorOf(bad)).param], [400, "hold_delivery"]);
  const json = await as(
    new Request(`https://api.stripe.test${TEST_HELPERS}/${id}/advance`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    }),
  );
  assertEquals(json.status, 400);
  const wrongRoutes: [string, string][] = [["GET", "advance"], ["POST", "complete"], ["POST", ""]];
  for (const [method, action] of wrongRoutes) {
    const res = await as(
      new Request(`https://api.stripe.test${TEST_HELPERS}/${id}/${action}`, { method }),
    );
    assertEquals(res.status, 404, `${method} ${action}`);
    await res.body?.cancel();
  }
  const stored = await (await as(getRequest(`${SESSIONS}/${id}`))).json();
  assertEquals(stored.status, "initialized", "nothing moved the session");
  // Only test keys exist in the mock, and the helpers are as live as the rest: the right key works.
  assertEquals((await as(controlRequest(id, "advance"))).status, 200);
});

Deno.test("the mock's test helpers keep idempotency: one key moves a session once and replays its answer", async () => {
  const mock = createStripeMock();
  const id = await mint(mock);
  const first = await mock.fetch(controlRequest(id, "advance", {}, { idempotencyKey: "step-1" }));
  const replay = await mock.fetch(controlRequest(id, "advance", {}, { idempotencyKey: "step-1" }));
  assertEquals(await replay.text(), await first.text());
  assertEquals(replay.headers.get("idempotent-replayed"), "true");
  assertEquals((await retrieve(mock, id)).status, "requires_payment");
  assertEquals(mock.events().length, 1);
  const other = await mock.fetch(controlRequest(id, "reject", {}, { idempotencyKey: "step-1" }));
  assertEquals([other.status, (await errorOf(other)).type], [400, "idempotency_error"]);
});

Deno.test("the mock's faults strike its test helpers too: a fault before moves nothing, one after loses the answer", async () => {
  const mock = createStripeMock();
  const id = await mint(mock);
  mock.failNext({ kind: "status", status: 503 });
  assertEquals((await mock.fetch(controlRequest(id, "advance"))).status, 503);
  assertEquals((await retrieve(mock, id)).status, "initialized");
  mock.failNext({ fault: { kind: "drop" }, when: "after" });
  const call = () => mock.fetch(controlRequest(id, "advance", {}, { idempotencyKey: "k" }));
  await assertRejects(call, TypeError);
  assertEquals((await retrieve(mock, id)).status, "requires_payment", "handled, answer lost");
  const replay = await call();
  assertEquals((await replay.json()).status, "requires_payment");
  assertEquals(mock.events().length, 1, "the replay moved nothing");
});

Deno.test("createStripeMock({ autoAdvanceMs }) moves each session to fulfillment_complete on its own", async () => {
  const mock = createStripeMock({ autoAdvanceMs: 10 });
  const id = await mint(mock);
  assertEquals((await retrieve(mock, id)).status, "initialized");
  await mock.settled();
  assertEquals((await retrieve(mock, id)).status, "fulfillment_complete");
  assertEquals(
    mock.events(id).map((e) => [e.data.object.status, e.request?.id ?? null]),
    [
      ["requires_payment", null],
      ["fulfillment_processing", null],
      ["fulfillment_complete", null],
    ],
  );
});

Deno.test("createStripeMock({ autoAdvanceMs }) stops a session's timer when it is rejected, and on reset", async () => {
  const mock = createStripeMock({ autoAdvanceMs: 30 });
  const rejected = await mint(mock);
  await control(mock, rejected, "reject");
  const forgotten = await mint(mock);
  await mock.settled();
  assertEquals((await retrieve(mock, rejected)).status, "rejected");
  assertEquals(mock.events(rejected).length, 1);
  assertEquals((await retrieve(mock, forgotten)).status, "fulfillment_complete");
  const pending = await mint(mock);
  mock.reset(); // a timer left running would fail the test's sanitizer
  await mock.settled();
  assertEquals(mock.events(pending), []);
});

Deno.test("createStripeMock() refuses an autoAdvanceMs that is not a positive number", () => {
  for (const value of [0, -1, Number.NaN, Infinity]) {
    assertThrows(
      () => createStripeMock({ autoAdvanceMs: value }),
      RangeError,
      `Cannot create Stripe mock as 'autoAdvanceMs' must be a positive number: current value is ${value}`,
    );
  }
});

Deno.test("the mock makes no event for a session's creation, only for its changes", async () => {
  const mock = createStripeMock();
  const id = await mint(mock);
  assertEquals(mock.events(), []);
  await control(mock, id, "advance");
  assertEquals(mock.events().map((e) => e.data.object.status), ["requires_payment"]);
});
