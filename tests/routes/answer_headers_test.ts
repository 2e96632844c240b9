import { assertEquals } from "@std/assert";
import { jsonPost, testApp } from "../_helpers/onramp_app.ts";
import { fakeUpstream, stripeError } from "../_helpers/fake_upstream.ts";
import { Hono } from "hono";
import { markUncacheable } from "../../routes/_uncacheable.ts";

const VALID_BODY = { destination_currency: "eth", destination_network: "ethereum" };

// Every answer under the mount point, whoever made it: the route, a refusal by the request
// guard itself, the error handler, the docs, the unknown-route fallback.
for (
  const [setting, options] of [
    ["without CORS", {}],
    ["with CORS", { allowedOrigins: ["https://wallet.example"] }],
  ] as const
) {
  Deno.test(`every answer of the sub-app is uncacheable and nosniff, refusals included (${setting})`, async () => {
    const { request } = testApp(options);
    const cases: [string, string, RequestInit, number][] = [
      ["a created session", "/onramp/sessions", jsonPost(VALID_BODY), 200],
      ["a foreign origin, refused by the guard", "/onramp/sessions", {
        ...jsonPost(VALID_BODY, { origin: "https://evil.example" }),
      }, 403],
      ["a body that is not JSON", "/onramp/sessions", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "x",
      }, 415],
      ["an invalid parameter", "/onramp/sessions", jsonPost({ destination_currency: 7 }), 400],
      ["an unknown route", "/onramp/nowhere", {}, 404],
      ["the OpenAPI document", "/onramp/openapi.json", {}, 200],
      ["the docs page", "/onramp/docs", {}, 200],
    ];
    for (const [name, path, init, status] of cases) {
      const res = await request(path, init);
      await res.body?.cancel();
      assertEquals(res.status, status, name);
      assertEquals(res.headers.get("cache-control"), "no-store", name);
      assertEquals(res.headers.get("x-content-type-options"), "nosniff", name);
    }
  });
}

Deno.test("Stripe's own error, passed on, is uncacheable and nosniff too", async () => {
  const upstream = fakeUpstream(
    stripeError(400, { type: "invalid_request_error", code: "parameter_invalid", message: "x" }),
  );
  const { request } = testApp({ upstream });
  const res = await request("/onramp/sessions", jsonPost(VALID_BODY));
  await res.body?.cancel();
  assertEquals(res.headers.get("cache-control"), "no-store");
  assertEquals(res.headers.get("x-content-type-options"), "nosniff");
});

Deno.test("an answer whose headers cannot change is copied to take them, never turned into a 500", async () => {
  const app = new Hono()
    .use(async (c, next) => {
      await next();
      markUncacheable(c);
    })
    // Response.redirect's headers are immutable, as a `fetch` answer's are.
    .get("/moved", () => Response.redirect("https://example.com/", 302))
    // A `fetch` answer whose body was read: it can be neither changed nor copied.
    .get("/used", async () => {
      const answer = await fetch("data:,read");
      await answer.text();
      return answer;
    });
  const moved = await app.request("/moved");
  assertEquals(moved.status, 302);
  assertEquals(moved.headers.get("location"), "https://example.com/");
  assertEquals(moved.headers.get("cache-control"), "no-store");
  assertEquals(moved.headers.get("x-content-type-options"), "nosniff");
  const used = await app.request("/used");
  assertEquals(used.status, 200);
  assertEquals(used.bodyUsed, true);
});
