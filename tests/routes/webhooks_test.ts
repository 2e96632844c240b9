import { assert, assertEquals, assertThrows } from "@std/assert";
import { Hono } from "hono";
import type { CryptoOnrampSession } from "../../client/types.ts";
import type { LogEntry } from "../../errors/logger.ts";
import { cryptoOnrampWithSeams } from "../../routes/onramp_app.ts";
import type { OnrampSessionUpdatedEvent } from "../../webhooks/event.ts";
import {
  CLAIM_TIMEOUT_MS,
  createMemoryEventStore,
  type WebhookEventStore,
} from "../../webhooks/event_store.ts";
import { fakeUpstream, neverCalled, sessionJson } from "../_helpers/fake_upstream.ts";
import { errorOf, SECRET_KEY, testApp, testPlatform } from "../_helpers/onramp_app.ts";
import { serveApp } from "../_helpers/served_app.ts";
import {
  eventBody,
  type EventSpec,
  signedDelivery,
  WEBHOOK_SECRET,
} from "../_helpers/webhook_events.ts";

const NOW_MS = 1_764_000_000_000 + 500;

/** An app whose handler records what it was given, on a clock fixed at NOW_MS. */
function webhookApp(
  options: {
    onSessionUpdated?: (s: CryptoOnrampSession, e: OnrampSessionUpdatedEvent) => unknown;
    refetchSession?: boolean;
    upstream?: ReturnType<typeof fakeUpstream>;
  } = {},
) {
  const handled: { session: CryptoOnrampSession; event: OnrampSessionUpdatedEvent }[] = [];
  const app = testApp({
    upstream: options.upstream ?? { requests: [], fetch: neverCalled },
    seams: { now: () => NOW_MS },
    webhooks: {
      secret: WEBHOOK_SECRET,
      refetchSession: options.refetchSession ?? false,
      onSessionUpdated: async (session, event) => {
        handled.push({ session, event });
        await options.onSessionUpdated?.(session, event);
      },
    },
  });
  const deliver = async (
    spec: EventSpec = {},
    signing: { secret?: string; timestampS?: number } = {},
  ) => app.request("/onramp/webhooks", await signedDelivery(eventBody(spec), signing));
  return { ...app, handled, deliver };
}

Deno.test("POST /webhooks hands a verified session event to onSessionUpdated", async () => {
  const { deliver, handled } = webhookApp();
  const res = await deliver({ status: "fulfillment_complete" });
  assertEquals(res.status, 200);
  assertEquals(await res.json(), { received: true, outcome: "handled" });
  assertEquals(handled.length, 1);
  assertEquals(handled[0]!.session.status, "fulfillment_complete");
  assertEquals(handled[0]!.event.id, "evt_test_1");
});

Deno.test("POST /webhooks accepts the dotted spelling crypto.onramp_session.updated", async () => {
  const { deliver, handled } = webhookApp();
  const res = await deliver({ type: "crypto.onramp_session.updated" });
  assertEquals((await res.json()).outcome, "handled");
  assertEquals(handled.length, 1);
});

Deno.test("POST /webhooks acknowledges other event types without calling the handler", async () => {
  const { deliver, handled } = webhookApp();
  const res = await deliver({ type: "payment_intent.succeeded" });
  assertEquals(res.status, 200);
  assertEquals((await res.json()).outcome, "ignored");
  assertEquals(handled.length, 0);
});

Deno.test("POST /webhooks keeps an unknown status an open string", async () => {
  const { deliver, handled } = webhookApp();
  await deliver({ status: "quote_ready" });
  assertEquals(handled[0]?.session.status, "quote_ready");
});

