import { assertEquals, assertFalse, assertMatch, assertStringIncludes } from "@std/assert";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import { BASE, errorOf, getRequest, SESSIONS } from "./_helpers.ts";

Deno.test("createStripeMock() answers 401 without an Authorization header", async () => {
  const res = await createStripeMock().fetch(getRequest(SESSIONS, {}, null));
  assertEquals(res.status, 401);
  assertMatch(res.headers.get("Request-Id") ?? "", /^req_[A-Za-z0-9]{14}$/);
  const error = await errorOf(res);
  assertEquals(error.type, "invalid_request_error");
  assertStringIncludes(error.message, "did not provide an API key");
});

Deno.test("createStripeMock() refuses an unknown key without echoing it whole", async () => {
  const mock = createStripeMock({ secretKeys: ["sk_test_good"] });
  for (const key of ["sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_test_mock", "not-a-key"]) {
    const res = await mock.fetch(getRequest(SESSIONS, {}, key));
    assertEquals(res.status, 401);
    const text = await res.text();
    assertFalse(text.includes(key), `the 401 body must not contain ${key}`);
    assertStringIncludes(text, "Invalid API Key provided");
  }
});

Deno.test("createStripeMock() masks a long key like Stripe, keeping its last four characters", async () => {
  const mock = createStripeMock({ secretKeys: ["sk_test_good"] });
  const res = await mock.fetch(getRequest(SESSIONS, {}, "sk_test_4eC39HqLyjWDarjtT1zdp7dc"));
  assertStringIncludes((await errorOf(res)).message, "sk_test_********************p7dc");
});

Deno.test("createStripeMock() refuses live keys by default: the mock is test mode", async () => {
  const res = await createStripeMock().fetch(getRequest(SESSIONS, {}, "sk_live_abc"));
  assertEquals(res.status, 401);
});

Deno.test("createStripeMock() accepts the key as a basic-auth user name, as curl -u sends it", async () => {
  const res = await createStripeMock().fetch(
    new Request(`${BASE}${SESSIONS}`, {
      headers: { Authorization: `Basic ${btoa("rk_test_restricted:")}` },
    }),
  );
  assertEquals(res.status, 200);
});

Deno.test("createStripeMock() accepts exactly the configured secretKeys", async () => {
  const mock = createStripeMock({ secretKeys: ["sk_live_platform"] });
  assertEquals((await mock.fetch(getRequest(SESSIONS, {}, "sk_live_platform"))).status, 200);
  assertEquals((await mock.fetch(getRequest(SESSIONS, {}, "sk_test_other"))).status, 401);
});
