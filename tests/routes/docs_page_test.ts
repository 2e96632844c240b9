import {
  assert,
  assertEquals,
  assertFalse,
  assertMatch,
  assertNotMatch,
  assertStringIncludes,
} from "@std/assert";
import * as z from "zod/mini";
import { documented } from "../../validation/schemas.ts";
import { buildOpenApiDocument } from "../../openapi/document.ts";
import { Hono } from "hono";
import type { OpenAPIObject, SchemaObject } from "openapi3-ts/oas31";
import { DOCS_PAGE_POLICY, renderDocsPage } from "../../routes/docs_page.ts";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { documentedError, type ErrorStatus } from "../../openapi/response_schemas.ts";
import { SECRET_KEY } from "../_helpers/onramp_app.ts";

const XSS = "<script>alert(1)</script>";
const BODY_EXAMPLE = { amount: "10", network: "ethereum", note: XSS };
const HOSTILE_ERROR = {
  error: { type: "invalid_request_error", code: "parameter_missing", message: `</pre>${XSS}` },
};

const errorContent = {
  "application/json": { schema: { $ref: "#/components/schemas/StripeError" } },
};

/** A hand-built document: a POST with a rich body and a GET with path and query parameters. */
const doc: OpenAPIObject = {
  openapi: "3.1.0",
  info: {
    title: `It's ${XSS}`,
    version: "1.2.0",
    description: "Proxies Stripe.\n\nSee https://evil.example/x.js for nothing.",
  },
  servers: [{ url: "/onramp/" }],
  paths: {
    "/sessions": {
      post: {
        operationId: "createSession",
        summary: 'Create a "onmouseover=alert(1) session',
        description: "Mints a session.\n\nReturns a `client_secret` for the browser.",
        tags: ["sessions"],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: { $ref: "#/components/schemas/CreateRequest" },
              example: BODY_EXAMPLE,
            },
          },
        },
        responses: {
          "200": {
            description: "The session.",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: { id: { type: "string" }, client_secret: { type: "string" } },
                },
              },
            },
          },
          "400": {
            description: "Invalid request.",
            content: {
              "application/json": {
                schema: { $ref: "#/components/schemas/StripeError" },
                example: HOSTILE_ERROR,
              },
            },
          },
          "502": { description: `Stripe failed ${XSS}`, content: errorContent },
        },
      },
    },
    "/sessions/{id}": {
      get: {
        summary: "Retrieve a session",
        parameters: [
          {
            name: "id",
            in: "path",
            required: true,
            description: "The session id.",
            schema: { type: "string", pattern: "^cos_" },
          },
          {
            name: "expand",
            in: "query",
            required: false,
            schema: { type: "string", enum: ["quote", "wallet"] },
          },
        ],
        responses: {
          "200": { description: "The session." },
          "400": { description: "Invalid id.", content: errorContent },
          "502": { description: "Stripe failed.", content: errorContent },
        },
      },
    },
  },
  components: {
    schemas: {
      Network: { type: "string", enum: ["ethereum", "solana"], description: "A network." },
      Category: {
        type: "object",
        required: ["name"],
        properties: {
          name: { type: "string" },
          parent: { $ref: "#/components/schemas/Category" },
        },
      },
      CreateRequest: {
        type: "object",
        required: ["amount", "network", "customer"],
        properties: {
          amount: { type: "string", pattern: "^[0-9]+$", maxLength: 40 },
          network: { $ref: "#/components/schemas/Network" },
          networks: { type: "array", items: { $ref: "#/components/schemas/Network" }, minItems: 1 },
          customer: {
            type: "object",
            required: ["email"],
            properties: {
              email: { type: "string", format: "email" },
              age: { type: ["integer", "null"], minimum: 18 },
            },
          },
          category: { $ref: "#/components/schemas/Category" },
          kind: { anyOf: [{ const: "card" }, { const: "bank" }] },
          note: { type: "string", description: `A note ${XSS} "onmouseover=x` },
        },
      },
      StripeError: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["type", "message"],
            properties: {
              type: { type: "string" },
              message: { type: "string" },
              param: { type: "string" },
            },
          },
        },
      },
    },
  },
};

