import { assertEquals } from "@std/assert";
import { Miniflare } from "miniflare";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import { bundle } from "../../dev/bundle.ts";
import { runConformance } from "./_conformance.ts";

const CUSTOMER_IP = "198.51.100.77";

Deno.test("conformance on Cloudflare Workers: the bundled Worker in workerd via Miniflare", async (t) => {
  const { outfile } = await bundle("worker");
  const mock = createStripeMock();
  const mf = new Miniflare({
    modules: true,
    scriptPath: outfile,
    compatibilityDate: "2026-07-01",
    bindings: {
      STRIPE_SECRET_KEY: "sk_test_conformance",
      STRIPE_API_BASE: "https://api.stripe.test",
    },
    // Every fetch the Worker makes lands here: Stripe is the in-process mock.
    outboundService: (request: unknown) => mock.fetch(request as Request) as never,
  });
  try {
    // workerd is the real runtime; Cloudflare's edge sets CF-Connecting-IP, so the test does.
    const send = async (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("cf-connecting-ip", CUSTOMER_IP);
      const res = await mf.dispatchFetch(`http://localhost${path}`, { ...init, headers } as never);
      return new Response(await res.arrayBuffer(), {
        status: res.status,
        headers: [...res.headers],
      });
    };
    await runConformance(t, { send, expectedIp: CUSTOMER_IP, mock });

    await t.step("answers 503 with a clear message when the key secret is missing", async () => {
      await mf.setOptions({
        modules: true,
        scriptPath: outfile,
        compatibilityDate: "2026-07-01",
        bindings: {},
      });
      const res = await mf.dispatchFetch("http://localhost/onramp/sessions", { method: "POST" });
      assertEquals(res.status, 503);
      assertEquals(
        (await res.json() as { error: { message: string } }).error.message.includes(
          "STRIPE_SECRET_KEY",
        ),
        true,
      );
    });
  } finally {
    await mf.dispose();
  }
});

Deno.test("the Worker enforces RATE_LIMIT_PER_MINUTE through its Durable Object binding", async () => {
  const { outfile } = await bundle("worker");
  const mock = createStripeMock();
  const options = {
    modules: true,
    scriptPath: outfile,
    compatibilityDate: "2026-07-01",
    bindings: {
      STRIPE_SECRET_KEY: "sk_test_conformance",
      STRIPE_API_BASE: "https://api.stripe.test",
      RATE_LIMIT_PER_MINUTE: "2",
    },
    durableObjects: { RATE_LIMITER: "RateLimiterDurableObject" },
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
