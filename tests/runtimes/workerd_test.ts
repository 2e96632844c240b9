import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { Miniflare } from "miniflare";
import { createStripeMock, type StripeMock } from "../../mock/stripe_mock.ts";
import { bundle } from "../../dev/bundle.ts";
import { eventBody, signedDelivery } from "../_helpers/webhook_events.ts";
import { chunkedBody, type RawUpstream, rawUpstream } from "../_helpers/raw_upstream.ts";
import {
  CONFORMANCE_WEBHOOK_SECRET,
  conformanceMock,
  handledLines,
  runConformance,
  type RuntimeUnderTest,
} from "./_conformance.ts";

const CUSTOMER_IP = "198.51.100.77";

/** What every Worker here is given, as `wrangler secret put` and demo/wrangler.toml give it. */
const BINDINGS = {
  STRIPE_SECRET_KEY: "sk_test_conformance",
  STRIPE_WEBHOOK_SECRET: CONFORMANCE_WEBHOOK_SECRET,
  STRIPE_API_BASE: "https://api.stripe.test",
};
const DURABLE_OBJECTS = { WEBHOOK_EVENTS: "WebhookEventsDurableObject" };

/** Reads a Miniflare answer into a plain Response (Miniflare's type does not survive Deno's). */
async function plain(
  res: { status: number; headers: Headers; arrayBuffer(): Promise<ArrayBuffer> },
) {
  const body = await res.arrayBuffer();
  return new Response([101, 204, 205, 304].includes(res.status) ? null : body, {
    status: res.status,
    headers: [...res.headers],
  });
}

/** What the Workers printed: Miniflare hands each console line over as a structured log. */
function logCollector() {
  const lines: string[] = [];
  return {
    output: () => lines.join("\n"),
    handleStructuredLogs: ({ message }: { message: string }) => void lines.push(message),
  };
}

Deno.test("conformance on Cloudflare Workers: the bundled Worker in workerd via Miniflare", async (t) => {
  const { outfile } = await bundle("worker");
  let send: RuntimeUnderTest["send"] | undefined;
  const mock = conformanceMock(() => send!);
  const logs = logCollector();
  const mf = new Miniflare({
    modules: true,
    scriptPath: outfile,
    compatibilityDate: "2026-07-01",
    bindings: BINDINGS,
    durableObjects: DURABLE_OBJECTS,
    handleStructuredLogs: logs.handleStructuredLogs,
    // Every fetch the Worker makes lands here: Stripe is the in-process mock.
    outboundService: (request: unknown) => mock.fetch(request as Request) as never,
  });
  try {
    // workerd is the real runtime; Cloudflare's edge sets CF-Connecting-IP, so the test does.
    send = async (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("cf-connecting-ip", CUSTOMER_IP);
      return await plain(
        await mf.dispatchFetch(`http://localhost${path}`, { ...init, headers } as never),
      );
    };
    await runConformance(t, { send, expectedIp: CUSTOMER_IP, mock, output: logs.output });
    await mock.settled();

    await t.step("answers 503 naming what is missing when a secret or binding is", async () => {
      const cases: [string, Record<string, string>, Record<string, string>, string][] = [
        ["no key", {}, DURABLE_OBJECTS, "STRIPE_SECRET_KEY"],
        [
          "no webhook secret",
          { STRIPE_SECRET_KEY: "sk_test_conformance" },
          DURABLE_OBJECTS,
          "'STRIPE_WEBHOOK_SECRET' must be set with STRIPE_SECRET_KEY",
        ],
        [
          "a webhook secret that is not whsec_",
          { ...BINDINGS, STRIPE_WEBHOOK_SECRET: "sk_test_pasted_the_wrong_one" },
          DURABLE_OBJECTS,
          "'STRIPE_WEBHOOK_SECRET' is not a whsec_",
        ],
        ["no WEBHOOK_EVENTS binding", BINDINGS, {}, "bind the WEBHOOK_EVENTS Durable Object"],
      ];
      for (const [name, bindings, durableObjects, message] of cases) {
        await mf.setOptions({
          modules: true,
          scriptPath: outfile,
          compatibilityDate: "2026-07-01",
          bindings,
          durableObjects,
        });
        const res = await plain(
          await mf.dispatchFetch("http://localhost/onramp/sessions", { method: "POST" }),
        );
        assertEquals(res.status, 503, name);
        const text = await res.text();
        assertStringIncludes(text, message, name);
        assertEquals(text.includes("sk_test_pasted_the_wrong_one"), false, name);
      }
    });
  } finally {
    await mf.dispose();
  }
});