const html = renderDocsPage(doc, { specPath: "/onramp/openapi.json" });

/**
 * What a reader sees: tags dropped, table cells separated by " | ", entities decoded and, as a
 * browser lays text out, each run of white space shown as one space.
 */
function visibleText(markup: string): string {
  return markup.replaceAll("</td>", " | ").replace(/<[^>]*>/g, "")
    .replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'").replaceAll("&amp;", "&").replace(/\s+/g, " ").trim();
}

/** The visible text of every table row of `markup`. */
function rowTexts(markup: string): string[] {
  return markup.split("<tr>").slice(1).map((row) => visibleText(row.split("</tr>")[0] ?? ""));
}

/** The visible text of the table row for a field or parameter, failing when there is none. */
function rowFor(markup: string, name: string): string {
  const row = rowTexts(markup).find((text) => text.startsWith(`${name} | `));
  assert(row !== undefined, `no row for ${name}`);
  return row;
}

/** The markup of one section (an operation's, or the errors'), found by its anchor. */
function section(markup: string, anchor: string): string {
  const match = markup.match(new RegExp(`<section id="${anchor}">[\\s\\S]*?</section>`));
  assert(match !== null, `no section #${anchor}`);
  return match[0];
}

/** The markup of one response status of an operation, up to the next status. */
function response(markup: string, anchor: string, status: string): string {
  const operation = section(markup, anchor);
  const start = operation.indexOf(`id="${anchor}-${status}"`);
  assert(start !== -1, `no status ${status} in #${anchor}`);
  const next = operation.indexOf("<div class=rs ", start);
  return operation.slice(start, next === -1 ? undefined : next);
}

/** The docs page of the real sub-app, mounted at /onramp. */
async function onrampPage(): Promise<string> {
  const app = new Hono().route("/onramp", cryptoOnramp({ stripeSecretKey: SECRET_KEY }));
  const res = await app.request("/onramp/docs");
  assertEquals(res.status, 200);
  return await res.text();
}

Deno.test("renderDocsPage() starts with an HTML5 doctype", () => {
  assert(html.startsWith("<!doctype html>"));
});

Deno.test("renderDocsPage() shows every operation's method and full path, prefixed by the server", () => {
  const post = visibleText(section(html, "op-createsession"));
  const get = visibleText(section(html, "op-get-sessions-id"));
  assertStringIncludes(post, "post /onramp/sessions");
  assertStringIncludes(get, "get /onramp/sessions/{id}");
  assertStringIncludes(html, '<span class="m post">post</span>');
  assertStringIncludes(html, '<span class="m get">get</span>');
  // The server's trailing slash is stripped, and no path is shown without the prefix.
  assertFalse(html.includes("//sessions"));
  assertNotMatch(visibleText(html), /(?<!\/onramp)\/sessions/);
});

Deno.test("renderDocsPage() keeps paths as they are when the document has no server", () => {
  const page = renderDocsPage({ ...doc, servers: [] }, { specPath: "/openapi.json" });
  assertStringIncludes(visibleText(page), "post /sessions");
  assertFalse(page.includes("/onramp/sessions"));
});

Deno.test("renderDocsPage() lists operations in document order in a linked table of contents", () => {
  const toc = html.slice(html.indexOf("<nav>"), html.indexOf("</nav>"));
  const post = toc.indexOf('href="#op-createsession"');
  const get = toc.indexOf('href="#op-get-sessions-id"');
  assert(post !== -1 && get !== -1 && post < get);
  assert(html.indexOf('id="op-createsession"') < html.indexOf('id="op-get-sessions-id"'));
});

