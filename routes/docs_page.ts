/**
 * A human docs page rendered on the server from an OpenAPI 3.1 document: one self-contained
 * HTML file with inline CSS, no scripts, fonts, images or CDNs, so it works offline, under a
 * strict Content-Security-Policy and on runtimes that cannot fetch anything at build time.
 *
 * Every string taken from the document is HTML-escaped. Descriptions are plain text: blank-line
 * separated paragraphs become `<p>` and back-ticked spans become `<code>`, after escaping.
 *
 * @module
 */

/** A JSON schema as found in the document; narrowed at runtime, never trusted. */
export type OpenApiSchema = unknown;

/** One media type of a request or response body. */
export interface OpenApiMediaType {
  /** The body's schema, often a `$ref` into `components.schemas`. */
  schema?: OpenApiSchema;
  /** An example body. */
  example?: unknown;
  /** Named examples; the first one's `value` is shown when `example` is absent. */
  examples?: Readonly<Record<string, unknown>>;
}

/** A parameter of an operation, or a `$ref` to one in `components.parameters`. */
export interface OpenApiParameter {
  /** A local reference such as `#/components/parameters/Id`. */
  $ref?: string;
  /** The parameter's name. */
  name?: string;
  /** Where it goes: `path`, `query`, `header` or `cookie`. */
  in?: string;
  /** Whether the caller must send it. */
  required?: boolean;
  /** Plain text. */
  description?: string;
  /** The value's schema. */
  schema?: OpenApiSchema;
  /** An example value. */
  example?: unknown;
}

/** A request body, or a `$ref` to one in `components.requestBodies`. */
export interface OpenApiRequestBody {
  /** A local reference such as `#/components/requestBodies/Create`. */
  $ref?: string;
  /** Plain text. */
  description?: string;
  /** Whether the caller must send a body. */
  required?: boolean;
  /** The body per media type, e.g. `application/json`. */
  content?: Readonly<Record<string, OpenApiMediaType>>;
}

/** A response, or a `$ref` to one in `components.responses`. */
export interface OpenApiResponse {
  /** A local reference such as `#/components/responses/NotFound`. */
  $ref?: string;
  /** Plain text. */
  description?: string;
  /** The body per media type. */
  content?: Readonly<Record<string, OpenApiMediaType>>;
}

/** One operation: a method on a path. */
export interface OpenApiOperation {
  /** A unique id; the page anchors the operation on it. */
  operationId?: string;
  /** A one-line summary, used as the heading. */
  summary?: string;
  /** Plain text. */
  description?: string;
  /** Group names. */
  tags?: readonly string[];
  /** Whether callers should stop using it. */
  deprecated?: boolean;
  /** Parameters; they override the path item's own by name and location. */
  parameters?: readonly OpenApiParameter[];
  /** The request body. */
  requestBody?: OpenApiRequestBody;
  /** Responses by status code (`"200"`, `"4XX"`, `"default"`). */
  responses?: Readonly<Record<string, OpenApiResponse>>;
}

/** The operations on one path, plus parameters they share. */
export interface OpenApiPathItem {
  /** Parameters shared by every operation on the path. */
  parameters?: readonly OpenApiParameter[];
  /** `GET` */
  get?: OpenApiOperation;
  /** `PUT` */
  put?: OpenApiOperation;
  /** `POST` */
  post?: OpenApiOperation;
  /** `DELETE` */
  delete?: OpenApiOperation;
  /** `PATCH` */
  patch?: OpenApiOperation;
}

/**
 * The parts of an OpenAPI 3.1 document that {@linkcode renderDocsPage} reads. Loose on purpose:
 * what `@hono/zod-openapi`'s `getOpenAPI31Document()` returns fits it as is.
 */
export interface OpenApiDocument {
  /** The OpenAPI version, e.g. `3.1.0`. */
  openapi?: string;
  /** The API's title, version and plain-text description. */
  info: { title: string; version: string; description?: string };
  /** The first server's URL prefixes every path shown. */
  servers?: readonly { url: string }[];
  /** Path items by path template, in the order shown. */
  paths?: Readonly<Record<string, OpenApiPathItem>>;
  /** Reusable schemas, parameters, bodies and responses that `$ref`s point into. */
  components?: OpenApiComponents;
}