/** Two Workers, "a" and "b", from the bundled entry, sharing the WEBHOOK_EVENTS objects of "a". */
function twoWorkers(
  outfile: string,
  mock: StripeMock,
  logs: ReturnType<typeof logCollector>,
) {
  const common = {
    modules: true,
    scriptPath: outfile,
    compatibilityDate: "2026-07-01",
    bindings: BINDINGS,
    outboundService: (request: unknown) => mock.fetch(request as Request) as never,
  };
  const mf = new Miniflare({
    handleStructuredLogs: logs.handleStructuredLogs,
    workers: [
      { ...common, name: "a", durableObjects: DURABLE_OBJECTS },
      {
        ...common,
        name: "b",
        durableObjects: {
          WEBHOOK_EVENTS: { className: "WebhookEventsDurableObject", scriptName: "a" },
        },
      },
    ],
  });
  const sender = (name: string) => async (path: string, init: RequestInit = {}) => {
    const worker = await mf.getWorker(name) as unknown as {
      fetch(url: string, init: unknown): Promise<Response>;
    };
    const headers = new Headers(init.headers);
    headers.set("cf-connecting-ip", CUSTOMER_IP);
    return await plain(await worker.fetch(`http://localhost${path}`, { ...init, headers }));
  };
  return { mf, a: sender("a"), b: sender("b") };
}

Deno.test("the Worker handles a webhook event once across two instances, through its WEBHOOK_EVENTS Durable Object", async (t) => {
  const { outfile } = await bundle("worker");
  const logs = logCollector();
  // The mock's deliveries land on "a" and "b" in turn, as Stripe's land on any instance.
  let turn = 0;
  const mock = conformanceMock(() => (turn++ % 2 === 0 ? workers.a : workers.b));
  const workers = twoWorkers(outfile, mock, logs);
  const { a, b } = workers;
  try {
    await t.step("a redelivery that lands on the other instance is a duplicate", async () => {
      const res = await a("/onramp/sessions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      const { id } = await res.json();
      assertEquals(res.status, 200);
      const control = async (action: string) => {
        const answer = await mock.fetch(
          new Request(
            `https://api.stripe.test/v1/test_helpers/crypto/onramp_sessions/${id}/${action}`,
            {
              method: "POST",
              headers: { Authorization: "Bearer sk_test_conformance" },
            },
          ),
        );
        assertEquals(answer.status, 200);
        await answer.body?.cancel();
      };
      await control("advance"); // delivered to a
      await control("redeliver"); // the same event, delivered to b
      await mock.settled();
      assertEquals(
        mock.deliveries(id).map((d) => JSON.parse(d.responseBody).outcome),
        ["handled", "duplicate"],
      );
      assertEquals(handledLines(logs.output()).filter((l) => l.session_id === id).length, 1);
    });

    await t.step(
      "one event delivered to both instances at once runs the handler once",
      async () => {
        const body = eventBody({
          id: "evt_concurrent_1",
          sessionId: "cos_concurrent_1",
          status: "fulfillment_complete",
          created: Math.floor(Date.now() / 1000),
        });
        const delivery = async () =>
          await signedDelivery(body, {
            secret: CONFORMANCE_WEBHOOK_SECRET,
            timestampS: Math.floor(Date.now() / 1000),
          });
        const answers = await Promise.all([
          a("/onramp/webhooks", await delivery()),
          b("/onramp/webhooks", await delivery()),
        ]);
        const outcomes = await Promise.all(
          answers.map(async (res) => res.status === 200 ? (await res.json()).outcome : res.status),
        );
        assertEquals(outcomes.filter((o) => o === "handled").length, 1, JSON.stringify(outcomes));
        assert(
          outcomes.every((o) => o === "handled" || o === "duplicate" || o === 409),
          JSON.stringify(outcomes),
        );
        const lines = handledLines(logs.output()).filter((l) => l.event_id === "evt_concurrent_1");
        assertEquals(lines.length, 1);
      },
    );
  } finally {
    await mock.settled();
    await workers.mf.dispose();
  }
});

Deno.test("the Worker enforces RATE_LIMIT_PER_MINUTE through its Durable Object binding", async () => {
  const { outfile } = await bundle("worker");
  const mock = createStripeMock();
  const options = {
    modules: true,
    scriptPath: outfile,
    compatibilityDate: "2026-07-01",
    bindings: { ...BINDINGS, RATE_LIMIT_PER_MINUTE: "2" },
    durableObjects: { ...DURABLE_OBJECTS, RATE_LIMITER: "RateLimiterDurableObject" },
    outboundService: (request: unknown) => mock.fetch(request as Request) as never,
  };
  const mf = new Miniflare(options);
  try {
    const create = async (ip: string) => {
      const res = await mf.dispatchFetch("http://localhost/onramp/sessions", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": ip },
        body: "{}",
      });
      await res.arrayBuffer();
      return res.status;
    };
    const statuses = await Promise.all([1, 2, 3, 4].map(() => create(CUSTOMER_IP)));
    assertEquals(statuses.sort(), [200, 200, 429, 429]);
    assertEquals(await create("192.0.2.200"), 400); // another address has its own bucket (mock: region refused)
    assertEquals(mock.sessions().length, 2);
  } finally {
    await mf.dispose();
  }
});

