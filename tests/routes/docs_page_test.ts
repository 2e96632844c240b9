import {
  assert,
  assertFalse,
  assertMatch,
  assertNotMatch,
  assertStringIncludes,
} from "@std/assert";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type OpenApiDocument, renderDocsPage } from "../../routes/docs_page.ts";

const XSS = "<script>alert(1)</script>";
const BODY_EXAMPLE = { amount: "10", network: "ethereum", note: XSS };

const errorContent = {
  "application/json": { schema: { $ref: "#/components/schemas/StripeError" } },
};

/** A hand-built document: a POST with a rich body and a GET with path and query parameters. */
const doc: OpenApiDocument = {
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
          "400": { description: "Invalid request.", content: errorContent },
          "502": { description: "Stripe failed.", content: errorContent },
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

/** What a reader sees: tags dropped, table cells separated by " | ", entities decoded. */
function visibleText(markup: string): string {
  return markup.replaceAll("</td>", " | ").replace(/<[^>]*>/g, "")
    .replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'").replaceAll("&amp;", "&");
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

/** The markup of one operation's section, found by its anchor. */
function section(markup: string, anchor: string): string {
  const match = markup.match(new RegExp(`<section id="${anchor}">[\\s\\S]*?</section>`));
  assert(match !== null, `no section #${anchor}`);
  return match[0];
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
  let schema: Record<string, unknown> = { type: "string" };
  for (let i = 0; i < 20; i++) schema = { type: "object", properties: { a: schema } };
  const page = renderDocsPage({
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
  assertStringIncludes(visibleText(section(html, "op-createsession")), example);
  assertStringIncludes(html, "<pre><code>{\n  &quot;amount&quot;: &quot;10&quot;,\n");
});

Deno.test("renderDocsPage() lists parameters with location, type and required marker", () => {
  const get = section(html, "op-get-sessions-id");
  assertStringIncludes(rowFor(get, "id"), "id | path | string | required | The session id.");
  assertStringIncludes(rowFor(get, "id"), "pattern: ^cos_");
  assertStringIncludes(rowFor(get, "expand"), "expand | query | string | optional |");
  assertStringIncludes(rowFor(get, "expand"), "One of: quote wallet");
});

Deno.test("renderDocsPage() shows every response status, with error fields in view", () => {
  for (const anchor of ["op-createsession", "op-get-sessions-id"]) {
    const markup = section(html, anchor);
    for (const status of ["200", "400", "502"]) assertStringIncludes(markup, `>${status}</span>`);
    // Error fields are never folded away inside <details>.
    const errors = markup.slice(markup.indexOf(">400</span>"));
    assertFalse(errors.includes("<details>"));
    assertStringIncludes(rowFor(errors, "error.message"), "| required |");
    assertStringIncludes(rowFor(errors, "error.param"), "| optional |");
  }
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

Deno.test("renderDocsPage() loads no external resource and runs no script", () => {
  assertNotMatch(html, /\b(?:src|href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|\/\/)/i);
  assertNotMatch(html, /<(?:script|link|img|iframe|object|embed)\b/i);
  assertNotMatch(html, /@import|url\(/i);
  assertStringIncludes(html, "default-src 'none'");
});

Deno.test("renderDocsPage() uses options.title over the document's title", () => {
  const page = renderDocsPage(doc, { title: "Onramp API", specPath: "/openapi.json" });
  assertStringIncludes(page, "<title>Onramp API</title>");
});

Deno.test("renderDocsPage() adds under 6 KB of CSS and markup to an empty document", () => {
  const page = renderDocsPage({ info: { title: "t", version: "1" } }, { specPath: "/o" });
  assert(page.length < 6 * 1024, `overhead is ${page.length} bytes`);
});

Deno.test("renderDocsPage() shows component fields of a document from @hono/zod-openapi", () => {
  const Network = z.enum(["ethereum", "solana"]).openapi("Network");
  const Body = z.object({
    amount: z.string().max(40).openapi({ example: "0.1" }),
    networks: z.array(Network).min(1).optional(),
    wallet: z.object({ address: z.string() }).optional(),
  }).openapi("CreateBody");
  const app = new OpenAPIHono();
  app.openapi(
    createRoute({
      method: "post",
      path: "/sessions",
      request: { body: { required: true, content: { "application/json": { schema: Body } } } },
      responses: { 200: { description: "Created" } },
    }),
    (c) => c.body(null, 200),
  );
  const generated = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "t", version: "1" },
  });
  const page = renderDocsPage(generated, { specPath: "/openapi.json" });
  assertStringIncludes(rowFor(page, "amount"), "| required |");
  assertStringIncludes(rowFor(page, "amount"), "maxLength: 40");
  assertStringIncludes(rowFor(page, "networks"), "array of Network");
  assertStringIncludes(rowFor(page, "networks"), "Each one of: ethereum solana");
  assertStringIncludes(rowFor(page, "wallet.address"), "| required |");
  assertStringIncludes(visibleText(page), "application/json CreateBody object");
});