/** Reusable parts that local `$ref`s (`#/components/schemas/X`) point into. */
export interface OpenApiComponents {
  /** Schemas by name. */
  schemas?: Readonly<Record<string, OpenApiSchema>>;
  /** Parameters by name. */
  parameters?: Readonly<Record<string, unknown>>;
  /** Request bodies by name. */
  requestBodies?: Readonly<Record<string, unknown>>;
  /** Responses by name. */
  responses?: Readonly<Record<string, unknown>>;
}

/** Options for {@linkcode renderDocsPage}. */
export interface DocsPageOptions {
  /** The page title. @default {doc.info.title} */
  title?: string;
  /** Where the machine-readable document is served, linked from the top of the page. */
  specPath: string;
}

type Json = Record<string, unknown>;

const METHODS: ReadonlySet<string> = new Set(["get", "put", "post", "delete", "patch"]);
// Bounds that keep a hostile or huge document from producing an unbounded page.
const MAX_DEPTH = 6;
const MAX_ROWS = 300;
const MAX_NOTE_CHARS = 80;

// Constraint keywords listed under a field, in the order shown.
const CONSTRAINTS = [
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "default",
  "example",
] as const;

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

// The page needs nothing from anywhere: this stops any injected markup from loading or running.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Escapes, then turns blank-line separated paragraphs into `<p>` and `code` into `<code>`. */
function prose(text: unknown): string {
  const trimmed = asString(text)?.trim();
  if (!trimmed) return "";
  return trimmed.split(/\n[ \t]*\n/).map((paragraph) =>
    `<p>${escapeHtml(paragraph.trim()).replace(/`([^`\n]+)`/g, "<code>$1</code>")}</p>`
  ).join("");
}

function toJson(value: unknown, indent?: number): string | undefined {
  try {
    return JSON.stringify(value, null, indent);
  } catch {
    return undefined; // a hand-built document may hold a cycle or a BigInt
  }
}

function clip(text: string): string {
  return text.length > MAX_NOTE_CHARS ? `${text.slice(0, MAX_NOTE_CHARS - 1)}…` : text;
}

/** Follows a local JSON pointer (`#/components/schemas/X`) through own properties only. */
function lookUp(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined; // remote refs would need a fetch
  let node = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isRecord(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** Replaces a `$ref` object by its target, once; other objects pass through. */
function deref(root: unknown, value: unknown): Json | undefined {
  const ref = isRecord(value) ? asString(value.$ref) : undefined;
  const target = ref === undefined ? value : lookUp(root, ref);
  return isRecord(target) ? target : undefined;
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1).replaceAll("~1", "/").replaceAll("~0", "~");
}

interface Resolved {
  schema: Json;
  /** The component name when the schema came from a `$ref`. */
  name?: string;
  /** The refs being expanded above this schema: the cycle guard. */
  stack: readonly string[];
  /** True when the ref is already being expanded above: show its name, never expand it. */
  cycle: boolean;
}

function withoutRef(schema: Json): Json {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== "$ref"));
}

function resolve(root: unknown, input: unknown, stack: readonly string[]): Resolved {
  let schema: Json = isRecord(input) ? input : {};
  let name: string | undefined;
  let seen = stack;
  for (let ref = asString(schema.$ref); ref !== undefined; ref = asString(schema.$ref)) {
    name = refName(ref);
    if (seen.includes(ref)) return { schema: withoutRef(schema), name, stack: seen, cycle: true };
    const target = lookUp(root, ref);
    if (!isRecord(target)) return { schema: withoutRef(schema), name, stack: seen, cycle: false };
    seen = [...seen, ref];
    // OpenAPI 3.1 lets keywords sit beside $ref (often a description); they refine the target.
    schema = { ...target, ...withoutRef(schema) };
  }
  const merged = mergeAllOf(root, schema, seen);
  return { schema: merged, stack: seen, cycle: false, ...(name === undefined ? {} : { name }) };
}

/** Folds `allOf` parts into one schema, so their properties list as one table. */
function mergeAllOf(root: unknown, schema: Json, stack: readonly string[]): Json {
  if (!Array.isArray(schema.allOf)) return schema;
  const merged: Json = {};
  const properties: Json = {};
  const required: unknown[] = [];
  for (const part of [...schema.allOf, withoutAllOf(schema)]) {
    const resolved = resolve(root, part, stack);
    if (resolved.cycle) continue;
    Object.assign(merged, resolved.schema);
    if (isRecord(resolved.schema.properties)) Object.assign(properties, resolved.schema.properties);
    if (Array.isArray(resolved.schema.required)) required.push(...resolved.schema.required);
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.length > 0) merged.required = required;
  return merged;
}

function withoutAllOf(schema: Json): Json {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== "allOf"));
}