Deno.test("POST /webhooks refuses with 400 what Stripe did not sign, never calling the handler", async () => {
  const { request, handled, logs } = webhookApp();
  const body = eventBody();
  const signed = await signedDelivery(body);
  const header = new Headers(signed.headers).get("stripe-signature")!;
  const cases: [string, RequestInit, string][] = [
    [
      "a tampered body",
      { ...signed, body: body.replace("fulfillment_complete", "rejected") },
      "no_matching_signature",
    ],
    [
      "another secret",
      await signedDelivery(body, { secret: "whsec_someone_else" }),
      "no_matching_signature",
    ],
    ["no header", { method: "POST", body }, "missing_header"],
    [
      "a garbled header",
      { method: "POST", body, headers: { "stripe-signature": "garbage" } },
      "malformed_header",
    ],
    ["v0 only", {
      method: "POST",
      body,
      headers: { "stripe-signature": header.replace("v1=", "v0=") },
    }, "no_v1_signature"],
    ["a v1 that is not a signature", {
      method: "POST",
      body,
      headers: { "stripe-signature": header.replace(/v1=[0-9a-f]+/, "v1=00") },
    }, "no_matching_signature"],
    [
      "a stale timestamp",
      await signedDelivery(body, { timestampS: 1_764_000_000 - 301 }),
      "timestamp_outside_tolerance",
    ],
    [
      "a future timestamp",
      await signedDelivery(body, { timestampS: 1_764_000_000 + 301 }),
      "timestamp_outside_tolerance",
    ],
    ["no body", { method: "POST", headers: { "stripe-signature": header } }, "missing_body"],
  ];
  for (const [name, init, code] of cases) {
    const res = await request("/onramp/webhooks", init);
    assertEquals(res.status, 400, name);
    const error = await errorOf(res);
    assertEquals([error.type, error.code], ["invalid_request_error", code], name);
    assert(!JSON.stringify(error).includes("whsec_"), name);
  }
  assertEquals(handled.length, 0);
  const logged = JSON.stringify(logs);
  assert(
    !logged.includes(WEBHOOK_SECRET) && !logged.includes("cos_test_123"),
    "no secret or body in logs",
  );
});

Deno.test("POST /webhooks never parses an unverified body", async () => {
  const { request } = webhookApp();
  // Not JSON, and unsigned: the answer is about the signature, not the JSON.
  const res = await request("/onramp/webhooks", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "stripe-signature": `t=1764000000,v1=${"0".repeat(64)}`,
    },
    body: "{not json",
  });
  assertEquals(res.status, 400);
  assertEquals((await errorOf(res)).code, "no_matching_signature");
});

Deno.test("POST /webhooks refuses a signed body that is not a session event", async () => {
  const { request, handled } = webhookApp();
  for (
    const body of [
      "{not json",
      JSON.stringify({ id: "evt_1", object: "customer" }),
      JSON.stringify({
        id: "evt_1",
        object: "event",
        type: "crypto.onramp_session_updated",
        created: 1,
        livemode: false,
        data: { object: { id: "nope" } },
      }),
    ]
  ) {
    const res = await request("/onramp/webhooks", await signedDelivery(body));
    assertEquals(res.status, 400, body);
    assertEquals((await errorOf(res)).code, "webhook_event_invalid");
  }
  assertEquals(handled.length, 0);
});

Deno.test("POST /webhooks runs the handler once for a duplicate delivery", async () => {
  const { deliver, handled } = webhookApp();
  assertEquals((await (await deliver()).json()).outcome, "handled");
  const again = await deliver(); // Stripe re-signs a retry with a fresh t; same event id
  assertEquals(again.status, 200);
  assertEquals((await again.json()).outcome, "duplicate");
  assertEquals(handled.length, 1);
});

Deno.test("POST /webhooks runs the handler once for concurrent duplicates", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { deliver, handled } = webhookApp({ onSessionUpdated: () => gate });
  const first = deliver();
  await new Promise((resolve) => setTimeout(resolve, 10));
  const second = await deliver();
  assertEquals(second.status, 409, "a concurrent duplicate waits: Stripe delivers it again");
  assertEquals((await errorOf(second)).code, "webhook_event_in_progress");
  assertEquals(second.headers.get("retry-after"), "30");
  release();
  assertEquals((await (await first).json()).outcome, "handled");
  assertEquals((await (await deliver()).json()).outcome, "duplicate");
  assertEquals(handled.length, 1);
});

