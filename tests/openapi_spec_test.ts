/**
 * Checks that `openapi.yaml`, the source of `generated/stripe_onramp.ts`, is a valid OpenAPI 3.1
 * document and still has the shape the client relies on.
 */
import { assert, assertEquals } from "@std/assert";
import { Validator } from "@seriousme/openapi-schema-validator";
import { parse } from "yaml";

const SPEC_URL = new URL("../openapi.yaml", import.meta.url);
const FORM = "application/x-www-form-urlencoded";

type Json = Record<string, unknown>;

/** Reads a fresh copy each time: the validator may annotate the object it is given. */
async function loadSpec(): Promise<Json> {
  return parse(await Deno.readTextFile(SPEC_URL)) as Json;
}

/** Follows a path of keys, failing with the path when a step is missing. */
function at(node: unknown, ...keys: string[]): Json {
  let current = node;
  for (const [i, key] of keys.entries()) {
    const next = (current as Json | undefined)?.[key];
    assert(next !== undefined, `openapi.yaml has no ${keys.slice(0, i + 1).join(" → ")}`);
    current = next;
  }
  return current as Json;
}

/** Visits a schema and every subschema inside it (never `properties` maps or examples). */
function walkSchema(
  schema: unknown,
  visit: (obj: Json, pointer: string) => void,
  pointer = "",
): void {
  if (schema === null || typeof schema !== "object") return;
  const obj = schema as Json;
  visit(obj, pointer);
  for (
    const key of ["items", "additionalProperties", "unevaluatedProperties", "propertyNames", "not"]
  ) {
    walkSchema(obj[key], visit, `${pointer}/${key}`);
  }
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    const list = (obj[key] ?? []) as unknown[];
    list.forEach((sub, i) => walkSchema(sub, visit, `${pointer}/${key}/${i}`));
  }
  for (const key of ["properties", "$defs"]) {
    for (const [name, sub] of Object.entries((obj[key] ?? {}) as Json)) {
      walkSchema(sub, visit, `${pointer}/${key}/${name}`);
    }
  }
}

Deno.test("openapi.yaml is a valid OpenAPI 3.1 document", async () => {
  const spec = await loadSpec();
  assertEquals(spec.openapi, "3.1.0");
  const validator = new Validator();
  const result = await validator.validate(spec);
  if (!result.valid) console.error(JSON.stringify(result.errors, null, 2));
  assert(result.valid, "openapi.yaml does not validate as OpenAPI 3.1: see the errors above");
  assertEquals(validator.version, "3.1");
});

Deno.test("openapi.yaml uses JSON Schema 2020-12 nullability, not the OpenAPI 3.0 keyword", async () => {
  // The validator accepts any object as a Schema Object, so 3.0 leftovers need their own check.
  const jsonTypes = new Set(["array", "boolean", "integer", "null", "number", "object", "string"]);
  const problems: string[] = [];
  const visit = (obj: Json, pointer: string) => {
    if ("nullable" in obj) problems.push(`${pointer}: nullable`);
    const types = obj.type === undefined ? [] : [obj.type].flat();
    for (const type of types) {
      if (typeof type !== "string" || !jsonTypes.has(type)) {
        problems.push(`${pointer}: type ${JSON.stringify(type)}`);
      }
    }
  };
  for (const [name, schema] of Object.entries(at(await loadSpec(), "components", "schemas"))) {
    walkSchema(schema, visit, `#/components/schemas/${name}`);
  }
  assertEquals(problems, []);
});

Deno.test("openapi.yaml declares each onramp operation at its method and path", async () => {
  const paths = at(await loadSpec(), "paths");
  const expected = [
    ["post", "/v1/crypto/onramp_sessions", "createOnrampSession"],
    ["get", "/v1/crypto/onramp_sessions/{session}", "retrieveOnrampSession"],
    ["get", "/v1/crypto/onramp_sessions", "listOnrampSessions"],
    ["get", "/v1/crypto/onramp_quotes", "getOnrampQuotes"],
  ];
  for (const [method, path, operationId] of expected) {
    assertEquals(at(paths, path!, method!).operationId, operationId, `${method} ${path}`);
  }
});

Deno.test("openapi.yaml sends the create body as form-urlencoded only", async () => {
  const content = at(
    await loadSpec(),
    "paths",
    "/v1/crypto/onramp_sessions",
    "post",
    "requestBody",
    "content",
  );
  assertEquals(Object.keys(content), [FORM]);
  assertEquals(at(content, FORM, "schema").$ref, "#/components/schemas/CreateOnrampSessionParams");
});

Deno.test("openapi.yaml declares the Request-Id header on every response", async () => {
  const missing: string[] = [];
  for (const [path, item] of Object.entries(at(await loadSpec(), "paths"))) {
    for (const [method, operation] of Object.entries(item as Json)) {
      for (const [status, response] of Object.entries(at(operation, "responses"))) {
        const header = (response as Json).headers as Json | undefined;
        if (
          (header?.["Request-Id"] as Json | undefined)?.$ref !== "#/components/headers/RequestId"
        ) {
          missing.push(`${method} ${path} ${status}`);
        }
      }
    }
  }
  assertEquals(missing, []);
});

Deno.test("openapi.yaml request enums list only the publicly documented values", async () => {
  const schemas = at(await loadSpec(), "components", "schemas");
  assertEquals(at(schemas, "DestinationNetwork").enum, [
    "avalanche",
    "base",
    "bitcoin",
    "ethereum",
    "polygon",
    "solana",
    "stellar",
  ]);
  assertEquals(at(schemas, "DestinationCurrency").enum, [
    "avax",
    "btc",
    "eth",
    "matic",
    "sol",
    "usdc",
    "xlm",
  ]);
  assertEquals(at(schemas, "SourceCurrency").enum, ["eur", "gbp", "usd"]);
});
