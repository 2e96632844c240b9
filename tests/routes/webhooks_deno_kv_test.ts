/**
 * `POST /webhooks` on two instances sharing one Deno KV database: two servers (`Deno.serve`),
 * each with its own handle on one database file, receiving Stripe's deliveries signed by
 * stripe-node.
 */
import { assertEquals } from "@std/assert";
import { Hono } from "hono";
import { cryptoOnrampWithSeams } from "../../routes/onramp_app.ts";
import { createDenoKvEventStore } from "../../stores/deno_kv.ts";
import { CLAIM_TIMEOUT_MS } from "../../webhooks/event_store.ts";
import { type FakeUpstream, fakeUpstream } from "../_helpers/fake_upstream.ts";
import {
  eventBody,
  type EventSpec,
  signedDelivery,
  WEBHOOK_SECRET,
} from "../_helpers/webhook_events.ts";

/** One instance: its server, the events its handler received, and what reached Stripe. */
interface Instance {
  deliver(spec?: EventSpec): Promise<Response>;
  handled: string[];
  upstream: FakeUpstream;
}

type Handler = (eventId: string) => void | Promise<void>;

/** The instances' shared clock: the real time, moved on by `skewMs` when a test jumps ahead. */
interface Clock {
  skewMs: number;
}

/**
 * Two servers of one deployment, sharing a Deno KV file through two handles; `onEvent`
 * decides what each instance's handler does, and `clock` where their clock stands.
 */
