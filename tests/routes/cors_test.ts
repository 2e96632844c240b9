import { assertEquals } from "@std/assert";
import { errorOf, jsonPost, testApp } from "../_helpers/onramp_app.ts";

const options = { allowedOrigins: ["https://app.example.com"] };

Deno.test("CORS allows a listed origin, preflight included", async () => {
  const { request } = testApp(options);
  const preflight = await request("/onramp/sessions", {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example.com",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, idempotency-key",
    },
  });
  assertEquals(preflight.status, 204);
  assertEquals(preflight.headers.get("access-control-allow-origin"), "https://app.example.com");
  assertEquals(
    preflight.headers.get("access-control-allow-headers"),
    "Content-Type,Idempotency-Key,Onramp-Client-Secret",
  );
  const res = await request(
    "/onramp/sessions",
    jsonPost({}, { origin: "https://app.example.com" }),
  );
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("access-control-allow-origin"), "https://app.example.com");
});

Deno.test("CORS refuses an unlisted origin and never runs its request", async () => {
  const { request, upstream } = testApp(options);
  const preflight = await request("/onramp/sessions", {
    method: "OPTIONS",
    headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
  });
  assertEquals(preflight.headers.get("access-control-allow-origin"), null);
  const res = await request("/onramp/sessions", jsonPost({}, { origin: "https://evil.example" }));
  assertEquals(res.status, 403);
  assertEquals((await errorOf(res)).code, "origin_not_allowed");
  assertEquals(res.headers.get("access-control-allow-origin"), null);
  assertEquals(upstream.requests.length, 0);
});

Deno.test("without allowedOrigins, cross-origin calls are refused and same-origin ones served", async () => {
  const { request, upstream } = testApp();
  const foreign = await request(
    "/onramp/sessions",
    jsonPost({}, { origin: "https://app.example.com" }),
  );
  assertEquals(foreign.status, 403);
  assertEquals(foreign.headers.get("access-control-allow-origin"), null);
  const same = await request(
    "http://localhost/onramp/sessions",
    jsonPost({}, { origin: "http://localhost" }),
  );
  assertEquals(same.status, 200);
  assertEquals(upstream.requests.length, 1);
});
