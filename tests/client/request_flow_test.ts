/**
 * How a call's request and answer flow through openapi-fetch and the retry loop: built once,
 * then one fresh `Request` per attempt for a `fetch` transport, never a clone (a clone tees
 * the body into streams, and each attempt paid for it), and the answer's body read once.
 */
import { assert, assertEquals } from "@std/assert";
import { createClientWithSeams } from "../../client/create_client.ts";
import { fakeUpstream, sessionJson, stripeError } from "../_helpers/fake_upstream.ts";

const SECRET = "sk_test_51SecretKeyThatMustNeverLeak";

function counting<K extends "clone" | "arrayBuffer" | "text">(
  prototype: Request | Response,
  method: K,
): { count(): number; restore(): void } {
  const original = (prototype as unknown as Record<K, (...args: unknown[]) => unknown>)[method];
  let calls = 0;
  Object.defineProperty(prototype, method, {
    configurable: true,
    writable: true,
    value(this: unknown, ...args: unknown[]) {
      calls++;
      return original.apply(this, args);
    },
  });
  return {
    count: () => calls,
    restore: () =>
      Object.defineProperty(prototype, method, {
        configurable: true,
        writable: true,
        value: original,
      }),
  };
}

Deno.test("createSession() sends each attempt as one fresh Request, and never clones one", async () => {
  const upstream = fakeUpstream(
    stripeError(500, { type: "api_error", message: "try again" }),
    Response.json(sessionJson()),
  );
  const sent: Request[] = [];
  const client = createClientWithSeams({
    secretKey: SECRET,
    baseUrl: "https://stripe.test",
    fetch: (request) => (sent.push(request), upstream.fetch(request)),
  }, { sleep: () => Promise.resolve() });
  const clones = counting(Request.prototype, "clone");
  try {
    assertEquals((await client.createSession({ source_amount: "10" })).id, "cos_test_123");
  } finally {
    clones.restore();
  }
  assertEquals(clones.count(), 0, "Request.clone() calls");
  assertEquals(sent.length, 2);
  assert(sent[0] !== sent[1], "each attempt gets its own Request");
  assertEquals(upstream.requests.map((request) => request.body), [
    "source_amount=10",
    "source_amount=10",
  ]);
  assertEquals(sent.map((request) => request.redirect), ["manual", "manual"]);
});
