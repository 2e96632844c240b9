/**
 * One conformance suite, run against the same app in every runtime we claim: Deno over real
 * HTTP, workerd (Cloudflare Workers) via Miniflare, and Node. Each step proves a behaviour a
 * platform relies on, as that runtime really delivers it.
 */
import { assert, assertEquals, assertFalse, assertMatch, assertStringIncludes } from "@std/assert";
import { createStripeMock, type StripeMock } from "../../mock/stripe_mock.ts";
import { serveStripeMock } from "../../mock/serve_mock.ts";
import { SERVER_WEBHOOK_SECRET, spawnServer } from "../_helpers/spawn_server.ts";

/** A running copy of the server app, and what it should report about the customer. */
export interface RuntimeUnderTest {
  /** Sends a request to the app (path relative to its root). */
  send(path: string, init?: RequestInit): Promise<Response>;
  /** The customer IP the runtime should deliver (loopback, or CF-Connecting-IP on workerd). */
  expectedIp: string;
  /** The mock Stripe the app talks to; its webhook endpoint is the app's `/onramp/webhooks`. */
  mock: StripeMock;
  /** What the server printed so far, when the runtime lets the test read it. */
  output?: () => string;
}

/** The webhook endpoint the conformance mock delivers to, through `send`. */
export const CONFORMANCE_WEBHOOK_SECRET = SERVER_WEBHOOK_SECRET;

/**
 * A mock Stripe whose webhook endpoint is the app's `/onramp/webhooks`, reached through
 * `send()` once the app runs (the request's own URL only names the path).
 *
 * @param send Sends a request to the app, as the runtime under test receives it.
 * @returns The mock.
 */
export function conformanceMock(
  send: () => RuntimeUnderTest["send"],
): StripeMock {
  return createStripeMock({
    webhookEndpoint: {
      url: "http://server.invalid/onramp/webhooks",
      secret: CONFORMANCE_WEBHOOK_SECRET,
      retryDelayMs: 50,
      fetch: async (request) =>
        await send()(new URL(request.url).pathname, {
          method: "POST",
          headers: request.headers,
          body: await request.text(),
        }),
    },
  });
}

/** The log lines of handled webhook events in `output`, parsed. */
export function handledLines(
  output: string,
): { event_id: string; session_id: string; status: string }[] {
  return output.split("\n").filter((line) => line.includes('"Webhook event handled"')).map((line) =>
    JSON.parse(line.slice(line.indexOf("{")))
  );
}

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

/**
 * Runs every conformance step as a sub-test of `t`.
 *
 * @param t The runtime's test context.
 * @param target The app under test.
 */
