/**
 * The mock's webhook deliveries: signed as Stripe signs them (Stripe's Node library is the
 * oracle), one per status change, in order per session, duplicated and out of order on demand,
 * and delivered again after a failure.
 */
import { assert, assertEquals, assertGreater, assertMatch, assertThrows } from "@std/assert";
import { Hono } from "hono";
import Stripe from "stripe";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import {
  createStripeMock,
  type MockWebhookEndpoint,
  type StripeMock,
} from "../../mock/stripe_mock.ts";
import type { CryptoOnrampSession } from "../../client/types.ts";
import { controlRequest, createRequest, getRequest, jsonOf, SESSIONS } from "./_helpers.ts";

const SECRET = "whsec_mock_endpoint_secret_0123456789";
const stripe = new Stripe("sk_test_oracle");

/** One request the endpoint received, read whole. */
interface Received {
  body: string;
  signature: string;
  contentType: string | null;
  atMs: number;
}

/** An endpoint `fetch` that records each delivery and answers from `answer`. */
function recordingEndpoint(answer: (n: number) => Response | Promise<Response> = () => ok()) {
  const received: Received[] = [];
  const fetch = async (request: Request) => {
    received.push({
      body: await request.text(),
      signature: request.headers.get("stripe-signature") ?? "",
      contentType: request.headers.get("content-type"),
      atMs: performance.now(),
    });
    return await answer(received.length);
  };
  return { received, fetch };
}

const ok = () => Response.json({ received: true });

function mockWith(endpoint: Partial<MockWebhookEndpoint>, options = {}): StripeMock {
  return createStripeMock({
    webhookEndpoint: { url: "https://platform.test/onramp/webhooks", secret: SECRET, ...endpoint },
    ...options,
  });
}

async function mint(mock: StripeMock): Promise<string> {
  return (await jsonOf(await mock.fetch(createRequest({ destination_network: "ethereum" }))))
    .id as string;
}

async function drive(mock: StripeMock, id: string, action: string, params = {}) {
  const res = await mock.fetch(controlRequest(id, action, params));
  assertEquals(res.status, 200, await res.clone().text());
  return await res.json();
}

/** A platform app on the mock, its handler recording each session it is handed. */
function receiver(mock: () => StripeMock) {
  const handled: { eventId: string; status: string }[] = [];
  const app = new Hono().route(
    "/onramp",
    cryptoOnramp({
      stripeSecretKey: "sk_test_receiver",
      fetch: (request) => mock().fetch(request),
      logger: () => {},
      webhooks: {
        secret: SECRET,
        onSessionUpdated: (session, event) => {
          handled.push({ eventId: event.id, status: session.status });
        },
      },
    }),
  );
  return { handled, fetch: (request: Request) => Promise.resolve(app.fetch(request)) };
}

const outcomes = (mock: StripeMock) =>
  mock.deliveries().map((d) => [d.status, d.responseStatus, JSON.parse(d.responseBody).outcome]);

Deno.test("the mock signs each delivery as Stripe does: Stripe's constructEventAsync accepts it", async () => {
  const endpoint = recordingEndpoint();
  const mock = mockWith({ fetch: endpoint.fetch });
  const id = await mint(mock);
  const seen: CryptoOnrampSession[] = [];
  for (let step = 0; step < 3; step++) seen.push(await drive(mock, id, "advance"));
  await mock.settled();
  assertEquals(endpoint.received.length, 3);
  for (const [i, delivery] of endpoint.received.entries()) {
    assertEquals(delivery.contentType, "application/json; charset=utf-8");
    assertMatch(delivery.signature, /^t=\d+,v1=[0-9a-f]{64}$/);
    const event = await stripe.webhooks.constructEventAsync(
      delivery.body,
      delivery.signature,
      SECRET,
    );
    const raw = JSON.parse(delivery.body);
    assertMatch(raw.id, /^evt_[A-Za-z0-9]{24}$/);
    assertEquals(event.id, raw.id);
    assertEquals(
      [raw.object, raw.type, raw.livemode, raw.pending_webhooks],
      ["event", "crypto.onramp_session_updated", false, 1],
    );
    assert(Number.isSafeInteger(raw.created), "created is Unix seconds");
    assertEquals(raw.data.object, seen[i], "data.object is the session as the change left it");
    assertEquals(
      raw.data.previous_attributes.status,
      ["initialized", "requires_payment", "fulfillment_processing"][i],
    );
    assertEquals(raw.request.id?.startsWith("req_"), true, "caused by the test helper's call");
  }
  const last = JSON.parse(endpoint.received[2]!.body);
  assertEquals(last.data.previous_attributes.transaction_details, { transaction_id: null });
  // Not with another secret: the signature is the secret's, not a checksum.
  let refused = false;
  try {
    await stripe.webhooks.constructEventAsync(
      endpoint.received[0]!.body,
      endpoint.received[0]!.signature,
      "whsec_someone_else",
    );
  } catch {
    refused = true;
  }
  assert(refused, "Stripe's library refuses the delivery under another secret");
});