async function withTwoInstances(
  onEvent: Handler,
  test: (a: Instance, b: Instance) => Promise<void>,
  clock: Clock = { skewMs: 0 },
): Promise<void> {
  const now = () => Date.now() + clock.skewMs;
  const dir = await Deno.makeTempDir({ prefix: "onramp_webhooks_kv_" });
  const handles = [await Deno.openKv(`${dir}/kv.sqlite3`), await Deno.openKv(`${dir}/kv.sqlite3`)];
  const servers: Deno.HttpServer<Deno.NetAddr>[] = [];
  try {
    const instances = handles.map((kv): Instance => {
      const handled: string[] = [];
      // Stripe must not be called: the route hands over the event's own copy of the session.
      const upstream = fakeUpstream(new Error("Stripe must not be called here"));
      const app = new Hono().route(
        "/onramp",
        cryptoOnrampWithSeams({
          stripeSecretKey: "sk_test_webhooks_kv",
          fetch: upstream.fetch,
          logger: () => {},
          webhooks: {
            secret: WEBHOOK_SECRET,
            store: createDenoKvEventStore(kv),
            onSessionUpdated: async (_session, event) => {
              await onEvent(event.id);
              handled.push(event.id);
            },
          },
        }, { now }),
      );
      const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
      servers.push(server);
      const url = `http://127.0.0.1:${server.addr.port}/onramp/webhooks`;
      return {
        handled,
        upstream,
        deliver: async (spec = {}) =>
          await fetch(
            url,
            // Stripe signs each attempt afresh, with the time of sending.
            await signedDelivery(eventBody(spec), { timestampS: Math.floor(now() / 1000) }),
          ),
      };
    });
    await test(instances[0]!, instances[1]!);
    for (const instance of instances) assertEquals(instance.upstream.requests.length, 0);
  } finally {
    await Promise.all(servers.map((server) => server.shutdown()));
    for (const kv of handles) kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function outcome(res: Response): Promise<[number, string]> {
  const body = await res.json();
  return [res.status, body.outcome ?? body.error.code];
}

Deno.test("POST /webhooks on Deno KV handles a redelivery to another instance as a duplicate", async () => {
  await withTwoInstances(() => {}, async (a, b) => {
    assertEquals(await outcome(await a.deliver({ id: "evt_kv_1" })), [200, "handled"]);
    assertEquals(await outcome(await b.deliver({ id: "evt_kv_1" })), [200, "duplicate"]);
    assertEquals([a.handled, b.handled], [["evt_kv_1"], []]);
  });
});

Deno.test("POST /webhooks on Deno KV runs the handler once for concurrent deliveries to two instances", async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  await withTwoInstances(() => gate, async (a, b) => {
    // Ten deliveries of one event at once, half to each instance: one claims it, and the rest
    // are told to come back later while its handler waits at the gate.
    let refusals = 0;
    let nineRefused!: () => void;
    const nine = new Promise<void>((resolve) => (nineRefused = resolve));
    const outcomes = Array.from({ length: 10 }, async (_, i) => {
      const result = await outcome(await (i % 2 === 0 ? a : b).deliver());
      if (result[0] === 409 && ++refusals === 9) nineRefused();
      return result;
    });
    // Should two deliveries both be claimed, the gate opens at the deadline and the test fails.
    let deadline: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([nine, new Promise((resolve) => (deadline = setTimeout(resolve, 5_000)))]);
    clearTimeout(deadline);
    open();
    const results = await Promise.all(outcomes);
    assertEquals(results.filter(([status]) => status === 200), [[200, "handled"]]);
    assertEquals(
      results.filter(([status]) => status !== 200),
      Array(9).fill([409, "webhook_event_in_progress"]),
    );
    assertEquals(a.handled.length + b.handled.length, 1);
    assertEquals(await outcome(await a.deliver()), [200, "duplicate"]);
    assertEquals(await outcome(await b.deliver()), [200, "duplicate"]);
  });
});

Deno.test("POST /webhooks on Deno KV answers stale to an older event delivered to another instance", async () => {
  await withTwoInstances(() => {}, async (a, b) => {
    const newer = { id: "evt_kv_b", status: "fulfillment_processing", created: 1_764_000_100 };
    const older = { id: "evt_kv_a", status: "requires_payment", created: 1_764_000_050 };
    assertEquals(await outcome(await a.deliver(newer)), [200, "handled"]);
    assertEquals(await outcome(await b.deliver(older)), [200, "stale"]);
    const final = { id: "evt_kv_c", status: "fulfillment_complete", created: 1_764_000_200 };
    assertEquals(await outcome(await b.deliver(final)), [200, "handled"]);
    assertEquals([a.handled, b.handled], [["evt_kv_b"], ["evt_kv_c"]]);
  });
});

Deno.test("POST /webhooks on Deno KV lets another instance handle the redelivery after a handler failed", async () => {
  let failures = 1;
  await withTwoInstances(() => {
    if (failures-- > 0) throw new Error("the platform's database is down");
  }, async (a, b) => {
    assertEquals(await outcome(await a.deliver()), [500, "webhook_handler_failed"]);
    assertEquals(await outcome(await b.deliver()), [200, "handled"]);
    assertEquals(await outcome(await a.deliver()), [200, "duplicate"]);
    assertEquals([a.handled, b.handled], [[], ["evt_test_1"]]);
  });
});

/** The handler's next calls, in order: each waits for its gate, then returns or throws. */
function scriptedHandler(steps: { gate: Promise<void>; fail?: boolean }[]) {
  const started = steps.map(() => Promise.withResolvers<void>());
  let calls = 0;
  const handler: Handler = async () => {
    const n = calls++;
    const step = steps[n];
    if (step === undefined) return;
    started[n]!.resolve();
    await step.gate;
    if (step.fail) throw new Error("the platform's database timed out");
  };
  return { handler, started: started.map((s) => s.promise) };
}

Deno.test("POST /webhooks on Deno KV keeps a redelivery's claim when the timed-out first handler fails late", async () => {
  const clock = { skewMs: 0 };
  const slow = Promise.withResolvers<void>();
  const redelivered = Promise.withResolvers<void>();
  const { handler, started } = scriptedHandler([
    { gate: slow.promise, fail: true },
    { gate: redelivered.promise },
  ]);
  await withTwoInstances(handler, async (a, b) => {
    try {
      const first = a.deliver(); // a's handler hangs past the claim's timeout
      await started[0];
      clock.skewMs = CLAIM_TIMEOUT_MS;
      const second = b.deliver(); // Stripe gave up on the first attempt and delivers again, to b
      await started[1];
      slow.resolve(); // a's handler finally throws, and a releases its claim
      assertEquals(await outcome(await first), [500, "webhook_handler_failed"]);
      // b's handler is still running: its claim must hold.
      assertEquals(await outcome(await a.deliver()), [409, "webhook_event_in_progress"]);
      redelivered.resolve();
      assertEquals(await outcome(await second), [200, "handled"]);
      assertEquals(await outcome(await a.deliver()), [200, "duplicate"]);
      assertEquals([a.handled, b.handled], [[], ["evt_test_1"]]);
    } finally {
      // Should an assertion fail, no handler is left waiting: the servers can shut down.
      slow.resolve();
      redelivered.resolve();
    }
  }, clock);
});

Deno.test("POST /webhooks on Deno KV keeps a redelivery's claim on the session when the timed-out first handler completes late", async () => {
  const clock = { skewMs: 0 };
  const slow = Promise.withResolvers<void>();
  const redelivered = Promise.withResolvers<void>();
  const { handler, started } = scriptedHandler([
    { gate: slow.promise },
    { gate: redelivered.promise },
  ]);
  const e1 = { id: "evt_kv_1", status: "fulfillment_processing", created: 1_764_000_000 };
  const e2 = { id: "evt_kv_2", status: "fulfillment_complete", created: 1_764_000_100 };
  await withTwoInstances(handler, async (a, b) => {
    try {
      const first = a.deliver(e1);
      await started[0];
      clock.skewMs = CLAIM_TIMEOUT_MS;
      const second = b.deliver(e1);
      await started[1];
      slow.resolve(); // a's handler finally returns: the event is handled
      assertEquals(await outcome(await first), [200, "handled"]);
      // b's handler still runs for the session: its next event waits.
      assertEquals(await outcome(await a.deliver(e2)), [409, "webhook_event_in_progress"]);
      redelivered.resolve();
      assertEquals(await outcome(await second), [200, "handled"]);
      assertEquals(await outcome(await a.deliver(e2)), [200, "handled"]);
      // Slower than CLAIM_TIMEOUT_MS, the handler ran twice for evt_kv_1, as README warns.
      assertEquals([a.handled, b.handled], [["evt_kv_1", "evt_kv_2"], ["evt_kv_1"]]);
    } finally {
      // Should an assertion fail, no handler is left waiting: the servers can shut down.
      slow.resolve();
      redelivered.resolve();
    }
  }, clock);
});