Deno.test("renderDocsPage() links to the machine-readable document at specPath", () => {
  assertStringIncludes(html, '<a href="/onramp/openapi.json">');
});

Deno.test("renderDocsPage() resolves $refs and lists nested fields with required markers", () => {
  const body = section(html, "op-createsession");
  assertStringIncludes(rowFor(body, "amount"), "| required |");
  assertStringIncludes(rowFor(body, "note"), "| optional |");
  assertStringIncludes(rowFor(body, "customer"), "| required |");
  assertStringIncludes(rowFor(body, "customer.email"), "| required |");
  assertStringIncludes(rowFor(body, "customer.email"), "format: email");
  assertStringIncludes(rowFor(body, "customer.age"), "integer | null");
  assertStringIncludes(rowFor(body, "customer.age"), "minimum: 18");
  assertStringIncludes(rowFor(body, "amount"), "pattern: ^[0-9]+$");
  assertStringIncludes(rowFor(body, "amount"), "maxLength: 40");
  assertStringIncludes(rowFor(body, "category.name"), "| required |");
});

Deno.test("renderDocsPage() shows enum values, arrays of enum refs and union alternatives", () => {
  const body = section(html, "op-createsession");
  const network = rowFor(body, "network");
  assertStringIncludes(network, "Network string");
  assertStringIncludes(network, "One of: ethereum solana");
  assertStringIncludes(network, "A network.");
  const networks = rowFor(body, "networks");
  assertStringIncludes(networks, "array of Network");
  assertStringIncludes(networks, "Each one of: ethereum solana");
  assertStringIncludes(networks, "minItems: 1");
  assertStringIncludes(rowFor(body, "kind"), 'const "card" | const "bank"');
});

Deno.test("renderDocsPage() marks a self-referencing schema as recursive instead of expanding it", () => {
  const body = section(html, "op-createsession");
  assertStringIncludes(rowFor(body, "category.parent"), "recursive: repeats Category above");
  assertFalse(rowTexts(body).some((text) => text.startsWith("category.parent.")));
});

Deno.test("renderDocsPage() stops at a depth limit on deeply nested inline objects", () => {
  let schema: SchemaObject = { type: "string" };
  for (let i = 0; i < 20; i++) schema = { type: "object", properties: { a: schema } };
  const page = renderDocsPage({
    openapi: "3.1.0",
    info: { title: "t", version: "1" },
    paths: {
      "/deep": {
        post: { requestBody: { content: { "application/json": { schema } } }, responses: {} },
      },
    },
  }, { specPath: "/openapi.json" });
  assertStringIncludes(page, "nested too deep");
  assertFalse(page.includes("a.a.a.a.a.a.a.a"));
});

Deno.test("renderDocsPage() pretty-prints the request body example", () => {
  const example = JSON.stringify(BODY_EXAMPLE, null, 2);
  assertStringIncludes(example, "\n  ");
  assertStringIncludes(
    visibleText(section(html, "op-createsession")),
    example.replace(/\s+/g, " "),
  );
  assertStringIncludes(html, "<pre><code>{\n  &quot;amount&quot;: &quot;10&quot;,\n");
});

Deno.test("renderDocsPage() lists parameters with location, type and required marker", () => {
  const get = section(html, "op-get-sessions-id");
  assertStringIncludes(rowFor(get, "id"), "id | path | string | required | The session id.");
  assertStringIncludes(rowFor(get, "id"), "pattern: ^cos_");
  assertStringIncludes(rowFor(get, "expand"), "expand | query | string | optional |");
  assertStringIncludes(rowFor(get, "expand"), "One of: quote wallet");
});