Deno.test("the mock delivers over real HTTP to a served app, which verifies and handles each event once", async () => {
  let mock: StripeMock | undefined;
  const app = receiver(() => mock!);
  const stop = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: stop.signal, onListen: () => {} },
    app.fetch,
  );
  try {
    mock = mockWith({ url: `http://127.0.0.1:${server.addr.port}/onramp/webhooks` });
    const id = await mint(mock);
    for (let step = 0; step < 3; step++) await drive(mock, id, "advance");
    await mock.settled();
    assertEquals(app.handled.map((h) => h.status), [
      "requires_payment",
      "fulfillment_processing",
      "fulfillment_complete",
    ]);
    assertEquals(outcomes(mock).map(([, status, outcome]) => [status, outcome]), [
      [200, "handled"],
      [200, "handled"],
      [200, "handled"],
    ]);
  } finally {
    stop.abort();
    await server.finished;
  }
});

Deno.test("the mock's redeliver sends the latest event again: same id and body, signed afresh, not handled twice", async () => {
  let clockMs = Date.now();
  const endpoint = recordingEndpoint();
  const app = receiver(() => mock);
  const mock = mockWith({
    fetch: async (request) => {
      await endpoint.fetch(request.clone());
      return app.fetch(request);
    },
  }, { now: () => (clockMs += 1_000) });
  const id = await mint(mock);
  await drive(mock, id, "advance");
  const duplicate = await drive(mock, id, "redeliver");
  await mock.settled();
  const [first, second] = endpoint.received;
  assertEquals(second?.body, first?.body);
  assertEquals(duplicate.id, JSON.parse(first!.body).id);
  assert(first!.signature !== second!.signature, "each delivery is signed with its own t");
  assertEquals(outcomes(mock), [
    ["requires_payment", 200, "handled"],
    ["requires_payment", 200, "duplicate"],
  ]);
  assertEquals(mock.deliveries().map((d) => d.reason), ["status_change", "redeliver"]);
  assertEquals(app.handled.length, 1);
});

Deno.test("the mock delivers a held event after a newer one: out of order, acknowledged as stale", async () => {
  const app = receiver(() => mock);
  const mock = mockWith({ fetch: app.fetch });
  const id = await mint(mock);
  await drive(mock, id, "advance", { hold_delivery: true });
  await drive(mock, id, "advance");
  await mock.settled();
  const [older, newer] = mock.events(id);
  assertEquals([older?.data.object.status, newer?.data.object.status], [
    "requires_payment",
    "fulfillment_processing",
  ]);
  assertEquals(mock.deliveries().map((d) => d.eventId), [newer!.id], "the older one is held");
  await drive(mock, id, "redeliver", { event: older!.id });
  await mock.settled();
  assertEquals(outcomes(mock), [
    ["fulfillment_processing", 200, "handled"],
    ["requires_payment", 200, "stale"],
  ]);
  assertEquals(app.handled.map((h) => h.status), ["fulfillment_processing"]);
  // The session itself never went back.
  const now = await (await mock.fetch(getRequest(`${SESSIONS}/${id}`))).json();
  assertEquals(now.status, "fulfillment_processing");
});

Deno.test("the mock delivers again after a 500, with a growing backoff, until a 2xx", async () => {
  const endpoint = recordingEndpoint((n) =>
    n < 3 ? new Response("handler failed", { status: 500 }) : ok()
  );
  const mock = mockWith({ fetch: endpoint.fetch, retryDelayMs: 40 });
  const id = await mint(mock);
  await drive(mock, id, "advance");
  await mock.settled();
  assertEquals(
    mock.deliveries().map((d) => [d.attempt, d.responseStatus, d.responseBody]),
    [[1, 500, "handler failed"], [2, 500, "handler failed"], [3, 200, '{"received":true}']],
  );
  const [a, b, c] = endpoint.received.map((r) => r.atMs);
  assertGreater(b! - a!, 35, "the first retry waits retryDelayMs");
  assertGreater(c! - b!, 75, "the second waits twice as long");
  assertEquals(new Set(endpoint.received.map((r) => r.body)).size, 1, "the same event each time");
});

Deno.test("the mock gives a delivery up after maxAttempts, and retries network errors and timeouts", async () => {
  const failing = recordingEndpoint(() => new Response(null, { status: 503 }));
  const mock = mockWith({ fetch: failing.fetch, retryDelayMs: 1, maxAttempts: 3 });
  const id = await mint(mock);
  await drive(mock, id, "advance");
  await mock.settled();
  assertEquals(mock.deliveries().map((d) => d.responseStatus), [503, 503, 503]);

  let calls = 0;
  const flaky = mockWith({
    retryDelayMs: 1,
    timeoutMs: 50,
    fetch: () => {
      calls++;
      if (calls === 1) return Promise.reject(new TypeError("connection refused"));
      if (calls === 2) return new Promise<Response>(() => {}); // never answers
      return Promise.resolve(ok());
    },
  });
  const other = await mint(flaky);
  await drive(flaky, other, "advance");
  await flaky.settled();
  assertEquals(flaky.deliveries().map((d) => [d.responseStatus, d.error]), [
    [null, "connection refused"],
    [null, "no answer within 50 ms"],
    [200, null],
  ]);
});

