/**
 * One conformance suite, run against the same app in every runtime we claim: Deno over real
 * HTTP, workerd (Cloudflare Workers) via Miniflare, and Node. Each step proves a behaviour a
 * platform relies on, as that runtime really delivers it.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { createStripeMock, type StripeMock } from "../../mock/stripe_mock.ts";
import { serveStripeMock } from "../../mock/serve_mock.ts";
import { spawnServer } from "../_helpers/spawn_server.ts";

/** A running copy of the server app, and what it should report about the customer. */
export interface RuntimeUnderTest {
  /** Sends a request to the app (path relative to its root). */
  send(path: string, init?: RequestInit): Promise<Response>;
  /** The customer IP the runtime should deliver (loopback, or CF-Connecting-IP on workerd). */
  expectedIp: string;
  /** The mock Stripe the app talks to. */
  mock: StripeMock;
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
  const { send, mock, expectedIp } = target;

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
  const mock = createStripeMock();
  const controller = new AbortController();
  const stripe = serveStripeMock(mock, { signal: controller.signal });
  try {
    const server = await spawnServer(command, args, {
      STRIPE_SECRET_KEY: "sk_test_conformance",
      STRIPE_API_BASE: stripe.url,
      PORT: "0",
      HOSTNAME: "127.0.0.1",
    });
    try {
      await runConformance(t, {
        send: (path, init) => fetch(server.url + path, init),
        expectedIp: "127.0.0.1",
        mock,
      });
    } finally {
      await server.stop();
    }
  } finally {
    controller.abort();
    await stripe.finished;
  }
}
