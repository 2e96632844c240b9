/**
 * `GET /openapi.json` and `GET /docs`: the routes describe themselves, correctly under whatever
 * path the sub-app is mounted at.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import type { OpenAPIObject } from "openapi3-ts/oas31";
import type { OnrampEnv } from "../ip/customer_ip.ts";
import type { OnrampDocumentInput } from "../openapi/onramp_routes.ts";
import { DOCS_PAGE_POLICY, renderDocsPage } from "./docs_page.ts";

const SPEC_PATH = "/openapi.json";
const DOCS_PATH = "/docs";
// A sub-app mounted under a path parameter sees a new prefix per value; keep a few only.
const MAX_CACHED_PREFIXES = 16;
const RETRY_FAILED_BUILD_MS = 10_000;

// "/onramp/openapi.json" requested through a sub-app mounted at "/onramp" → "/onramp". Hono's
// path is percent-decoded, and under a mount with a parameter (`/:tenant`) it holds whatever
// the request sent: write it back as a valid URL path before it becomes the document's server
// URL and the page's link. A path that does not end as the route does (a platform's own
// `getPath`) gives the root rather than a guess.
function mountPrefix(c: Context, ownPath: string): string {
  const path = c.req.path;
  return path.endsWith(ownPath) ? toUrlPath(path.slice(0, path.length - ownPath.length)) : "";
}

// What a URL path may hold as it is (RFC 3986 `pchar` and "/", https://www.rfc-editor.org/rfc/rfc3986#section-3.3),
// and "%" only where it starts an escape; anything else is percent-encoded as UTF-8. Never
// throws: a lone surrogate (which encodeURI rejects) is encoded as U+FFFD.
const NOT_IN_PATH = /%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu;
const utf8 = new TextEncoder();

function toUrlPath(text: string): string {
  return text.replace(NOT_IN_PATH, (char) => {
    let escaped = "";
    for (const byte of utf8.encode(char)) {
      escaped += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
    return escaped;
  });
}

/**
 * Registers the OpenAPI 3.1 document and the human docs page. The document is neither loaded
 * nor built before the first request for either: its modules (the response schemas, zod's JSON
 * Schema conversion) are imported then, the document built once from `describe()`, and each
 * mount prefix gets its own `servers`.
 *
 * @param app The onramp sub-app.
 * @param describe What the document follows: the app's schemas and options.
 */
export function registerDocs(app: Hono<OnrampEnv>, describe: () => OnrampDocumentInput): void {
  let built: Promise<OpenAPIObject> | undefined;
  // A build that failed is tried again after a pause, not on every request: the routes are
  // public, and a failing build would otherwise cost its whole work each time.
  let failedAt = -Infinity;
  const documents = new Map<string, OpenAPIObject>();
  const documentFor = async (prefix: string) => {
    if (built === undefined && Date.now() - failedAt >= RETRY_FAILED_BUILD_MS) {
      built = import("../openapi/onramp_routes.ts").then((module) =>
        module.onrampDocument(describe())
      );
      built.catch(() => {
        failedAt = Date.now();
        built = undefined;
      });
    }
    if (built === undefined) throw new Error("The OpenAPI document could not be built");
    const base = await built;
    let document = documents.get(prefix);
    if (document === undefined) {
      document = { ...base, servers: [{ url: prefix === "" ? "/" : prefix }] };
      if (documents.size >= MAX_CACHED_PREFIXES) documents.clear();
      documents.set(prefix, document);
    }
    return document;
  };
  app.get(SPEC_PATH, async function openApiDocument(c) {
    return c.json(await documentFor(mountPrefix(c, SPEC_PATH)));
  });
  app.get(DOCS_PATH, async function docsPage(c) {
    const prefix = mountPrefix(c, DOCS_PATH);
    const document = await documentFor(prefix);
    // The page loads nothing and runs nothing; say so before the browser parses a byte.
    c.header("Content-Security-Policy", DOCS_PAGE_POLICY);
    return c.html(renderDocsPage(document, { specPath: prefix + SPEC_PATH }));
  });
}