export async function runConformance(t: Deno.TestContext, target: RuntimeUnderTest): Promise<void> {
  const { send, mock, expectedIp, output } = target;
  let minted: { id: string; client_secret: string } | undefined;

  await t.step("creates a valid session and returns its client_secret", async () => {
    const res = await send(
      "/onramp/sessions",
      json({
        source_amount: "100",
        destination_networks: ["ethereum"],
        destination_currency: "eth",
      }),
    );
    const body = await res.json();
    assertEquals(res.status, 200, JSON.stringify(body));
    assertMatch(body.id, /^cos_/);
    assertMatch(body.client_secret, new RegExp(`^${body.id}_secret_`));
    assertEquals(body.livemode, false);
    minted = body;
  });

  await t.step("sends Stripe the customer IP as this runtime sees it", () => {
    const last = mock.sessions().at(-1);
    assert(last, "the mock recorded no session");
    assertEquals(last.received_customer_ip_address, expectedIp);
  });

  await t.step(
    "rejects invalid input with a 400 naming the parameter, without calling Stripe",
    async () => {
      const before = mock.stats.requests;
      const res = await send(
        "/onramp/sessions",
        json({ destination_amount: "0.1", destination_currency: "eth" }),
      );
      assertEquals(res.status, 400);
      const { error } = await res.json();
      assertEquals([error.type, error.param], ["invalid_request_error", "destination_network"]);
      assertEquals(mock.stats.requests, before);
    },
  );

  await t.step("ignores a spoofed X-Forwarded-For", async () => {
    const res = await send(
      "/onramp/sessions",
      {
        ...json({}),
        headers: { "content-type": "application/json", "x-forwarded-for": "6.6.6.6" },
      },
    );
    assertEquals(res.status, 200);
    await res.body?.cancel();
    assertEquals(mock.sessions().at(-1)?.received_customer_ip_address, expectedIp);
  });

  await t.step("serves the OpenAPI document under the mount path, and the docs page", async () => {
    const doc = await (await send("/onramp/openapi.json")).json();
    assertEquals(doc.openapi, "3.1.0");
    assertEquals(doc.servers, [{ url: "/onramp" }]);
    assert(doc.paths["/sessions"].post, "POST /sessions is documented");
    const page = await send("/onramp/docs");
    assertEquals(page.status, 200);
    assertStringIncludes(await page.text(), "Create an onramp session");
  });

  await t.step("serves the demo page", async () => {
    const page = await send("/");
    assertEquals(page.status, 200);
    assertStringIncludes(await page.text(), "Create onramp session");
  });

  await t.step(
    "handles each of Stripe's signed webhook events once; a duplicate and an older event are acknowledged, not handled",
    async () => {
      assert(minted, "the first step minted a session");
      const { id } = minted;
      const control = async (action: string, form: Record<string, string> = {}) => {
        const res = await mock.fetch(
          new Request(
            `https://api.stripe.test/v1/test_helpers/crypto/onramp_sessions/${id}/${action}`,
            {
              method: "POST",
              headers: {
                Authorization: "Bearer sk_test_conformance",
                "Content-Type": "application/x-www-form-urlencoded",
              },
              body: new URLSearchParams(form).toString(),
            },
          ),
        );
        assertEquals(res.status, 200, await res.clone().text());
        return await res.json();
      };
      await control("advance", { hold_delivery: "true" }); // requires_payment, held back
      const held = mock.events(id).at(-1)!.id;
      await control("advance"); // fulfillment_processing
      await control("redeliver", { event: held }); // the older one, after the newer
      await control("advance"); // fulfillment_complete
      await control("redeliver"); // a duplicate of it
      await mock.settled();
      const answered = mock.deliveries(id).map((d) => [
        d.status,
        d.responseStatus,
        JSON.parse(d.responseBody || "{}").outcome,
      ]);
      assertEquals(answered, [
        ["fulfillment_processing", 200, "handled"],
        ["requires_payment", 200, "stale"],
        ["fulfillment_complete", 200, "handled"],
        ["fulfillment_complete", 200, "duplicate"],
      ]);
      if (output !== undefined) {
        const lines = handledLines(output()).filter((line) => line.session_id === id);
        assertEquals(lines.map((line) => line.status), [
          "fulfillment_processing",
          "fulfillment_complete",
        ]);
        assertEquals(
          lines.map((line) => line.event_id),
          mock.events(id).filter((e) => e.data.object.status !== "requires_payment").map((e) =>
            e.id
          ),
        );
        assertFalse(output().includes(minted.client_secret), "no log line holds the body");
      }
    },
  );

  await t.step("runs on the configured Stripe, never on the embedded mock", async () => {
    const page = await (await send("/")).text();
    assertFalse(page.includes('id="mock-banner"'), "no mock banner");
    assertFalse(page.includes("simulated-widget"), "no simulated widget");
    const drive = await send(`/demo/sessions/${minted?.id}/advance`, { method: "POST" });
    assertEquals(drive.status, 404, "no demo route drives a session");
    assertEquals((await drive.json()).error.type, "invalid_request_error");
    if (output !== undefined) assertFalse(output().includes("embedded mock"), output());
  });
}

/**
 * Runs the suite against a server process (`command args…`) that talks to the mock Stripe over
 * real HTTP, on loopback: the customer IP it should deliver is 127.0.0.1.
 *
 * @param t The runtime's test context.
 * @param command The server's executable.
 * @param args Its arguments.
 */
export async function runConformanceOverHttp(
  t: Deno.TestContext,
  command: string,
  args: string[],
): Promise<void> {
  let send: RuntimeUnderTest["send"] | undefined;
  const mock = conformanceMock(() => send!);
  const controller = new AbortController();
  const stripe = serveStripeMock(mock, { signal: controller.signal });
  try {
    const server = await spawnServer(command, args, {
      STRIPE_SECRET_KEY: "sk_test_conformance",
      STRIPE_WEBHOOK_SECRET: CONFORMANCE_WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.url,
      PORT: "0",
      HOSTNAME: "127.0.0.1",
    });
    send = (path, init) => fetch(server.url + path, init);
    try {
      await runConformance(t, { send, expectedIp: "127.0.0.1", mock, output: server.output });
    } finally {
      await mock.settled();
      await server.stop();
    }
  } finally {
    controller.abort();
    await stripe.finished;
  }
}