Deno.test("POST /webhooks never regresses a session's status", async () => {
  const { deliver, handled } = webhookApp();
  await deliver({ id: "evt_b", status: "fulfillment_processing", created: 1_764_000_100 });
  const late = await deliver({ id: "evt_a", status: "requires_payment", created: 1_764_000_050 });
  assertEquals(late.status, 200);
  assertEquals((await late.json()).outcome, "stale");
  // Same second, earlier status: stale too; a later status applies.
  assertEquals(
    (await (await deliver({ id: "evt_c", status: "requires_payment", created: 1_764_000_100 }))
      .json()).outcome,
    "stale",
  );
  assertEquals(
    (await (await deliver({ id: "evt_d", status: "fulfillment_complete", created: 1_764_000_200 }))
      .json()).outcome,
    "handled",
  );
  // After a final status nothing applies, not even a later event.
  assertEquals(
    (await (await deliver({
      id: "evt_e",
      status: "fulfillment_processing",
      created: 1_764_000_300,
    })).json()).outcome,
    "stale",
  );
  assertEquals(handled.map((h) => h.event.id), ["evt_b", "evt_d"]);
});

Deno.test("POST /webhooks orders events per session, not across sessions", async () => {
  const { deliver, handled } = webhookApp();
  await deliver({
    id: "evt_1",
    sessionId: "cos_one",
    status: "fulfillment_complete",
    created: 1_764_000_100,
  });
  await deliver({
    id: "evt_2",
    sessionId: "cos_two",
    status: "requires_payment",
    created: 1_764_000_050,
  });
  assertEquals(handled.map((h) => h.event.id), ["evt_1", "evt_2"]);
});

Deno.test("POST /webhooks answers 500 when the handler throws, then handles the redelivery", async () => {
  let fail = true;
  const { deliver, handled, logs } = webhookApp({
    onSessionUpdated: () => {
      if (fail) throw new Error("database down: password=hunter2");
    },
  });
  const res = await deliver();
  assertEquals(res.status, 500);
  const error = await errorOf(res);
  assertEquals(error.code, "webhook_handler_failed");
  assert(!JSON.stringify(error).includes("hunter2"), "the handler's error is not echoed");
  assert(!JSON.stringify(logs).includes("hunter2"), "nor logged");
  fail = false;
  const redelivery = await deliver();
  assertEquals((await redelivery.json()).outcome, "handled");
  assertEquals(handled.length, 2, "the handler ran again for the redelivery");
});

Deno.test("POST /webhooks can refetch the session from Stripe before the handler runs", async () => {
  const upstream = fakeUpstream(
    Response.json(sessionJson({ status: "fulfillment_complete", metadata: { fresh: "yes" } })),
  );
  const { deliver, handled } = webhookApp({ refetchSession: true, upstream });
  await deliver({ status: "fulfillment_processing" });
  assertEquals(upstream.requests.length, 1);
  assertEquals(upstream.requests[0]!.url.pathname, "/v1/crypto/onramp_sessions/cos_test_123");
  assertEquals(upstream.requests[0]!.headers.get("authorization"), `Bearer ${SECRET_KEY}`);
  assertEquals(handled[0]!.session.metadata, { fresh: "yes" });
});

Deno.test("POST /webhooks answers a retryable 5xx when the refetch fails, then handles the redelivery", async () => {
  const upstream = fakeUpstream(
    Response.json({ error: { type: "api_error", message: "down" } }, { status: 500 }),
    Response.json({ error: { type: "api_error", message: "down" } }, { status: 500 }),
    Response.json({ error: { type: "api_error", message: "down" } }, { status: 500 }),
    Response.json(sessionJson({ status: "fulfillment_complete" })),
  );
  const { deliver, handled } = webhookApp({ refetchSession: true, upstream });
  const res = await deliver();
  assertEquals(res.status, 502);
  assertEquals((await errorOf(res)).retryable, true);
  assertEquals(handled.length, 0);
  assertEquals((await (await deliver()).json()).outcome, "handled");
});