Deno.test("the mock delivers each session's events in order, one at a time", async () => {
  let active = 0;
  let most = 0;
  const order: string[] = [];
  const mock = mockWith({
    fetch: async (request) => {
      active++;
      most = Math.max(most, active);
      order.push(JSON.parse(await request.text()).data.object.status);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      return ok();
    },
  });
  const id = await mint(mock);
  for (let step = 0; step < 3; step++) await drive(mock, id, "advance");
  await mock.settled();
  assertEquals(order, ["requires_payment", "fulfillment_processing", "fulfillment_complete"]);
  assertEquals(most, 1);
});

Deno.test("the mock's redeliver refuses what it cannot send, in Stripe's shape", async () => {
  const without = createStripeMock();
  const id = await mint(without);
  await drive(without, id, "advance");
  const noEndpoint = await without.fetch(controlRequest(id, "redeliver"));
  assertEquals(noEndpoint.status, 400);
  assertEquals((await noEndpoint.json()).error.code, "crypto_onramp_session_unexpected_state");

  const mock = mockWith({ fetch: () => Promise.resolve(ok()) });
  const fresh = await mint(mock);
  const noEvent = await mock.fetch(controlRequest(fresh, "redeliver"));
  assertEquals([noEvent.status, (await noEvent.json()).error.type], [400, "invalid_request_error"]);
  const unknown = await mock.fetch(controlRequest(fresh, "redeliver", { event: "evt_nope" }));
  assertEquals([unknown.status, (await unknown.json()).error.param], [404, "event"]);
  const bad = await mock.fetch(controlRequest(fresh, "redeliver", { event: "cos_x" }));
  assertEquals([bad.status, (await bad.json()).error.param], [400, "event"]);
  await mock.settled();
  assertEquals(mock.deliveries(), []);
});

Deno.test("the mock's timer delivers each change it makes", async () => {
  const endpoint = recordingEndpoint();
  const mock = mockWith({ fetch: endpoint.fetch }, { autoAdvanceMs: 5 });
  await mint(mock);
  await mock.settled();
  const statuses = endpoint.received.map((r) => JSON.parse(r.body).data.object.status);
  assertEquals(statuses, ["requires_payment", "fulfillment_processing", "fulfillment_complete"]);
  for (const r of endpoint.received) {
    await stripe.webhooks.constructEventAsync(r.body, r.signature, SECRET);
  }
});

Deno.test("createStripeMock() checks webhookEndpoint at start-up, never echoing the secret", () => {
  const url = "https://platform.test/onramp/webhooks";
  const cases: [string, Partial<MockWebhookEndpoint>, string][] = [
    ["a relative URL", { url: "/onramp/webhooks" }, "'webhookEndpoint.url' must be"],
    ["another scheme", { url: "ftp://platform.test/" }, "'webhookEndpoint.url' must be"],
    ["an API key", { secret: "sk_test_oops" }, "'webhookEndpoint.secret' must be"],
    ["a pasted newline", { secret: `${SECRET}\n` }, "'webhookEndpoint.secret' must be"],
    ["no attempt", { maxAttempts: 0 }, "'webhookEndpoint.maxAttempts' must be"],
    ["endless attempts", { maxAttempts: 1_000 }, "'webhookEndpoint.maxAttempts' must be"],
    ["a negative delay", { retryDelayMs: -1 }, "'webhookEndpoint.retryDelayMs' must be"],
    ["no time", { timeoutMs: 0 }, "'webhookEndpoint.timeoutMs' must be"],
  ];
  for (const [name, change, message] of cases) {
    const error = assertThrows(
      () => createStripeMock({ webhookEndpoint: { url, secret: SECRET, ...change } }),
      RangeError,
      message,
    );
    assert(!error.message.includes("sk_test_oops") && !error.message.includes(SECRET), name);
  }
});

Deno.test("the mock's reset stops deliveries waiting to be retried", async () => {
  const endpoint = recordingEndpoint(() => new Response(null, { status: 500 }));
  const mock = mockWith({ fetch: endpoint.fetch, retryDelayMs: 60_000 });
  const id = await mint(mock);
  await drive(mock, id, "advance");
  while (endpoint.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  mock.reset(); // without it, settled() would wait a minute, and the test's sanitizer fail
  await mock.settled();
  assertEquals(endpoint.received.length, 1);
  assertEquals(mock.deliveries(), []);
});
