import { assert, assertEquals, assertFalse } from "@std/assert";
import * as z from "zod/mini";
import { CREATE_BODY_FIELDS, documented } from "../../validation/schemas.ts";
import { Hono } from "hono";
import { buildOpenApiDocument } from "../../openapi/document.ts";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { SECRET_KEY } from "../_helpers/onramp_app.ts";

// Every `$ref` in `document`, with where it sits.
function refsIn(value: unknown, at = "#"): [string, string][] {
  if (typeof value !== "object" || value === null) return [];
  const found: [string, string][] = [];
  for (const [key, member] of Object.entries(value)) {
    if (key === "$ref" && typeof member === "string") found.push([at, member]);
    else found.push(...refsIn(member, `${at}/${key}`));
  }
  return found;
}

function resolves(document: Record<string, unknown>, ref: string): boolean {
  if (!ref.startsWith("#/")) return false;
  let node: unknown = document;
  for (const key of ref.slice(2).split("/")) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

const Amount = documented(z.string().check(z.regex(/^[0-9]+$/)), { example: "100" });
const Body = z.strictObject({
  amount: documented(z.optional(Amount), { description: "How much." }),
  nested: z.optional(z.object({ again: Amount })),
});
const Answer = z.object({ id: z.string() });
const Unused = z.object({ never: z.boolean() });

const document = buildOpenApiDocument({
  info: { title: "t", version: "1" },
  components: { Amount, Body, Answer, Unused },
  routes: [{
    method: "post",
    path: "/things/{id}",
    operation: { operationId: "makeThing", summary: "Make a thing" },
    parameters: {
      path: z.object({ id: z.string() }),
      query: z.object({ dry: documented(z.optional(z.string()), { description: "Only check." }) }),
      header: z.object({ "idempotency-key": z.string() }),
    },
    extraParameters: [{ name: "X-Signed", in: "header", required: true, schema: {} }],
    body: Body,
    responses: {
      200: { description: "Made.", schema: Answer },
      400: {
        description: "Refused.",
        schema: z.object({ why: z.string() }),
        example: { why: "x" },
      },
    },
  }],
});

// The document as a client reads it: JSON, untyped.
const json = JSON.parse(JSON.stringify(document));

Deno.test("buildOpenApiDocument() refers to each component by name and lists only those used", () => {
  assertEquals(Object.keys(document.components?.schemas ?? {}).sort(), [
    "Amount",
    "Answer",
    "Body",
  ]);
  const body = json.components.schemas.Body;
  assertEquals(body.properties.amount, {
    $ref: "#/components/schemas/Amount",
    description: "How much.",
  });
  assertEquals(body.properties.nested.properties.again, { $ref: "#/components/schemas/Amount" });
  assertEquals(body.additionalProperties, false);
  const operation = json.paths["/things/{id}"].post;
  assertEquals(operation.requestBody, {
    required: true,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Body" } } },
  });
  assertEquals(
    operation.responses["200"].content["application/json"].schema,
    { $ref: "#/components/schemas/Answer" },
  );
});

Deno.test("buildOpenApiDocument() writes a schema that is not a component where it is used", () => {
  const refused = json.paths["/things/{id}"].post.responses["400"];
  assertEquals(refused.description, "Refused.");
  assertEquals(refused.content["application/json"], {
    schema: {
      type: "object",
      properties: { why: { type: "string" } },
      required: ["why"],
      additionalProperties: false,
    },
    example: { why: "x" },
  });
});

Deno.test("buildOpenApiDocument() turns the fields of path, query and header schemas into parameters", () => {
  const parameters: { name: string; in: string; required: boolean }[] =
    json.paths["/things/{id}"].post.parameters;
  assertEquals(parameters.map(({ name, in: place, required }) => [name, place, required]), [
    ["id", "path", true],
    ["dry", "query", false],
    ["idempotency-key", "header", true],
    ["X-Signed", "header", true],
  ]);
  assertEquals(json.paths["/things/{id}"].post.parameters[1].description, "Only check.");
});

Deno.test("buildOpenApiDocument() leaves no dialect, id or placeholder name in the document", () => {
  const text = JSON.stringify(document);
  assertFalse(text.includes('"$schema"'), text);
  assertFalse(text.includes('"$id"'), text);
  assertFalse(text.includes("__inline_"), text);
});

Deno.test("every $ref of the onramp document resolves, with webhooks and with every field", async () => {
  const app = new Hono().route(
    "/onramp",
    cryptoOnramp({
      stripeSecretKey: SECRET_KEY,
      webhooks: { secret: "whsec_test", onSessionUpdated() {} },
      policy: { browserFields: CREATE_BODY_FIELDS },
    }),
  );
  const served = await (await app.request("/onramp/openapi.json")).json();
  const refs = refsIn(served);
  assert(refs.length > 20, `only ${refs.length} references`);
  for (const [at, ref] of refs) assert(resolves(served, ref), `${at}: ${ref} does not resolve`);
  for (
    const name of ["KycDetails", "Metadata", "WalletAddresses", "CryptoOnrampSessionUpdatedEvent"]
  ) {
    assert(served.components.schemas[name], `${name} is missing`);
  }
  assertFalse(JSON.stringify(served).includes("__inline_"));
});