Deno.test("renderDocsPage() shows every response status and links error bodies to their fields", () => {
  for (const anchor of ["op-createsession", "op-get-sessions-id"]) {
    const markup = section(html, anchor);
    for (const status of ["200", "400", "502"]) assertStringIncludes(markup, `>${status}</span>`);
    for (const status of ["400", "502"]) {
      assertStringIncludes(response(html, anchor, status), '<a href="#schema-StripeError">');
    }
    assertEquals(rowTexts(markup).filter((row) => row.startsWith("error.")), []);
  }
  // The shared fields are listed in the Errors section, never folded away inside <details>.
  const errors = section(html, "errors");
  assertStringIncludes(errors, '<div id="schema-StripeError">');
  assertFalse(errors.includes("<details>"));
  assertStringIncludes(rowFor(errors, "error.message"), "| required |");
  assertStringIncludes(rowFor(errors, "error.param"), "| optional |");
  assertStringIncludes(html, '<a href="#errors">Errors</a>');
  const success = section(html, "op-createsession");
  assertMatch(success, /<details><summary>2 fields<\/summary>[\s\S]*client_secret/);
});

Deno.test("renderDocsPage() turns paragraphs and back-ticked code into markup, nothing else", () => {
  assertStringIncludes(
    html,
    "<p>Mints a session.</p><p>Returns a <code>client_secret</code> for the browser.</p>",
  );
  // A URL in a description stays text; it never becomes a link.
  assertStringIncludes(html, "<p>See https://evil.example/x.js for nothing.</p>");
});

Deno.test("renderDocsPage() escapes every string from the document", () => {
  assertNotMatch(html, /<script/i);
  assertStringIncludes(html, "&lt;script&gt;alert(1)&lt;/script&gt;");
  assertFalse(html.includes('"onmouseover='));
  assertStringIncludes(html, "&quot;onmouseover=");
  assertStringIncludes(html, "<title>It&#39;s &lt;script&gt;");
  assertStringIncludes(html, "&quot;note&quot;: &quot;&lt;script&gt;"); // the example
});

Deno.test("renderDocsPage() escapes a hostile error example and status description", () => {
  const invalid = response(html, "op-createsession", "400");
  assertStringIncludes(invalid, "&quot;message&quot;: &quot;&lt;/pre&gt;&lt;script&gt;alert(1)");
  assertFalse(invalid.includes("</pre><script>"));
  const failed = response(html, "op-createsession", "502");
  assertStringIncludes(failed, "<p>Stripe failed &lt;script&gt;alert(1)&lt;/script&gt;</p>");
});

Deno.test("renderDocsPage() shows a status no example but its own, never the schema's", () => {
  const StripeError = { ...doc.components?.schemas?.StripeError, example: { error: "shared" } };
  const page = renderDocsPage({
    ...doc,
    components: { schemas: { ...doc.components?.schemas, StripeError } },
  }, { specPath: "/openapi.json" });
  assertStringIncludes(response(page, "op-createsession", "400"), "parameter_missing");
  const failed = response(page, "op-createsession", "502");
  assertFalse(failed.includes("Example"));
  assertFalse(failed.includes("shared"));
  assertFalse(failed.includes("parameter_missing"));
});

