import { assertEquals, assertStrictEquals } from "@std/assert";
import { createOnrampClient } from "../../client/create_client.ts";
import { createStripeMock } from "../../mock/stripe_mock.ts";

// Deno loads its Node layer on the first read of `process` (15 to 28 ms): creating a client,
// which every app does at start-up, must not be that first read.
Deno.test("creating a client reads no `process`, and puts the global back as it was", async () => {
  const original = Object.getOwnPropertyDescriptor(globalThis, "process");
  let reads = 0;
  const counting: PropertyDescriptor = {
    configurable: true,
    enumerable: true,
    get() {
      reads++;
      return original?.get?.call(globalThis) ?? original?.value;
    },
    set() {},
  };
  Object.defineProperty(globalThis, "process", counting);
  try {
    const client = createOnrampClient({
      secretKey: "sk_test_123",
      fetch: createStripeMock().fetch,
    });
    assertEquals(reads, 0);
    const after = Object.getOwnPropertyDescriptor(globalThis, "process");
    assertStrictEquals(after?.get, counting.get);
    assertStrictEquals(after?.set, counting.set);
    assertEquals(after?.enumerable, true);
    const session = await client.createSession({ destination_currencies: ["eth"] });
    assertEquals(session.object, "crypto.onramp_session");
  } finally {
    if (original === undefined) delete (globalThis as { process?: unknown }).process;
    else Object.defineProperty(globalThis, "process", original);
  }
});