function alternatives(schema: Json): unknown[] {
  const list = Array.isArray(schema.anyOf) ? schema.anyOf : schema.oneOf;
  return Array.isArray(list) ? list : [];
}

/** The type alone (`string`, `array of X`, `A | B`), escaped. */
function baseType(root: unknown, resolved: Resolved): string {
  const { schema, stack } = resolved;
  if ("const" in schema) return `const ${escapeHtml(toJson(schema.const) ?? "")}`;
  const options = alternatives(schema);
  if (options.length > 0) {
    return options.map((option) => shortType(root, resolve(root, option, stack))).join(" | ");
  }
  const declared = Array.isArray(schema.type) ? schema.type : [schema.type];
  const types = declared.filter((type): type is string => typeof type === "string");
  if (types.length === 0) {
    if (isRecord(schema.properties)) types.push("object");
    else if (Array.isArray(schema.enum)) types.push("enum");
    else return "any";
  }
  if (schema.nullable === true && !types.includes("null")) types.push("null"); // OpenAPI 3.0
  return types.map((type) => {
    if (type === "array" && schema.items !== undefined) {
      return `array of ${shortType(root, resolve(root, schema.items, stack))}`;
    }
    if (type === "object" && isRecord(schema.additionalProperties)) {
      return `map of ${shortType(root, resolve(root, schema.additionalProperties, stack))}`;
    }
    return escapeHtml(type);
  }).join(" | ");
}

/** The component name when there is one, else the type; used inside other types. */
function shortType(root: unknown, resolved: Resolved): string {
  if (resolved.name !== undefined) return escapeHtml(resolved.name);
  return resolved.cycle ? "any" : baseType(root, resolved);
}

/** The component name and the type, for a field's own row. */
function fullType(root: unknown, resolved: Resolved): string {
  if (resolved.name === undefined) return baseType(root, resolved);
  const name = `<b>${escapeHtml(resolved.name)}</b>`;
  return resolved.cycle ? name : `${name} <span class=mu>${baseType(root, resolved)}</span>`;
}

function enumNote(schema: Json, lead: string): string[] {
  if (!Array.isArray(schema.enum)) return [];
  const values = schema.enum.map((value) =>
    `<code>${escapeHtml(typeof value === "string" ? value : toJson(value) ?? "")}</code>`
  );
  return [`${lead} ${values.join(" ")}`];
}

/** Enum values and constraint keywords of one schema, escaped. */
function notesFor(schema: Json): string[] {
  const notes = enumNote(schema, "One of:");
  for (const keyword of CONSTRAINTS) {
    if (!(keyword in schema)) continue;
    const value = schema[keyword];
    const shown = keyword === "pattern" || keyword === "format" ? String(value) : toJson(value);
    notes.push(`${keyword}: <code>${escapeHtml(clip(shown ?? ""))}</code>`);
  }
  if (schema.deprecated === true) notes.push("deprecated");
  if (schema.readOnly === true) notes.push("read-only");
  if (schema.writeOnly === true) notes.push("write-only");
  return notes;
}

function cycleNote(name: string | undefined): string {
  return `<span class=cy>↻ recursive: repeats ${escapeHtml(name ?? "a parent")} above</span>`;
}

interface FieldRow {
  path: string;
  required: boolean;
  type: string;
  description: string;
  notes: string[];
}

