/**
 * The whole purchase offline, through a real runtime entry on the embedded mock (no key): mint,
 * drive the session through the demo routes to `fulfillment_complete`, and see in the server's
 * own log lines that each event was handled exactly once, while the duplicate and the
 * out-of-order deliveries the mock sends on demand are acknowledged and not handled.
 */
import { assertEquals, assertFalse, assertMatch, assertStringIncludes } from "@std/assert";
import { type SpawnedServer, spawnServer } from "../_helpers/spawn_server.ts";
import { handledLines } from "./_conformance.ts";

/** What `GET /demo/sessions/{id}/events` answers. */
interface EventsView {
  status: string | null;
  handled: { event_id: string; status: string }[];
  deliveries: {
    event_id: string;
    status: string;
    attempt: number;
    response_status: number | null;
    outcome: string | null;
  }[];
}

/**
 * Starts `command args…` on a free port of 127.0.0.1, on the embedded mock unless `env` says
 * more: every variable that would leave it is blank (the server treats empty as unset), whatever
 * the developer's shell exports.
 */
export function startOnMock(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<SpawnedServer> {
  return spawnServer(command, args, {
    PORT: "0",
    HOSTNAME: "127.0.0.1",
    STRIPE_SECRET_KEY: "",
    STRIPE_WEBHOOK_SECRET: "",
    STRIPE_PUBLISHABLE_KEY: "",
    STRIPE_API_BASE: "",
    TRUSTED_PROXIES: "",
    RATE_LIMIT_PER_MINUTE: "",
    ...env,
  });
}

/**
 * Runs the lifecycle steps against a server started on the embedded mock.
 *
 * @param t The runtime's test context.
 * @param server The server, started with {@linkcode startOnMock}.
 */
export async function runMockLifecycle(t: Deno.TestContext, server: SpawnedServer): Promise<void> {
  const send = (path: string, init?: RequestInit) => fetch(server.url + path, init);
  const mint = async () => {
    const res = await send("/onramp/sessions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ source_amount: "100", destination_network: "base" }),
    });
    const body = await res.json();
    assertEquals(res.status, 200, JSON.stringify(body));
    return body as { id: string; client_secret: string; status: string };
  };
  const drive = async (session: { id: string; client_secret: string }, action: string) => {
    const res = await send(`/demo/sessions/${session.id}/${action}`, {
      method: "POST",
      headers: { "onramp-client-secret": session.client_secret },
    });
    return { status: res.status, body: await res.json() };
  };
  const events = async (id: string) =>
    await (await send(`/demo/sessions/${id}/events`)).json() as EventsView;
  // Deliveries happen just after the step's answer, as Stripe's do: wait for them.
  const deliveriesOf = async (id: string, count: number) => {
    const deadline = Date.now() + 10_000;
    let view = await events(id);
    while (view.deliveries.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      view = await events(id);
    }
    assertEquals(view.deliveries.length, count, JSON.stringify(view));
    return view;
  };
  const secrets: string[] = [];

  await t.step(
    "says it runs on the embedded mock, and the page shows the simulated widget",
    async () => {
      assertStringIncludes(server.output(), "embedded mock");
      const page = await (await send("/")).text();
      assertStringIncludes(page, 'id="mock-banner"');
      assertStringIncludes(page, 'id="simulated-widget"');
    },
  );

  await t.step(
    "drives a session to fulfillment_complete: each event handled once, a duplicate acknowledged and not handled",
    async () => {
      const session = await mint();
      secrets.push(session.client_secret);
      assertEquals(session.status, "initialized");
      for (const status of ["requires_payment", "fulfillment_processing", "fulfillment_complete"]) {
        const step = await drive(session, "advance");
        assertEquals([step.status, step.body.status], [200, status]);
      }
      await deliveriesOf(session.id, 3);
      assertEquals((await drive(session, "duplicate")).status, 200);
      const view = await deliveriesOf(session.id, 4);
      assertEquals(
        view.deliveries.map((d) => [d.status, d.response_status, d.outcome]),
        [
          ["requires_payment", 200, "handled"],
          ["fulfillment_processing", 200, "handled"],
          ["fulfillment_complete", 200, "handled"],
          ["fulfillment_complete", 200, "duplicate"],
        ],
      );
      assertEquals(view.deliveries[3]!.event_id, view.deliveries[2]!.event_id, "the same event");
      assertEquals(view.status, "fulfillment_complete");
      assertEquals(view.handled.map((h) => h.status), [
        "requires_payment",
        "fulfillment_processing",
        "fulfillment_complete",
      ]);
      const lines = handledLines(server.output()).filter((l) => l.session_id === session.id);
      assertEquals(lines.filter((l) => l.status === "fulfillment_complete").length, 1);
      assertEquals(lines.map((l) => l.event_id), view.handled.map((h) => h.event_id));
      // The full view, with the session's own secret, holds the transaction hash (Base: EVM).
      const full = await send(`/onramp/sessions/${session.id}`, {
        headers: { "onramp-client-secret": session.client_secret },
      });
      assertMatch((await full.json()).transaction_details.transaction_id, /^0x[0-9a-f]{64}$/);
    },
  );

  await t.step(
    "an out-of-order delivery is acknowledged as stale and leaves the status where it is",
    async () => {
      const session = await mint();
      secrets.push(session.client_secret);
      const step = await drive(session, "out_of_order");
      assertEquals([step.status, step.body.status], [200, "fulfillment_processing"]);
      let view = await deliveriesOf(session.id, 2);
      assertEquals(view.deliveries.map((d) => [d.status, d.outcome]), [
        ["fulfillment_processing", "handled"],
        ["requires_payment", "stale"],
      ]);
      assertEquals(view.status, "fulfillment_processing");
      assertEquals((await drive(session, "advance")).body.status, "fulfillment_complete");
      view = await deliveriesOf(session.id, 3);
      assertEquals(view.handled.map((h) => h.status), [
        "fulfillment_processing",
        "fulfillment_complete",
      ]);
      const lines = handledLines(server.output()).filter((l) => l.session_id === session.id);
      assertEquals(lines.map((l) => l.status), ["fulfillment_processing", "fulfillment_complete"]);
    },
  );

  await t.step("a session is driven only with its client_secret, and only forward", async () => {
    const session = await mint();
    const other = await mint();
    secrets.push(session.client_secret, other.client_secret);
    const bare = await send(`/demo/sessions/${session.id}/advance`, { method: "POST" });
    assertEquals([bare.status, (await bare.json()).error.param], [400, "Onramp-Client-Secret"]);
    const wrong = await drive({ id: session.id, client_secret: other.client_secret }, "advance");
    assertEquals([wrong.status, wrong.body.error.code], [403, "client_secret_mismatch"]);
    assertEquals((await drive(session, "reject")).body.status, "rejected");
    const late = await drive(session, "advance");
    assertEquals(
      [late.status, late.body.error.code],
      [400, "crypto_onramp_session_unexpected_state"],
    );
    const unknown = await drive(session, "refund");
    assertEquals(unknown.status, 404);
    const view = await deliveriesOf(session.id, 1);
    assertEquals(view.handled.map((h) => h.status), ["rejected"]);
    assertEquals((await events(other.id)).deliveries, [], "the other session never moved");
  });

  await t.step("no log line holds a client_secret, a webhook secret or an event body", () => {
    const printed = server.output();
    for (const secret of secrets) assertFalse(printed.includes(secret));
    assertFalse(printed.includes("whsec_"));
    assertFalse(printed.includes("transaction_details"));
    // 3 + 2 + 1 handled events above, one line each, nothing for the duplicate and the stale one.
    assertEquals(handledLines(printed).length, 6);
  });
}
