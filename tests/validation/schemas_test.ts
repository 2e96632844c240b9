import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { BUILT_IN_CATALOG, type Catalog } from "../../validation/catalog.ts";
import { requestSchemas } from "../../validation/schemas.ts";

// A catalog that records which of its members the schemas read: a schema's own part of the
// catalog is read when that schema is built, and not before.
function watchedCatalog(): { catalog: Catalog; read: Set<string> } {
  const read = new Set<string>();
  const catalog = new Proxy(BUILT_IN_CATALOG, {
    get(target, key, receiver) {
      read.add(String(key));
      return Reflect.get(target, key, receiver);
    },
  });
  return { catalog, read };
}

Deno.test("requestSchemas() builds no schema until one is read", () => {
  const { catalog, read } = watchedCatalog();
  const schemas = requestSchemas(catalog);
  assertEquals([...read].filter((key) => key !== "networks" && key !== "currencies"), []);
  schemas.idempotencyHeader.parse({ "idempotency-key": "retry-1" });
  schemas.sessionPath.parse({ id: "cos_123" });
  assertEquals(read.has("sourceCurrencies") || read.has("walletKeys"), false);
});

Deno.test("requestSchemas() builds the quotes query without the create body's wallets", () => {
  const { catalog, read } = watchedCatalog();
  const schemas = requestSchemas(catalog);
  assert(schemas.quoteQuery.safeParse({ source_currency: "usd" }).success);
  assert(read.has("sourceCurrencies"));
  assertEquals(read.has("walletKeys") || read.has("tagNetworks"), false);
  assert(schemas.createSessionBody.safeParse({ wallet_addresses: { ethereum: "0xabc" } }).success);
  assert(read.has("walletKeys") && read.has("tagNetworks"));
});

Deno.test("requestSchemas() builds each schema once per catalog, sharing its parts", () => {
  const { catalog } = watchedCatalog();
  const schemas = requestSchemas(catalog);
  assertStrictEquals(requestSchemas(catalog), schemas);
  assertStrictEquals(schemas.createSessionBody, schemas.createSessionBody);
  assertStrictEquals(schemas.quoteQuery, schemas.quoteQuery);
  // The named schemas of the document are the very ones inside the create body.
  const { shape } = schemas.createSessionBody._zod.def;
  assertStrictEquals(shape.kyc_details._zod.def.innerType, schemas.components.KycDetails);
  assertStrictEquals(shape.wallet_addresses._zod.def.innerType, schemas.components.WalletAddresses);
});

Deno.test("createBodyFor() builds the schemas of the given fields only, and refuses the others", () => {
  const { catalog, read } = watchedCatalog();
  const body = requestSchemas(catalog).createBodyFor(["source_amount", "destination_network"]);
  assertEquals(read.has("walletKeys"), false);
  assert(body.safeParse({ source_amount: "10", destination_network: "ethereum" }).success);
  const refused = body.safeParse({ wallet_addresses: { ethereum: "0xabc" } });
  assertEquals(refused.success, false);
  assertEquals(read.has("walletKeys"), false);
});