/** Lists the fields below a schema as rows, walking objects, arrays, maps and unions. */
function collectFields(
  root: unknown,
  resolved: Resolved,
  path: string,
  depth: number,
  notes: string[],
  rows: FieldRow[],
): void {
  if (resolved.cycle) {
    notes.push(cycleNote(resolved.name));
    return;
  }
  const { schema, stack } = resolved;
  const nests = isRecord(schema.properties) || schema.items !== undefined ||
    isRecord(schema.additionalProperties) || alternatives(schema).length > 0;
  if (!nests) return;
  if (depth >= MAX_DEPTH) {
    notes.push("<span class=cy>nested too deep to list here</span>");
    return;
  }
  if (isRecord(schema.properties)) {
    const required = Array.isArray(schema.required) ? schema.required : [];
    for (const [key, child] of Object.entries(schema.properties)) {
      if (rows.length >= MAX_ROWS) return;
      const field = resolve(root, child, stack);
      const row: FieldRow = {
        path: path === "" ? key : `${path}.${key}`,
        required: required.includes(key),
        type: fullType(root, field),
        description: prose(field.schema.description),
        notes: notesFor(field.schema),
      };
      rows.push(row);
      collectFields(root, field, row.path, depth + 1, row.notes, rows);
    }
  }
  if (schema.items !== undefined) {
    const items = resolve(root, schema.items, stack);
    notes.push(...enumNote(items.schema, "Each one of:"));
    collectFields(root, items, `${path}[]`, depth + 1, notes, rows);
  }
  if (isRecord(schema.additionalProperties)) {
    const values = resolve(root, schema.additionalProperties, stack);
    collectFields(root, values, `${path}{key}`, depth + 1, notes, rows);
  }
  for (const option of alternatives(schema)) {
    collectFields(root, resolve(root, option, stack), path, depth, notes, rows);
  }
}

function requiredCell(required: boolean): string {
  return required ? "<span class=rq>required</span>" : "<span class=mu>optional</span>";
}

function notesHtml(notes: readonly string[]): string {
  return notes.length > 0 ? `<div class=nt>${notes.join(" · ")}</div>` : "";
}

