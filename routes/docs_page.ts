/**
 * A human docs page rendered on the server from an OpenAPI 3.1 document: one self-contained
 * HTML file with inline CSS and no scripts, fonts, images or CDNs, so it works offline and
 * under a Content-Security-Policy that lets it load and run nothing.
 *
 * Every string from the document goes through hono's `html` tag, which escapes it.
 * Descriptions are plain text: blank-line separated paragraphs become `<p>` and back-ticked
 * spans `<code>`. The fields of an error schema that responses share are listed once, under
 * "Errors"; each operation shows its statuses, each with its own example.
 *
 * @module
 */
import type {
  MediaTypeObject,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from "openapi3-ts/oas31";
import { type Html, html, type HtmlPart, raw } from "./_html.ts";

/** The docs page's Content-Security-Policy: nothing may load or run; only inline style applies. */
export const DOCS_PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** Options for {@linkcode renderDocsPage}. */
export interface DocsPageOptions {
  /** The page title. @default {doc.info.title} */
  title?: string;
  /** Where the machine-readable document is served, linked from the top of the page. */
  specPath: string;
}

type Schema = SchemaObject | ReferenceObject;

const METHODS = ["get", "put", "post", "delete", "patch"] as const;
// Deeper nesting is summarised, so a huge or hostile schema cannot make an unbounded page.
const MAX_DEPTH = 6;
// Keywords noted under a field, in this order.
const NOTED = ("format pattern minLength maxLength minimum exclusiveMinimum maximum " +
  "exclusiveMaximum multipleOf minItems maxItems uniqueItems minProperties maxProperties default " +
  "example deprecated readOnly writeOnly").split(" ") as (keyof SchemaObject)[];

const CSS = ":root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--mu:#59636e;--bd:#d1d9e0;" +
  "--cd:#f3f5f7;--ac:#0b5cd5;--ok:#1a7f37;--er:#c9252d}" +
  "@media(prefers-color-scheme:dark){:root{--bg:#0f1318;--fg:#e6edf3;--mu:#9ba6b2;--bd:#30363d;" +
  "--cd:#181d24;--ac:#7ab0ff;--ok:#4cc165;--er:#ff7b72}}" +
  "*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);" +
  "font:16px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
  "main{max-width:64rem;margin:0 auto;padding:1.5rem 1rem 4rem}a{color:var(--ac)}" +
  "code,pre{font:.86em/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}" +
  "code{background:var(--cd);padding:.1em .3em;border-radius:4px;overflow-wrap:break-word}" +
  "pre{background:var(--cd);border:1px solid var(--bd);border-radius:6px;padding:.75rem 1rem;" +
  "overflow:auto}pre code{padding:0}h1{margin:0 0 .25rem}h2{margin:0 0 .4rem;font-size:1.3rem}" +
  "h3{margin:1.4rem 0 .5rem;font-size:1rem}section{border-top:1px solid var(--bd);" +
  "padding:1.5rem 0}p{margin:.4rem 0}.mu{color:var(--mu)}" +
  ".m{display:inline-block;min-width:3.6em;text-align:center;border-radius:4px;padding:.2em .45em;" +
  "font:700 .72rem/1.2 ui-monospace,monospace;text-transform:uppercase;color:#fff;" +
  "background:#6e7781;vertical-align:middle}.get{background:#1a7f37}.post{background:#0b5cd5}" +
  ".put,.patch{background:#9a6700}.delete{background:#c9252d}" +
  ".op{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}.op>code{font-size:1rem}" +
  ".tg{font-size:.8rem;border:1px solid var(--bd);border-radius:1em;padding:0 .5em}" +
  ".tw{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}" +
  "th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid var(--bd)}" +
  "th{color:var(--mu);font-weight:600}td p{margin:0 0 .3rem}.nt{color:var(--mu);font-size:.82rem}" +
  ".rq{color:var(--er);font-weight:600;font-size:.8rem}.cy{color:var(--ac);font-size:.82rem}" +
  ".rh{display:flex;gap:.75rem;align-items:baseline;margin-top:1rem}.rh p{margin:0}" +
  ".st{font-weight:700;font-family:ui-monospace,monospace}.s2,.s3{color:var(--ok)}" +
  ".s4,.s5,.sd{color:var(--er)}summary{cursor:pointer;color:var(--ac);margin:.4rem 0}" +
  "nav ol{padding-left:1.25rem}nav li{margin:.3rem 0}nav a{text-decoration:none}" +
  // Narrow screens: each row becomes a block (name, type, required on one line, description below).
  "@media(max-width:40rem){main{padding:1rem .75rem 3rem}thead{display:none}" +
  "table,tbody,tr{display:block}tr{padding:.5rem 0;border-bottom:1px solid var(--bd)}" +
  "td{display:inline-block;border:0;padding:0 .6rem 0 0}" +
  "td:last-child{display:block;padding-top:.2rem}}";

/** Strings as they are, anything else as JSON. */
function text(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `source` with each piece that `pattern`'s one group captures wrapped by `wrap`. */
function marked(source: string, pattern: RegExp, wrap: (piece: string) => Html): HtmlPart[] {
  return source.split(pattern).map((piece, index) => index % 2 === 1 ? wrap(piece) : piece);
}

function join(parts: readonly HtmlPart[], separator: string): Html {
  return html`${parts.map((part, index) => index === 0 ? part : [separator, part])}`;
}

/** A plain-text description as paragraphs, its back-ticked spans as code. */
function prose(description = ""): Html[] {
  const paragraphs = description.split(/\n[ \t]*\n/).map((p) => p.trim()).filter(Boolean);
  return paragraphs.map((paragraph) =>
    html`<p>${marked(paragraph, /`([^`\n]+)`/, (code) => html`<code>${code}</code>`)}</p>`
  );
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function isReference(value: object): value is ReferenceObject {
  return typeof (value as Partial<ReferenceObject>).$ref === "string";
}

/** The keys of a local `$ref`: `#/components/schemas/Error` → `components`, `schemas`, `Error`. */
function pointer(ref: string): string[] {
  return ref.slice(2).split("/").map((key) => key.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** What a local `$ref` points at; remote ones are not fetched. */
function lookUp(doc: OpenAPIObject, ref: string): object | undefined {
  let node: unknown = ref.startsWith("#/") ? doc : undefined;
  for (const key of pointer(ref)) {
    node = isObject(node) && Object.hasOwn(node, key) ? Reflect.get(node, key) : undefined;
  }
  return isObject(node) ? node : undefined;
}

/** A parameter, request body, response or example, its `$ref` followed. */
function deref<T extends object>(
  doc: OpenAPIObject,
  value: T | ReferenceObject | undefined,
): T | undefined {
  if (value === undefined || !isReference(value)) return value;
  return lookUp(doc, value.$ref) as T | undefined;
}

interface Resolved {
  schema: SchemaObject;
  /** The component's name, when the schema came from a `$ref`. */
  name: string | undefined;
  /** The `$ref`s expanded above this schema: the cycle guard. */
  seen: readonly string[];
  /** The `$ref` is expanded above already: name it, never expand it again. */
  cycle: boolean;
}

/** Follows a schema's `$ref`s and folds its `allOf` parts into one schema. */
function resolve(doc: OpenAPIObject, input: Schema = {}, seen: readonly string[] = []): Resolved {
  // A reference's own fields (`$ref`, `description`) are schema keywords as well.
  let schema = input as SchemaObject;
  let name: string | undefined;
  while (schema.$ref !== undefined) {
    const { $ref: ref, ...siblings } = schema;
    const target = lookUp(doc, ref);
    const cycle = seen.includes(ref);
    name = pointer(ref).at(-1);
    if (cycle || target === undefined) return { schema: siblings, name, seen, cycle };
    seen = [...seen, ref];
    // OpenAPI 3.1 lets keywords sit beside $ref (often a description); they refine the target.
    schema = { ...target, ...siblings };
  }
  const { allOf, ...own } = schema;
  if (allOf === undefined) return { schema, name, seen, cycle: false };
  const merged: SchemaObject = {};
  for (const part of [...allOf, own]) {
    const { schema: next, cycle } = resolve(doc, part, seen);
    if (cycle) continue;
    const properties = next.properties && { ...merged.properties, ...next.properties };
    const required = next.required && [...merged.required ?? [], ...next.required];
    Object.assign(merged, next, properties && { properties }, required && { required });
  }
  return { schema: merged, name, seen, cycle: false };
}

/** A schema's type in a few words: `string`, `array of Network`, `integer | null`. */
function typeOf(doc: OpenAPIObject, { schema, seen }: Resolved): Html {
  const inner = (part: Schema) => {
    const resolved = resolve(doc, part, seen);
    return resolved.name ?? typeOf(doc, resolved);
  };
  if ("const" in schema) return html`const ${JSON.stringify(schema.const)}`;
  const options = schema.anyOf ?? schema.oneOf;
  if (options !== undefined) return join(options.map(inner), " | ");
  const types = [schema.type ?? (schema.properties ? "object" : schema.enum ? "enum" : "any")];
  return join(
    types.flat().map((type) => {
      if (type === "array" && schema.items) return html`array of ${inner(schema.items)}`;
      const values = schema.additionalProperties;
      return type === "object" && isObject(values) ? html`map of ${inner(values)}` : type;
    }),
    " | ",
  );
}

/** A field's own type: its component's name in bold, then what it is (unless it recurs). */
function fieldType(doc: OpenAPIObject, resolved: Resolved): Html {
  if (resolved.name === undefined) return typeOf(doc, resolved);
  const type = !resolved.cycle && html`<span class=mu>${typeOf(doc, resolved)}</span>`;
  return html`<b>${resolved.name}</b> ${type}`;
}

function valuesNote(lead: string, values: unknown[] | undefined): Html[] {
  const codes = values?.map((value) => html`<code>${text(value)}</code>`);
  return codes === undefined ? [] : [html`${lead} ${join(codes, " ")}`];
}

/** Enum values and constraint keywords of one schema. */
function notesOf(schema: SchemaObject): Html[] {
  const keywords = NOTED.filter((keyword) => schema[keyword] !== undefined);
  return [
    ...valuesNote("One of:", schema.enum),
    ...keywords.map((keyword) => html`${keyword}: <code>${text(schema[keyword])}</code>`),
  ];
}

function notesLine(notes: readonly Html[]): Html | false {
  return notes.length > 0 && html`<div class=nt>${join(notes, " · ")}</div>`;
}

interface Row {
  path: string;
  required: boolean;
  type: Html;
  description: Html[];
  notes: Html[];
}

/**
 * Lists the fields below a schema as rows, walking objects, arrays, maps and unions. What is
 * said of the schema itself (it recurs, it nests too deep, its items' values) goes to `notes`.
 */
function collectRows(
  doc: OpenAPIObject,
  { schema, seen, cycle, name }: Resolved,
  path: string,
  depth: number,
  notes: Html[],
  rows: Row[],
): void {
  if (cycle) {
    notes.push(html`<span class=cy>↻ recursive: repeats ${name} above</span>`);
    return;
  }
  const map = isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
  const options = schema.anyOf ?? schema.oneOf ?? [];
  if (!schema.properties && !schema.items && !map && options.length === 0) return;
  if (depth >= MAX_DEPTH) {
    notes.push(html`<span class=cy>nested too deep to list here</span>`);
    return;
  }
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const field = resolve(doc, child, seen);
    const row: Row = {
      path: path === "" ? key : `${path}.${key}`,
      required: schema.required?.includes(key) ?? false,
      type: fieldType(doc, field),
      description: prose(field.schema.description),
      notes: notesOf(field.schema),
    };
    rows.push(row);
    collectRows(doc, field, row.path, depth + 1, row.notes, rows);
  }
  if (schema.items) {
    const items = resolve(doc, schema.items, seen);
    notes.push(...valuesNote("Each one of:", items.schema.enum));
    collectRows(doc, items, `${path}[]`, depth + 1, notes, rows);
  }
  if (map) collectRows(doc, resolve(doc, map, seen), `${path}{key}`, depth + 1, notes, rows);
  for (const option of options) {
    collectRows(doc, resolve(doc, option, seen), path, depth, notes, rows);
  }
}

function requiredMark(required = false): Html {
  return required ? html`<span class=rq>required</span>` : html`<span class=mu>optional</span>`;
}

function table(head: readonly string[], rows: readonly HtmlPart[][]): Html {
  const headings = head.map((cell) => html`<th>${cell}</th>`);
  const body = rows.map((cells) => html`<tr>${cells.map((cell) => html`<td>${cell}</td>`)}</tr>`);
  return html`
    <div class=tw>
      <table>
        <thead>
          <tr>${headings}</tr>
        </thead>
        <tbody>${body}</tbody>
      </table>
    </div>
  `;
}

/** A field's path, its parents muted: `customer.` then `email`. */
function fieldPath(path: string): Html {
  const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("]")) + 1;
  // <wbr> lets a long path wrap between its segments rather than inside a name.
  const parents = path.slice(0, cut).split(/(?<=[.\]])/).map((part) => html`${part}<wbr>`);
  return html`<code><span class=mu>${parents}</span>${path.slice(cut)}</code>`;
}

function fieldTable(rows: readonly Row[]): Html {
  const cells = rows.map((row) => [
    fieldPath(row.path),
    row.type,
    requiredMark(row.required),
    [row.description, notesLine(row.notes)],
  ]);
  return table(["Field", "Type", "Required", "Description"], cells);
}

function exampleBlock(example: unknown): Html | false {
  return example !== undefined &&
    html`
      <p class=mu>Example</p>
      <pre><code>${JSON.stringify(example, null, 2)}</code></pre>
    `;
}

/** The example a media type carries itself: `example`, else the first of `examples`. */
function ownExample(doc: OpenAPIObject, media: MediaTypeObject): unknown {
  const first = Object.values(media.examples ?? {})[0];
  return media.example ?? (first && deref(doc, first)?.value);
}

/**
 * One body: its media type, type, fields and example (its own, else its schema's). Success
 * bodies can be long, so their fields fold away; request and error fields stay in view.
 */
function bodyBlock(doc: OpenAPIObject, type: string, media: MediaTypeObject, fold: boolean): Html {
  const resolved = resolve(doc, media.schema);
  const { schema } = resolved;
  const notes = notesOf({ ...schema, example: undefined }); // the example is shown in full
  const rows: Row[] = [];
  collectRows(doc, resolved, "", 0, notes, rows);
  const fields = fold
    ? html`<details><summary>${rows.length} fields</summary>${fieldTable(rows)}</details>`
    : fieldTable(rows);
  const example = ownExample(doc, media) ?? schema.example ?? schema.examples?.[0];
  return html`<p>${type && html`<code>${type}</code>`} ${fieldType(doc, resolved)}</p>
    ${notesLine(notes)} ${rows.length > 0 && fields} ${exampleBlock(example)}`;
}

/**
 * One response status. An error body whose schema is a component links to that schema's
 * fields, listed once under "Errors" (its ref is added to `shared`), and shows only this
 * status's own example, never one from the schema that every status shares.
 */
function responseBlock(
  doc: OpenAPIObject,
  id: string,
  status: string,
  response: ResponseObject,
  shared: Set<string>,
): Html {
  const isError = !/^[123]/.test(status); // 4XX, 5XX and `default`
  const bodies = Object.entries(response.content ?? {}).map(([type, media]) => {
    const ref = media.schema && isReference(media.schema) ? media.schema.$ref : "";
    if (!isError || !ref.startsWith("#/components/schemas/")) {
      return bodyBlock(doc, type, media, !isError);
    }
    shared.add(ref);
    const name = pointer(ref).at(-1);
    const link = html`<a href="#schema-${name}">${name}</a>`;
    return html`<p><code>${type}</code> ${link}</p>${exampleBlock(ownExample(doc, media))}`;
  });
  const kind = /^[1-5]/.test(status) ? `s${status[0]}` : "sd";
  const description = prose(response.description);
  const head = html`<span class="st ${kind}">${status}</span><div>${description}</div>`;
  return html`<div class=rs id="${id}"><div class=rh>${head}</div>${bodies}</div>`;
}

/** Path-level parameters, overridden by the operation's own of the same name and location. */
function parametersBlock(doc: OpenAPIObject, { pathItem, operation }: Operation): Html | false {
  const byKey = new Map<string, ParameterObject>();
  for (const item of [...pathItem.parameters ?? [], ...operation.parameters ?? []]) {
    const parameter = deref(doc, item);
    if (parameter !== undefined) byKey.set(`${parameter.in} ${parameter.name}`, parameter);
  }
  const rows = [...byKey.values()].map((parameter) => {
    const resolved = resolve(doc, parameter.schema);
    const { example = resolved.schema.example, description = resolved.schema.description } =
      parameter;
    return [
      html`<code>${parameter.name}</code>`,
      parameter.in,
      fieldType(doc, resolved),
      requiredMark(parameter.required),
      [prose(description), notesLine(notesOf({ ...resolved.schema, example }))],
    ];
  });
  const head = ["Name", "In", "Type", "Required", "Description"];
  return rows.length > 0 && html`<h3>Parameters</h3>${table(head, rows)}`;
}

function requestBodyBlock(doc: OpenAPIObject, operation: OperationObject): Html | false {
  const body = deref(doc, operation.requestBody);
  if (body === undefined) return false;
  const required = body.required === true && html`<span class=rq>required</span>`;
  const bodies = Object.entries(body.content ?? {}).map(([type, media]) =>
    bodyBlock(doc, type, media, false)
  );
  return html`<h3>Request body ${required}</h3>${prose(body.description)}${bodies}`;
}

interface Operation {
  method: string;
  /** The path with the first server's URL in front. */
  path: string;
  /** A unique id for the operation's section. */
  anchor: string;
  pathItem: PathItemObject;
  operation: OperationObject;
}

function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "operation";
}

/** Every operation, path by path, with its full path and a unique anchor. */
function listOperations(doc: OpenAPIObject): Operation[] {
  const server = doc.servers?.[0]?.url.replace(/\/+$/, "") ?? "";
  const used = new Map<string, number>();
  return Object.entries(doc.paths ?? {}).flatMap(([path, pathItem]) =>
    METHODS.flatMap((method) => {
      const operation = pathItem[method];
      if (operation === undefined) return [];
      const slug = slugify(operation.operationId ?? `${method} ${path}`);
      const count = (used.get(slug) ?? 0) + 1;
      used.set(slug, count);
      const anchor = `op-${slug}${count > 1 ? `-${count}` : ""}`;
      return [{ method, path: server + path, anchor, pathItem, operation }];
    })
  );
}

/** The method badge and the path, its `{param}` segments in bold. */
function route({ method, path }: Operation): Html {
  const segments = marked(path, /(\{[^}]*\})/, (param) => html`<b>${param}</b>`);
  return html`<span class="m ${method}">${method}</span> <code>${segments}</code>`;
}

function operationSection(doc: OpenAPIObject, op: Operation, shared: Set<string>): Html {
  const { operation, anchor } = op;
  const tags = (operation.tags ?? []).map((tag) => html`<span class=tg>${tag}</span>`);
  const deprecated = operation.deprecated === true && html`<span class=rq>deprecated</span>`;
  const id = operation.operationId && html`<span class=mu>${operation.operationId}</span>`;
  const responses = Object.entries(operation.responses ?? {}).map(([status, value]) => {
    const response = deref<ResponseObject>(doc, value);
    return response && responseBlock(doc, `${anchor}-${status}`, status, response, shared);
  });
  return html`<section id="${anchor}">
    <h2>${operation.summary ?? `${op.method} ${op.path}`}</h2>
    <div class=op>${route(op)} ${tags} ${deprecated} ${id}</div>
    ${prose(operation.description)} ${parametersBlock(doc, op)} ${requestBodyBlock(doc, operation)}
    <h3>Responses</h3>
    ${responses}
  </section>`;
}

/** The fields of each shared error schema, once for the whole page. */
function errorsSection(doc: OpenAPIObject, shared: ReadonlySet<string>): Html | false {
  const schemas = [...shared].map((ref) => {
    const body = bodyBlock(doc, "", { schema: { $ref: ref } }, false);
    return html`<div id="schema-${pointer(ref).at(-1)}">${body}</div>`;
  });
  return schemas.length > 0 && html`<section id="errors">
    <h2>Errors</h2>
    <p>
      The error statuses of every operation answer with this body; each operation shows, per
      status, an example of its own.
    </p>
    ${schemas}
  </section>`;
}

/**
 * Renders a complete, self-contained HTML5 docs page from an OpenAPI 3.1 document: a table of
 * contents; per operation its method, full path, description, parameters, request body
 * (fields and example) and each response status with its own example; then, once, the fields
 * of the error schemas the responses share. Local `$ref`s are resolved; recursive schemas are
 * marked rather than expanded. Every string from the document is escaped, and the page's
 * `<meta>` policy ({@linkcode DOCS_PAGE_POLICY}) lets it load and run nothing.
 *
 * @param doc The document, e.g. from `buildOpenApiDocument(...)`.
 * @param options Page options.
 * @param [options.title=doc.info.title] The page title.
 * @param options.specPath Where the machine-readable document is served, linked at the top.
 * @returns The page, starting with `<!doctype html>`.
 *
 * @example Serve the docs page of a document
 * ```ts
 * import { Hono } from "hono";
 * import { DOCS_PAGE_POLICY, renderDocsPage } from "./docs_page.ts";
 *
 * const doc = { openapi: "3.1.0", info: { title: "Onramp", version: "1" }, paths: {} };
 * const app = new Hono();
 * app.get("/openapi.json", (c) => c.json(doc));
 * app.get("/docs", (c) => {
 *   c.header("Content-Security-Policy", DOCS_PAGE_POLICY);
 *   return c.html(renderDocsPage(doc, { specPath: "/openapi.json" }));
 * });
 * ```
 */
export function renderDocsPage(doc: OpenAPIObject, options: DocsPageOptions): string {
  const { title = doc.info.title, specPath } = options;
  const server = doc.servers?.[0]?.url;
  const operations = listOperations(doc);
  const shared = new Set<string>();
  const sections = operations.map((op) => operationSection(doc, op, shared));
  const errors = errorsSection(doc, shared);
  const contents = operations.map((op) => {
    const link = html`<a href="#${op.anchor}">${route(op)}</a>`;
    return html`<li>${link} <span class=mu>${op.operation.summary}</span></li>`;
  });
  const base = server && html`· Base path <code>${server}</code>`;
  // The policy and style sheet are this module's own constants; escaping would break them.
  return "<!doctype html>\n" + html`<html lang=en>
  <head>
    <meta charset=utf-8>
    <meta name=viewport content="width=device-width,initial-scale=1">
    <meta http-equiv=Content-Security-Policy content="${raw(DOCS_PAGE_POLICY)}">
    <title>${title}</title>
    <style>${raw(CSS)}</style>
  </head>
  <body>
    <main>
      <header>
        <h1>${title}</h1>
        <p class=mu>Version ${doc.info.version} ${base}</p>
        ${prose(doc.info.description)}
        <p><a href="${specPath}">OpenAPI document (JSON)</a></p>
      </header>
      <nav>
        <h2>Operations</h2>
        <ol>${contents} ${errors && html`<li><a href="#errors">Errors</a></li>`}</ol>
      </nav>
      ${sections} ${errors}
    </main>
  </body>
</html>`;
}
