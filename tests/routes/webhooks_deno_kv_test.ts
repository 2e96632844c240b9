/**
 * `POST /webhooks` on two instances sharing one Deno KV database: two servers (`Deno.serve`),
 * each with its own handle on one database file, receiving Stripe's deliveries signed by
 * stripe-node.
 */
import { assertEquals } from "@std/assert";
import { Hono } from "hono";
import { cryptoOnramp } from "../../mod.ts";
import { createDenoKvEventStore } from "../../stores/deno_kv.ts";
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

/**
 * Two servers of one deployment, sharing a Deno KV file through two handles; `onEvent`
 * decides what each instance's handler does.
 */
async function withTwoInstances(
  onEvent: Handler,
  test: (a: Instance, b: Instance) => Promise<void>,
): Promise<void> {
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
        cryptoOnramp({
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
        }),
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
            await signedDelivery(eventBody(spec), { timestampS: Math.floor(Date.now() / 1000) }),
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