// workerd's own HTTP client, on a socket, with answers no server library would frame this way.
Deno.test("the Worker counts an answer that sends Content-Length beside Transfer-Encoding, and stops at its cap", async (t) => {
  const { outfile } = await bundle("worker");
  const create = async (upstream: RawUpstream) => {
    const mf = new Miniflare({
      modules: true,
      scriptPath: outfile,
      compatibilityDate: "2026-07-01",
      bindings: { ...BINDINGS, STRIPE_API_BASE: upstream.url.slice(0, -1) },
      durableObjects: DURABLE_OBJECTS,
      handleStructuredLogs: () => {},
    });
    try {
      const res = await mf.dispatchFetch("http://localhost/onramp/sessions", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": CUSTOMER_IP },
        body: JSON.stringify({ destination_network: "ethereum" }),
      });
      return {
        status: res.status,
        body: await res.json() as Record<string, Record<string, unknown>>,
      };
    } finally {
      await mf.dispose();
    }
  };
  const head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5\r\n" +
    "transfer-encoding: chunked\r\nconnection: close\r\n\r\n";

  await t.step(
    "50 MB behind a Content-Length of 5: refused as too large, read no further",
    async () => {
      const upstream = rawUpstream(head, chunkedBody(50_000_000));
      try {
        const { status, body } = await create(upstream);
        assertEquals([status, body.error?.code], [502, "upstream_response_too_large"]);
        // The cap is 1 MiB: what got written beyond it is what the sockets' buffers held.
        assert(upstream.written() < 16_000_000, `${upstream.written()} bytes were read`);
      } finally {
        await upstream.close();
      }
    },
  );

  await t.step(
    "a session behind a Content-Length of 5: read by its chunks, as HTTP/1.1 says",
    async () => {
      const session = JSON.stringify({
        id: "cos_framed",
        object: "crypto.onramp_session",
        client_secret: "cos_framed_secret_abc",
        created: 1,
        livemode: false,
        status: "initialized",
        redirect_url: null,
        transaction_details: {},
      });
      const bytes = new TextEncoder().encode(session);
      const upstream = rawUpstream(
        head,
        new TextEncoder().encode(
          `${bytes.length.toString(16)}\r\n${session}\r\n0\r\n\r\n`,
        ),
      );
      try {
        const { status, body } = await create(upstream);
        assertEquals([status, body.id], [200, "cos_framed"] as unknown[]);
      } finally {
        await upstream.close();
      }
    },
  );
});
