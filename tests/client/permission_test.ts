/**
 * A runtime that may not reach Stripe (Deno without `--allow-net` for its host) is a
 * configuration error: named as such, never retried, never "Stripe unreachable".
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { createClientWithSeams } from "../../client/create_client.ts";
import { StripeApiError } from "../../client/errors.ts";
import { errorOf, jsonPost, testApp } from "../_helpers/onramp_app.ts";

// What Deno's fetch throws for a host its permissions leave out.
function refusedByDeno(): Promise<Response> {
  const error = new Error(
    'Requires net access to "api.stripe.com:443", run again with --allow-net',
  );
  error.name = "NotCapable";
  return Promise.reject(error);
}

Deno.test("the client names a missing network permission and does not retry it", async () => {
  let attempts = 0;
  const client = createClientWithSeams({
    secretKey: "sk_test_permissions",
    fetch: () => (attempts++, refusedByDeno()),
  }, { sleep: () => Promise.resolve() });
  const error = await assertRejects(() => client.createSession({}), StripeApiError);
  assertEquals([error.code, error.retryable, attempts], ["not_permitted", false, 1]);
  assert(error.message.includes("--allow-net=api.stripe.com"), error.message);
});

Deno.test("the browser gets a non-retryable upstream_misconfigured for a missing permission", async () => {
  const { request, logs, upstream } = testApp({
    upstream: { requests: [], fetch: refusedByDeno },
  });
  const res = await request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 502);
  const error = await errorOf(res);
  assertEquals([error.code, error.retryable], ["upstream_misconfigured", false]);
  assertEquals(upstream.requests.length, 0);
  assert(logs.some((entry) => entry.message.includes("--allow-net")), JSON.stringify(logs));
});

Deno.test("a real Deno process without --allow-net for Stripe's host gets not_permitted, once", async () => {
  const script = `
import { createOnrampClient } from "${new URL("../../client/create_client.ts", import.meta.url)}";
const client = createOnrampClient({ secretKey: "sk_test_permissions", baseUrl: "https://stripe.invalid" });
try {
  await client.createSession({});
} catch (error) {
  console.log(JSON.stringify({ code: error.code, retryable: error.retryable, attempts: error.attempts }));
}`;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, script);
  // No --allow-net at all: Deno refuses every connection.
  const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--config",
      new URL("../../deno.json", import.meta.url).pathname,
      file,
    ],
    env: { NO_COLOR: "1" },
  }).output();
  await Deno.remove(file);
  assert(success, new TextDecoder().decode(stderr));
  assertEquals(JSON.parse(new TextDecoder().decode(stdout)), {
    code: "not_permitted",
    retryable: false,
    attempts: 1,
  });
});