Deno.test("renderDocsPage() loads no external resource and runs no script", () => {
  assertNotMatch(html, /\b(?:src|href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|\/\/)/i);
  assertNotMatch(html, /<(?:script|link|img|iframe|object|embed)\b/i);
  assertNotMatch(html, /@import|url\(/i);
  assertStringIncludes(
    html,
    `<meta http-equiv=Content-Security-Policy content="${DOCS_PAGE_POLICY}">`,
  );
  assertStringIncludes(DOCS_PAGE_POLICY, "default-src 'none'");
});

Deno.test("renderDocsPage() uses options.title over the document's title", () => {
  const page = renderDocsPage(doc, { title: "Onramp API", specPath: "/openapi.json" });
  assertStringIncludes(page, "<title>Onramp API</title>");
});

Deno.test("renderDocsPage() adds under 6 KB of CSS and markup to an empty document", () => {
  const page = renderDocsPage({ openapi: "3.1.0", info: { title: "t", version: "1" } }, {
    specPath: "/o",
  });
  assert(page.length < 6 * 1024, `overhead is ${page.length} bytes`);
});

Deno.test("renderDocsPage() shows component fields of a document built from zod schemas", () => {
  const Network = z.enum(["ethereum", "solana"]);
  const Body = z.object({
    amount: documented(z.string().check(z.maxLength(40)), { example: "0.1" }),
    networks: z.optional(z.array(Network).check(z.minLength(1))),
    wallet: z.optional(z.object({ address: z.string() })),
  });
  const generated = buildOpenApiDocument({
    info: { title: "t", version: "1" },
    components: { Network, CreateBody: Body },
    routes: [{
      method: "post",
      path: "/sessions",
      operation: {},
      body: Body,
      responses: { 200: { description: "Created" } },
    }],
  });
  const page = renderDocsPage(generated, { specPath: "/openapi.json" });
  assertStringIncludes(rowFor(page, "amount"), "| required |");
  assertStringIncludes(rowFor(page, "amount"), "maxLength: 40");
  assertStringIncludes(rowFor(page, "networks"), "array of Network");
  assertStringIncludes(rowFor(page, "networks"), "Each one of: ethereum solana");
  assertStringIncludes(rowFor(page, "wallet.address"), "| required |");
  assertStringIncludes(visibleText(page), "application/json CreateBody object");
});

Deno.test("the onramp docs page shows every route and documented status", async () => {
  const page = await onrampPage();
  const expected: Record<string, string[]> = {
    "op-createonrampsession": [
      "200",
      "400",
      "401",
      "403",
      "413",
      "415",
      "429",
      "500",
      "502",
      "503",
      "504",
    ],
    "op-retrieveonrampsession": ["200", "400", "404", "429", "500", "502", "503", "504"],
    "op-getonrampquotes": ["200", "400", "429", "500", "502", "503", "504"],
  };
  for (const [anchor, statuses] of Object.entries(expected)) {
    for (const status of statuses) {
      assertStringIncludes(response(page, anchor, status), `>${status}</span>`);
    }
  }
});

Deno.test("the onramp docs page lists the error fields once for the whole page", async () => {
  const page = await onrampPage();
  const rows = rowTexts(page);
  for (const field of ["error", "error.type", "error.code", "error.param", "error.message"]) {
    assertEquals(rows.filter((row) => row.startsWith(`${field} | `)).length, 1, field);
  }
  assertEquals(rows.filter((row) => row.startsWith("error.retryable | ")).length, 1);
  assertStringIncludes(rowFor(section(page, "errors"), "error.retryable"), "| optional |");
});

Deno.test("the onramp docs page shows each error status with its own example", async () => {
  const page = await onrampPage();
  const operations = ["op-createonrampsession", "op-retrieveonrampsession", "op-getonrampquotes"];
  const statuses: ErrorStatus[] = [400, 401, 403, 404, 413, 415, 429, 500, 502, 503, 504];
  for (const anchor of operations) {
    for (const status of statuses) {
      if (!page.includes(`id="${anchor}-${status}"`)) continue;
      const shown = visibleText(response(page, anchor, String(status)));
      // Each message is unique to its status, so it tells whose example a block shows.
      for (const other of statuses) {
        const message = `"message": ${JSON.stringify(documentedError(other).message)}`;
        if (other === status) assertStringIncludes(shown, message, `${anchor} ${status}`);
        else assertFalse(shown.includes(message), `${anchor} ${status} shows ${other}'s example`);
      }
    }
  }
  const limited = visibleText(response(page, "op-createonrampsession", "429"));
  assertStringIncludes(limited, '"code": "rate_limit"');
  assertFalse(limited.includes("parameter_missing"));
  const invalid = visibleText(response(page, "op-createonrampsession", "400"));
  assertStringIncludes(invalid, '"code": "parameter_missing"');
  assertStringIncludes(visibleText(response(page, "op-getonrampquotes", "502")), "upstream_error");
});
