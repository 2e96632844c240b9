import { assertEquals, assertInstanceOf } from "@std/assert";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { OnrampError } from "../../errors/onramp_error.ts";
import { errorOf, jsonPost, testApp } from "../_helpers/onramp_app.ts";

const refusal = () =>
  new OnrampError(403, {
    type: "invalid_request_error",
    code: "customer_blocked",
    message: "This customer may not buy crypto here",
  }, { headers: { "Retry-After": "60" } });

Deno.test("OnrampError is a Hono HTTPException", () => {
  assertInstanceOf(refusal(), HTTPException);
  assertEquals(refusal().status, 403);
  assertEquals(refusal().message, "This customer may not buy crypto here");
});

Deno.test("OnrampError renders Stripe's envelope under Hono's default error handler", async () => {
  const app = new Hono();
  app.get("/checkout", () => {
    throw refusal();
  });
  const res = await app.request("/checkout");
  assertEquals(res.status, 403);
  assertEquals(res.headers.get("retry-after"), "60");
  assertEquals(await res.json(), {
    error: {
      type: "invalid_request_error",
      code: "customer_blocked",
      message: "This customer may not buy crypto here",
    },
  });
});

Deno.test("OnrampError renders Stripe's envelope through a platform's own onError", async () => {
  const app = new Hono();
  // The usual shape of a platform's handler: HTTP exceptions answer themselves.
  app.onError((error, c) =>
    error instanceof HTTPException ? error.getResponse() : c.text("oops", 500)
  );
  app.use("/onramp/*", () => {
    throw refusal(); // the platform's own auth, in front of the onramp routes
  });
  const res = await app.request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 403);
  assertEquals((await res.json()).error.code, "customer_blocked");
});

Deno.test("an OnrampError thrown by resolveCustomer keeps the sub-app's headers", async () => {
  const { request } = testApp({
    resolveCustomer: () => {
      throw refusal();
    },
  });
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 403);
  assertEquals(res.headers.get("cache-control"), "no-store");
  assertEquals(res.headers.get("retry-after"), "60");
  assertEquals((await errorOf(res)).code, "customer_blocked");
});
