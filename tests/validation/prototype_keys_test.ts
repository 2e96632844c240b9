/**
 * A key that comes from a request must never find a member of `Object.prototype` in the
 * catalog, the rules or the policy: `"constructor"` is an unknown name like any other.
 */
import { assertEquals } from "@std/assert";
import { BUILT_IN_CATALOG, carries } from "../../validation/catalog.ts";
import { applyPolicy } from "../../validation/policy.ts";
import { findCreateSessionViolation, findQuoteViolation } from "../../validation/rules.ts";
import { jsonPost } from "../_helpers/onramp_app.ts";
import { serveTestApp } from "../_helpers/served_test_app.ts";
import { PROTOTYPE_KEYS } from "../_helpers/prototype_keys.ts";

Deno.test("the catalog's lookups find nothing for prototype keys", () => {
  for (const key of PROTOTYPE_KEYS) {
    assertEquals(BUILT_IN_CATALOG.walletKeys.get(key), undefined, key);
    assertEquals(BUILT_IN_CATALOG.networkOfWalletKey.get(key), undefined, key);
    assertEquals(BUILT_IN_CATALOG.precision.get(key), undefined, key);
    assertEquals(carries(BUILT_IN_CATALOG, key, "eth"), false, key);
    assertEquals(carries(BUILT_IN_CATALOG, "ethereum", key), false, key);
  }
});

Deno.test("findCreateSessionViolation() reports a prototype-named wallet key as unknown", () => {
  for (const key of PROTOTYPE_KEYS.filter((k) => k !== "__proto__")) {
    const violation = findCreateSessionViolation({
      destination_networks: ["ethereum"],
      wallet_addresses: { [key]: "x" } as never,
    });
    assertEquals([violation?.param, violation?.code], [
      `wallet_addresses[${key}]`,
      "parameter_unknown",
    ]);
    assertEquals(violation?.message.includes("function"), false, violation?.message);
  }
});

Deno.test("the rules give a prototype-named currency no precision and no pair, never a crash", () => {
  for (const key of PROTOTYPE_KEYS) {
    const create = findCreateSessionViolation({
      destination_amount: "0.1234567890123456789012345",
      destination_currency: key as never,
      destination_network: "ethereum",
    });
    // No known precision to exceed; the only finding is the unknown pair.
    assertEquals(create?.code, "crypto_onramp_invalid_destination_currency_and_network_pair", key);
    const quote = findQuoteViolation({
      destination_amount: "1.1234567890123456789012345",
      destination_currencies: [key as never],
      destination_networks: ["ethereum"],
    });
    assertEquals(quote?.code, "crypto_onramp_invalid_destination_currency_and_network_pair", key);
  }
});

Deno.test("applyPolicy() ignores wallet keys no network of the catalog has", () => {
  const params = applyPolicy(
    { destination_networks: ["ethereum"] },
    { wallet_addresses: { constructor: "0xplatform", ethereum: "0xeth" } as never },
    {},
  );
  assertEquals(params.wallet_addresses, { ethereum: "0xeth" });
});

Deno.test("POST /sessions refuses a metadata key __proto__, naming it, rather than losing it", async () => {
  await using app = serveTestApp({ policy: { browserFields: ["metadata"] } });
  const res = await app.fetch(
    "/sessions",
    jsonPost('{"metadata":{"__proto__":"x","order":"42"}}'),
  );
  assertEquals(res.status, 400);
  const error = (await res.json()).error;
  assertEquals([error.param, error.code], ["metadata[__proto__]", "parameter_invalid"]);
  assertEquals(app.upstream.requests.length, 0);
  // Other names of Object.prototype are ordinary keys, sent as they are.
  const ordinary = await app.fetch(
    "/sessions",
    jsonPost({ metadata: { constructor: "c", toString: "t" } }),
  );
  assertEquals(ordinary.status, 200);
  const form = new URLSearchParams(app.upstream.requests[0]!.body);
  assertEquals([form.get("metadata[constructor]"), form.get("metadata[toString]")], ["c", "t"]);
});

Deno.test("POST /sessions and GET /quotes refuse prototype names as networks and currencies", async () => {
  await using app = serveTestApp();
  for (const key of PROTOTYPE_KEYS) {
    const create = await app.fetch("/sessions", jsonPost({ destination_networks: [key] }));
    assertEquals(create.status, 400, key);
    assertEquals((await create.json()).error.param, "destination_networks[0]");
    const quotes = await app.fetch(`/quotes?destination_currencies=${key}`);
    assertEquals(quotes.status, 400, key);
    assertEquals((await quotes.json()).error.param, "destination_currencies[0]");
  }
  assertEquals(app.upstream.requests.length, 0);
});