Deno.test("POST /webhooks refuses an event larger than its body limit with 413", async () => {
  const app = testApp({
    webhooks: { secret: WEBHOOK_SECRET, maxBodyBytes: 1_000, onSessionUpdated: () => {} },
  });
  const res = await app.request("/onramp/webhooks", await signedDelivery("x".repeat(2_000)));
  assertEquals(res.status, 413);
});

Deno.test("cryptoOnramp() refuses webhook secrets that are not whsec_ at start-up", () => {
  for (const secret of ["sk_test_123", "whsec_abc \n", ""]) {
    const error = assertThrows(
      () => testApp({ webhooks: { secret, onSessionUpdated: () => {} } }),
      TypeError,
    );
    assert(!error.message.includes("sk_test_123"));
  }
});

Deno.test("POST /webhooks is not there unless the webhooks option is set", async () => {
  const res = await testApp().request("/onramp/webhooks", await signedDelivery(eventBody()));
  assertEquals(res.status, 404);
});

/** A store that works like the memory store, except for the methods told to reject. */
function failingStore() {
  const inner = createMemoryEventStore();
  const failing = { complete: false, release: false };
  // What a real backend's error may carry: a connection string, a secret it was given.
  const outage = () => new Error(`connect failed: password=hunter2 ${WEBHOOK_SECRET}`);
  const store: WebhookEventStore = {
    claim: (claim, nowMs) => inner.claim(claim, nowMs),
    complete: (claim, nowMs) =>
      failing.complete ? Promise.reject(outage()) : inner.complete(claim, nowMs),
    release: (claim) => failing.release ? Promise.reject(outage()) : inner.release(claim),
  };
  return { store, failing };
}

/**
 * The webhook route served over real HTTP (`Deno.serve`) on a clock the test moves, with the
 * given store and handler; Stripe is never called.
 */
