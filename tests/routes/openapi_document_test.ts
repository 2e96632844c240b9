import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Hono } from "hono";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { SECRET_KEY } from "../_helpers/onramp_app.ts";

async function documentAt(mount: string, parent: Hono = new Hono()) {
  parent.route(mount, cryptoOnramp({ stripeSecretKey: SECRET_KEY }));
  const res = await parent.request(`${mount === "/" ? "" : mount}/openapi.json`);
  assertEquals(res.status, 200);
  return await res.json();
}

Deno.test("GET /openapi.json serves a valid OpenAPI 3.1 document", async () => {
  const document = await documentAt("/onramp");
  assertEquals(document.openapi, "3.1.0");
  const result = await new Validator().validate(document);
  assert(result.valid, JSON.stringify(result.errors, null, 2));
});

Deno.test("GET /openapi.json lists every route with its error responses", async () => {
  const { paths } = await documentAt("/onramp");
  const expected: Record<string, string[]> = {
    "post /sessions": ["200", "400", "401", "403", "413", "415", "429", "500", "502", "503", "504"],
    "get /sessions/{id}": ["200", "400", "403", "404", "429", "500", "502", "503", "504"],
    "get /quotes": ["200", "400", "429", "500", "502", "503", "504"],
  };
  for (const [route, statuses] of Object.entries(expected)) {
    const [method, path] = route.split(" ") as [string, string];
    const operation = paths[path]?.[method];
    assert(operation, `${route} is missing from the document`);
    assertEquals(Object.keys(operation.responses).sort(), [...statuses].sort(), route);
    for (const status of statuses.filter((s) => s !== "200")) {
      assertEquals(
        operation.responses[status].content["application/json"].schema.$ref,
        "#/components/schemas/Error",
      );
    }
  }
});

Deno.test("GET /openapi.json documents the create body, required and with examples", async () => {
  const document = await documentAt("/onramp");
  const body = document.paths["/sessions"].post.requestBody;
  assertEquals(body.required, true);
  assertEquals(
    body.content["application/json"].schema.$ref,
    "#/components/schemas/CreateSessionRequest",
  );
  const schema = document.components.schemas.CreateSessionRequest;
  assertEquals(schema.additionalProperties, false);
  assert(schema.example, "the request schema has an example");
  assertEquals(
    Object.keys(schema.properties).sort(),
    [
      "destination_amount",
      "destination_currencies",
      "destination_currency",
      "destination_network",
      "destination_networks",
      "source_amount",
      "source_currency",
      "wallet_addresses",
    ],
  );
  assertEquals(document.components.schemas.DestinationNetwork.enum.length, 7);
});

Deno.test("GET /openapi.json documents only the fields the platform lets the browser send", async () => {
  const app = new Hono().route(
    "/onramp",
    cryptoOnramp({ stripeSecretKey: SECRET_KEY, policy: { browserFields: ["source_amount"] } }),
  );
  const document = await (await app.request("/onramp/openapi.json")).json();
  assertEquals(Object.keys(document.components.schemas.CreateSessionRequest.properties), [
    "source_amount",
  ]);
});

Deno.test("GET /openapi.json gives the mount path as its server, wherever it is mounted", async () => {
  for (const mount of ["/onramp", "/api/v2/crypto", "/"]) {
    const document = await documentAt(mount);
    assertEquals(document.servers, [{ url: mount }], mount);
  }
});

Deno.test("GET /docs serves a human page that lists every route under the mount path", async () => {
  const app = new Hono().route("/pay/onramp", cryptoOnramp({ stripeSecretKey: SECRET_KEY }));
  const res = await app.request("/pay/onramp/docs");
  assertEquals(res.status, 200);
  assertStringIncludes(res.headers.get("content-type") ?? "", "text/html");
  assertStringIncludes(res.headers.get("content-security-policy") ?? "", "default-src 'none'");
  const html = await res.text();
  const text = html.replace(/<[^>]+>/g, "");
  for (const path of ["/pay/onramp/sessions", "/pay/onramp/sessions/{id}", "/pay/onramp/quotes"]) {
    assertStringIncludes(text, path);
  }
  assertStringIncludes(html, 'href="/pay/onramp/openapi.json"');
});

Deno.test("the README's quick start mounts the routes in five lines", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  // The Deno quick start: the block that opens with its file name, "// main.ts".
  const quickStart = readme.split("## Quick start")[1]?.split("// main.ts\n")[1]?.split("```")[0] ??
    "";
  const code = quickStart.trim().split("\n").filter((line) => line.trim() !== "");
  assert(code.length <= 5, `quick start has ${code.length} lines:\n${quickStart}`);
  assertStringIncludes(quickStart, 'app.route("/onramp", cryptoOnramp(');
});