function table(head: readonly string[], rows: readonly string[]): string {
  return `<div class=tw><table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr>` +
    `</thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function fieldTable(rows: readonly FieldRow[]): string {
  return table(
    ["Field", "Type", "Required", "Description"],
    rows.map((row) => {
      const cut = Math.max(row.path.lastIndexOf("."), row.path.lastIndexOf("]")) + 1;
      // <wbr> lets a long dotted path wrap between segments rather than inside a name.
      const parent = escapeHtml(row.path.slice(0, cut)).replace(/[.\]]/g, "$&<wbr>");
      const name = (parent ? `<span class=mu>${parent}</span>` : "") +
        escapeHtml(row.path.slice(cut));
      const description = row.description + notesHtml(row.notes);
      return `<tr><td><code>${name}</code></td><td>${row.type}</td>` +
        `<td>${requiredCell(row.required)}</td><td>${description}</td></tr>`;
    }),
  );
}

function pickExample(media: Json, schema: Json): unknown {
  if ("example" in media) return media.example;
  if (isRecord(media.examples)) {
    const first = Object.values(media.examples)[0];
    if (isRecord(first) && "value" in first) return first.value;
  }
  if ("example" in schema) return schema.example;
  return Array.isArray(schema.examples) ? schema.examples[0] : undefined;
}

/** One media type: its type line, field table and example. */
function mediaBlock(root: unknown, mediaType: string, media: unknown, collapse: boolean): string {
  const body = isRecord(media) ? media : {};
  const resolved = resolve(root, body.schema, []);
  const notes = notesFor(withoutExample(resolved.schema));
  const rows: FieldRow[] = [];
  collectFields(root, resolved, "", 0, notes, rows);
  if (rows.length >= MAX_ROWS) notes.push(`Only the first ${MAX_ROWS} fields are listed.`);
  let html = `<p><code>${escapeHtml(mediaType)}</code> ${fullType(root, resolved)}</p>` +
    notesHtml(notes);
  if (rows.length > 0) {
    // Success bodies can be long; they fold away, while error fields stay in view.
    html += collapse
      ? `<details><summary>${rows.length} fields</summary>${fieldTable(rows)}</details>`
      : fieldTable(rows);
  }
  const example = pickExample(body, resolved.schema);
  const shown = example === undefined ? undefined : toJson(example, 2);
  if (shown !== undefined) {
    html += `<p class=mu>Example</p><pre><code>${escapeHtml(shown)}</code></pre>`;
  }
  return html;
}

// The example is shown in full below the table, so the type line does not repeat it.
function withoutExample(schema: Json): Json {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== "example"));
}

function contentBlocks(root: unknown, content: unknown, collapse: boolean): string {
  if (!isRecord(content)) return "";
  return Object.entries(content).map(([type, media]) => mediaBlock(root, type, media, collapse))
    .join("");
}

function parametersBlock(root: unknown, parameters: readonly Json[]): string {
  if (parameters.length === 0) return "";
  return "<h3>Parameters</h3>" + table(
    ["Name", "In", "Type", "Required", "Description"],
    parameters.map((parameter) => {
      const resolved = resolve(root, parameter.schema, []);
      const notes = notesFor(resolved.schema);
      if ("example" in parameter) {
        notes.push(`example: <code>${escapeHtml(clip(toJson(parameter.example) ?? ""))}</code>`);
      }
      const description = prose(parameter.description ?? resolved.schema.description);
      return `<tr><td><code>${escapeHtml(asString(parameter.name) ?? "")}</code></td>` +
        `<td>${escapeHtml(asString(parameter.in) ?? "")}</td><td>${fullType(root, resolved)}</td>` +
        `<td>${requiredCell(parameter.required === true)}</td>` +
        `<td>${description}${notesHtml(notes)}</td></tr>`;
    }),
  );
}

/** Path-level parameters, overridden by the operation's own with the same name and location. */
function mergeParameters(root: unknown, shared: unknown, own: unknown): Json[] {
  const byKey = new Map<string, Json>();
  for (const list of [shared, own]) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const parameter = deref(root, item);
      if (parameter) byKey.set(`${parameter.in}\u0000${parameter.name}`, parameter);
    }
  }
  return [...byKey.values()];
}

function requestBodyBlock(root: unknown, value: unknown): string {
  const body = deref(root, value);
  if (!body) return "";
  const marker = body.required === true ? " <span class=rq>required</span>" : "";
  return `<h3>Request body${marker}</h3>${prose(body.description)}` +
    contentBlocks(root, body.content, false);
}

function responsesBlock(root: unknown, value: unknown): string {
  if (!isRecord(value)) return "";
  return "<h3>Responses</h3>" + Object.entries(value).map(([status, raw]) => {
    const response = deref(root, raw) ?? {};
    const kind = /^[1-5]/.test(status) ? `s${status[0]}` : "sd";
    const isError = kind !== "s1" && kind !== "s2" && kind !== "s3";
    return `<div class=rh><span class="st ${kind}">${escapeHtml(status)}</span>` +
      `<div>${prose(response.description)}</div></div>` +
      contentBlocks(root, response.content, !isError);
  }).join("");
}

interface Operation {
  method: string;
  path: string;
  anchor: string;
  pathItem: Json;
  operation: Json;
}

function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "operation";
}

/** Every operation in document order, with its full path and a unique anchor. */
function listOperations(doc: OpenApiDocument): Operation[] {
  const server = asString(doc.servers?.[0]?.url)?.replace(/\/+$/, "") ?? "";
  const used = new Map<string, number>();
  const operations: Operation[] = [];
  if (!isRecord(doc.paths)) return operations;
  for (const [path, pathItem] of Object.entries(doc.paths)) {
    if (!isRecord(pathItem)) continue;
    for (const [method, operation] of Object.entries(pathItem)) {
      if (!METHODS.has(method) || !isRecord(operation)) continue;
      const slug = slugify(asString(operation.operationId) ?? `${method} ${path}`);
      const count = (used.get(slug) ?? 0) + 1;
      used.set(slug, count);
      const anchor = `op-${slug}${count > 1 ? `-${count}` : ""}`;
      operations.push({ method, path: server + path, anchor, pathItem, operation });
    }
  }
  return operations;
}

function methodBadge(method: string): string {
  return `<span class="m ${method}">${method}</span>`;
}

/** Escapes a path template and marks `{param}` segments. */
function pathHtml(path: string): string {
  return `<code>${escapeHtml(path).replace(/\{[^}]*\}/g, "<b>$&</b>")}</code>`;
}

function operationSection(root: unknown, op: Operation): string {
  const { operation } = op;
  const summary = asString(operation.summary);
  const tags = Array.isArray(operation.tags)
    ? operation.tags.filter((t) => typeof t === "string")
    : [];
  const id = asString(operation.operationId);
  return `<section id="${op.anchor}"><h2>${escapeHtml(summary ?? `${op.method} ${op.path}`)}</h2>` +
    `<div class=op>${methodBadge(op.method)} ${pathHtml(op.path)}` +
    tags.map((tag) => `<span class=tg>${escapeHtml(tag)}</span>`).join("") +
    (operation.deprecated === true ? "<span class=rq>deprecated</span>" : "") +
    (id ? `<span class=mu>${escapeHtml(id)}</span>` : "") + "</div>" +
    prose(operation.description) +
    parametersBlock(root, mergeParameters(root, op.pathItem.parameters, operation.parameters)) +
    requestBodyBlock(root, operation.requestBody) +
    responsesBlock(root, operation.responses) + "</section>";
}

/**
 * Renders a complete, self-contained HTML5 docs page from an OpenAPI 3.1 document: a table of
 * contents, then per operation its method, full path, summary, description, parameters, request
 * body fields, example and responses. `$ref`s to local components are resolved; recursive
 * schemas are marked rather than expanded.
 *
 * The page has no scripts and loads nothing; it carries a Content-Security-Policy that forbids
 * both, and every string from the document is HTML-escaped.
 *
 * @param doc The document, e.g. from `app.getOpenAPI31Document(...)`.
 * @param options Page options.
 * @param [options.title=doc.info.title] The page title.
 * @param options.specPath Where the machine-readable document is served, linked at the top.
 * @returns The page, starting with `<!doctype html>`.
 *
 * @example Serve the docs of an OpenAPIHono app
 * ```ts
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { renderDocsPage } from "./docs_page.ts";
 *
 * const app = new OpenAPIHono();
 * const info = { title: "Onramp", version: "1" };
 * app.doc31("/openapi.json", { openapi: "3.1.0", info });
 * app.get("/docs", (c) => {
 *   const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info });
 *   return c.html(renderDocsPage(doc, { specPath: "/openapi.json" }));
 * });
 * ```
 */
export function renderDocsPage(doc: OpenApiDocument, options: DocsPageOptions): string {
  const root: unknown = doc;
  const info: Json = isRecord(doc.info) ? doc.info : {};
  const title = options.title ?? asString(info.title) ?? "API";
  const version = asString(info.version);
  const server = asString(doc.servers?.[0]?.url);
  const operations = listOperations(doc);
  const contents = operations.map((op) =>
    `<li><a href="#${op.anchor}">${methodBadge(op.method)} ${pathHtml(op.path)}</a>` +
    (asString(op.operation.summary)
      ? ` <span class=mu>${escapeHtml(String(op.operation.summary))}</span>`
      : "") +
    "</li>"
  ).join("");
  return "<!doctype html>\n<html lang=en><head><meta charset=utf-8>" +
    '<meta name=viewport content="width=device-width,initial-scale=1">' +
    `<meta http-equiv=Content-Security-Policy content="${CSP}">` +
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body><main><header>` +
    `<h1>${escapeHtml(title)}</h1><p class=mu>` +
    (version ? `Version ${escapeHtml(version)}` : "") +
    (server ? ` · Base path <code>${escapeHtml(server)}</code>` : "") + "</p>" +
    prose(info.description) +
    `<p><a href="${escapeHtml(options.specPath)}">OpenAPI document (JSON)</a></p></header>` +
    `<nav><h2>Operations</h2><ol>${contents}</ol></nav>` +
    operations.map((op) => operationSection(root, op)).join("") +
    "</main></body></html>\n";
}