function servedWebhookApp(
  store: WebhookEventStore,
  onSessionUpdated: (event: OnrampSessionUpdatedEvent) => void | Promise<void>,
) {
  const clock = { nowMs: NOW_MS };
  const logs: LogEntry[] = [];
  const handled: string[] = [];
  const platform = new Hono().route(
    "/onramp",
    cryptoOnrampWithSeams({
      stripeSecretKey: SECRET_KEY,
      fetch: neverCalled,
      logger: (entry) => logs.push(entry),
      webhooks: {
        secret: WEBHOOK_SECRET,
        store,
        onSessionUpdated: async (_session, event) => {
          handled.push(event.id);
          await onSessionUpdated(event);
        },
      },
    }, { now: () => clock.nowMs }),
  );
  const server = serveApp((request, info) => platform.fetch(request, info));
  return {
    clock,
    logs,
    handled,
    // Stripe signs each attempt afresh, with the time of sending.
    deliver: async (spec: EventSpec = {}) =>
      await fetch(
        `${server.url}/onramp/webhooks`,
        await signedDelivery(eventBody(spec), { timestampS: Math.floor(clock.nowMs / 1000) }),
      ),
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/** Status and outcome (or error code) of an answer. */
async function outcomeOf(res: Response): Promise<[number, string]> {
  const body = await res.json();
  return [res.status, body.outcome ?? body.error.code];
}

/** Fails when a log entry holds a secret or anything of the event's body but its id. */
function assertLogsHoldNothingSecret(logs: LogEntry[]) {
  const logged = JSON.stringify(logs);
  for (
    const secret of [WEBHOOK_SECRET, SECRET_KEY, "hunter2", "cos_test_123", "fulfillment_complete"]
  ) {
    assert(!logged.includes(secret), `the logs hold ${secret}: ${logged}`);
  }
}

Deno.test("POST /webhooks answers 200 and logs webhook_store_unavailable when the store fails to complete a handled event", async () => {
  const { store, failing } = failingStore();
  await using app = servedWebhookApp(store, () => {});
  failing.complete = true;
  const res = await app.deliver();
  // The handler ran: an error would make Stripe deliver it again and the handler run twice.
  assertEquals(res.status, 200);
  assertEquals(await res.json(), { received: true, outcome: "handled" });
  assertEquals(app.handled, ["evt_test_1"]);
  assertEquals(
    app.logs.map(({ level, status, code }) => ({ level, status, code })),
    [{ level: "error", status: 200, code: "webhook_store_unavailable" }],
  );
  assert(app.logs[0]!.message.includes("evt_test_1"), "the entry names the event");
  assertLogsHoldNothingSecret(app.logs);
  // As documented: the store never learned the event was handled, so its claim holds until
  // CLAIM_TIMEOUT_MS, and a delivery after that (a resend from the Dashboard) runs it again.
  failing.complete = false;
  app.clock.nowMs += CLAIM_TIMEOUT_MS - 1;
  assertEquals(await outcomeOf(await app.deliver()), [409, "webhook_event_in_progress"]);
  app.clock.nowMs += 1;
  assertEquals(await outcomeOf(await app.deliver()), [200, "handled"]);
  assertEquals(await outcomeOf(await app.deliver()), [200, "duplicate"]);
  assertEquals(app.handled, ["evt_test_1", "evt_test_1"]);
});

Deno.test("POST /webhooks answers the handler's 500 in Stripe's shape when the store also fails to release", async () => {
  const { store, failing } = failingStore();
  let fail = true;
  await using app = servedWebhookApp(store, () => {
    if (fail) throw new Error("database down: password=hunter2");
  });
  failing.release = true;
  const res = await app.deliver();
  assertEquals(res.status, 500);
  assertEquals(await res.json(), {
    error: {
      type: "api_error",
      code: "webhook_handler_failed",
      message: "The platform's handler failed: Stripe will deliver the event again",
    },
  });
  assertEquals(
    app.logs.map(({ level, status, code }) => ({ level, status, code })).sort((x, y) =>
      x.code!.localeCompare(y.code!)
    ),
    [
      { level: "error", status: 500, code: "webhook_handler_failed" },
      { level: "error", status: 500, code: "webhook_store_unavailable" },
    ],
  );
  assertLogsHoldNothingSecret(app.logs);
  // As documented: the claim was not released, so it lapses after CLAIM_TIMEOUT_MS, and the
  // redelivery then is handled.
  failing.release = false;
  fail = false;
  app.clock.nowMs += CLAIM_TIMEOUT_MS - 1;
  assertEquals(await outcomeOf(await app.deliver()), [409, "webhook_event_in_progress"]);
  app.clock.nowMs += 1;
  assertEquals(await outcomeOf(await app.deliver()), [200, "handled"]);
  assertEquals(await outcomeOf(await app.deliver()), [200, "duplicate"]);
  assertEquals(app.handled, ["evt_test_1", "evt_test_1"]);
});

Deno.test("POST /webhooks answers the refetch's 502 when the store also fails to release", async () => {
  const { store, failing } = failingStore();
  const upstream = fakeUpstream(
    ...Array.from(
      { length: 3 },
      () => Response.json({ error: { type: "api_error", message: "down" } }, { status: 500 }),
    ),
  );
  const { platform, logs } = testPlatform({
    upstream,
    webhooks: { secret: WEBHOOK_SECRET, store, refetchSession: true, onSessionUpdated() {} },
    seams: { now: () => NOW_MS },
  });
  const server = serveApp((request, info) => platform.fetch(request, info));
  try {
    failing.release = true;
    const res = await fetch(`${server.url}/onramp/webhooks`, await signedDelivery(eventBody()));
    assertEquals(res.status, 502);
    const error = await errorOf(res);
    assertEquals([error.type, error.retryable], ["api_error", true]);
    assert(logs.some((entry) => entry.code === "webhook_store_unavailable"));
    assertLogsHoldNothingSecret(logs);
  } finally {
    await server.close();
  }
});
