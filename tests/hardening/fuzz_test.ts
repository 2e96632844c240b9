/**
 * Property-based fuzzing of everything the browser controls: the JSON body, headers and path
 * parameters; then, as raw bytes over TCP to the real demo server, request lines and headers
 * no `fetch` would send. Invariant: a 4xx in Stripe's shape naming the parameter, never a 5xx,
 * never a call to Stripe for invalid input, and never the secret key in any answer.
 *
 * `FUZZ_RUNS` sets the cases per property (CI default below; `deno task test:heavy` runs more).
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { serveStripeMock } from "../../mock/serve_mock.ts";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import { headerOf, type RawResponse, sendRaw } from "../_helpers/raw_http.ts";
import { spawnServer } from "../_helpers/spawn_server.ts";
import {
  DESTINATION_CURRENCIES,
  DESTINATION_NETWORKS,
  SOURCE_CURRENCIES,
} from "../../validation/catalog.ts";
import { type BrowserField, DEFAULT_BROWSER_FIELDS } from "../../validation/policy.ts";
import { fakeUpstream, validAnswer } from "../_helpers/fake_upstream.ts";
import { SECRET_KEY, testApp } from "../_helpers/onramp_app.ts";
import { PROTOTYPE_KEYS } from "../_helpers/prototype_keys.ts";

const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 2000);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261125);

// Every create field, the platform-only ones opened too, so each one's parsing is fuzzed.
const FIELDS = [
  ...DEFAULT_BROWSER_FIELDS,
  "lock_wallet_address",
  "metadata",
  "kyc_details",
] as const satisfies readonly BrowserField[];

const app = testApp({
  upstream: fakeUpstream(validAnswer),
  policy: { browserFields: FIELDS },
});
let casesRun = 0;
// Refusals about the request as a whole, where there is no parameter to name.
const WHOLE_REQUEST_CODES = new Set(["invalid_json", "invalid_body", "request_too_large"]);

/** Sends one request and checks every invariant; returns the status. */
async function checkInvariants(path: string, init: RequestInit, ip?: string): Promise<number> {
  casesRun++;
  const before = app.upstream.requests.length;
  const res = await app.request(path, init, ip);
  const text = await res.text();
  const calls = app.upstream.requests.length - before;
  const everything = text + JSON.stringify([...res.headers]);
  assert(!everything.includes(SECRET_KEY) && !everything.includes("sk_test"), "the key leaked");
  assert(
    res.status < 500,
    `${res.status} for ${init.method ?? "GET"} ${path}: ${text.slice(0, 300)}`,
  );
  if (res.status === 200) {
    assert(calls <= 1, "one request, at most one call to Stripe");
    return res.status;
  }
  assertEquals(calls, 0, `Stripe was called for a refused request: ${text.slice(0, 200)}`);
  const { error } = JSON.parse(text);
  assert(typeof error?.message === "string" && error.message.length > 0, text);
  assert(["invalid_request_error", "api_error"].includes(error.type), text);
  // Nothing looked up through Object.prototype shows in a message.
  assert(!/native code|\[object /.test(error.message), `inherited value in: ${text}`);
  if (res.status === 400 && !WHOLE_REQUEST_CODES.has(error.code)) {
    assert(typeof error.param === "string" && error.param.length > 0, `no param named: ${text}`);
  }
  return res.status;
}

const post = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body,
});

// Values that stress parsers: huge, deep, odd characters, wrong types.
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.string({ unit: "binary", maxLength: 50 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\u202e",
    "１００",
    "1e3",
    "-1",
    "0x10",
    "NaN",
    "Infinity",
    "100.",
    ".5",
  ),
  fc.string({ minLength: 2_000, maxLength: 5_000 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    hostileString,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(hostileString, tie("value"), { maxKeys: 5 }),
  ),
})).value;
const pollutionKey = fc.constantFrom(...PROTOTYPE_KEYS);

/** An enum value's neighbours: near misses that must all be refused. */
const neighbours = (values: readonly string[]) =>
  fc.constantFrom(...values).chain((value) =>
    fc.constantFrom(
      value.toUpperCase(),
      ` ${value}`,
      `${value} `,
      `${value}s`,
      value.slice(1),
      value.slice(0, -1),
      value.replace(/a/, "а"), // Cyrillic a
      `${value}\u0000`,
    ).filter((candidate) => !values.includes(candidate))
  );

Deno.test("fuzz: arbitrary JSON bodies never cause a 5xx or an upstream call when refused", async () => {
  await fc.assert(
    fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (body) => {
      await checkInvariants("/onramp/sessions", post(JSON.stringify(body)));
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

Deno.test("fuzz: known fields with hostile values are refused with a known field named", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...FIELDS), hostileValue, async (field, value) => {
      const body = JSON.stringify({ [field]: value });
      const status = await checkInvariants("/onramp/sessions", post(body));
      if (status !== 400) return;
      const { error } = await (await app.request("/onramp/sessions", post(body))).json();
      // The field itself, a part of it, or (for a valid value) the field a create rule ties it to.
      const root = String(error.param).split("[")[0] ?? "";
      assert((FIELDS as readonly string[]).includes(root), `param ${error.param} for ${field}`);
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

Deno.test("fuzz: prototype-pollution keys at any depth are refused and pollute nothing", async () => {
  await fc.assert(
    fc.asyncProperty(
      pollutionKey,
      fc.constantFrom("", "wallet_addresses", "kyc_details", "metadata", "kyc_details.address"),
      hostileValue,
      async (key, where, value) => {
        const inner = `{${JSON.stringify(key)}: ${JSON.stringify(value ?? null)}}`;
        const body = where.split(".").filter(Boolean).reduceRight(
          (acc, part) => `{"${part}": ${acc}}`,
          inner,
        );
        await checkInvariants("/onramp/sessions", post(body));
        assertEquals(({} as Record<string, unknown>).polluted, undefined);
        assertEquals(Object.prototype.toString.call({}), "[object Object]");
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
});

Deno.test("fuzz: every enum's neighbours are refused, naming the parameter", async () => {
  const cases = [
    ["destination_network", neighbours(DESTINATION_NETWORKS)],
    ["destination_currency", neighbours(DESTINATION_CURRENCIES)],
    ["source_currency", neighbours(SOURCE_CURRENCIES)],
  ] as const;
  for (const [param, arbitrary] of cases) {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (value) => {
        const res = await app.request("/onramp/sessions", post(JSON.stringify({ [param]: value })));
        casesRun++;
        assertEquals(res.status, 400, `${param}=${JSON.stringify(value)}`);
        assertEquals((await res.json()).error.param, param);
      }),
      { numRuns: Math.min(RUNS, 200), seed: SEED },
    );
  }
});

Deno.test("fuzz: raw bytes, broken JSON and deep nesting are a 4xx, never a crash", async () => {
  const deep = fc.integer({ min: 1, max: 5_000 }).map((depth) =>
    "[".repeat(depth) + "]".repeat(depth)
  );
  const deepObject = fc.integer({ min: 1, max: 2_000 }).map((depth) =>
    '{"metadata":'.repeat(depth) + "{}" + "}".repeat(depth)
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ unit: "binary" }), deep, deepObject), async (raw) => {
      await checkInvariants("/onramp/sessions", post(raw));
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

Deno.test("fuzz: hostile headers never cause a 5xx", async () => {
  const headerValue = fc.string({ maxLength: 300 }).filter((value) =>
    /^[\t\x20-\x7e\x80-\xff]*$/.test(value)
  );
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        "content-type": fc.oneof(headerValue, fc.constant("application/json")),
        "idempotency-key": headerValue,
        "x-forwarded-for": headerValue,
        forwarded: headerValue,
        "x-real-ip": headerValue,
        origin: headerValue,
      }, { requiredKeys: [] }),
      async (headers) => {
        await checkInvariants("/onramp/sessions", { method: "POST", headers, body: "{}" });
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
});

Deno.test("fuzz: hostile path parameters and queries never cause a 5xx", async () => {
  await fc.assert(
    fc.asyncProperty(hostileString, hostileString, async (id, query) => {
      await checkInvariants(`/onramp/sessions/${encodeURIComponent(id)}`, {});
      await checkInvariants(
        `/onramp/quotes?${
          query.length > 0 ? encodeURIComponent(query) + "=" + encodeURIComponent(id) : ""
        }`,
        {},
      );
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

// Raw requests cost a connection each: half the runs per property, per server.
const RAW_RUNS = Math.max(50, Math.floor(RUNS / 2));
const RAW_SECRET = "sk_test_RawFuzzSecretThatMustNeverBeShown";

/**
 * Text as it comes off the wire, one byte per character: printable ASCII and Latin-1, and tabs;
 * with `controls`, rarely a NUL or DEL as well (which Deno's parser refuses).
 */
const wireText = (maxLength: number, controls = false) =>
  fc.array(
    fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
      { weight: 3, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
      { weight: 1, arbitrary: controls ? fc.constantFrom(0x09, 0x00, 0x7f) : fc.constant(0x09) },
    ),
    { maxLength },
  ).map((codes) => String.fromCharCode(...codes));

const hostileHost = (controls: boolean) =>
  fc.oneof(
    fc.constantFrom(
      "localhost",
      "a:b:c",
      "[::1",
      "x:99999",
      "x/y",
      "x?y#z",
      "user@x",
      "",
      " ",
      "[::1]:80",
      "[zz]",
      "%zz",
      "shop.example",
      "SHOP.example:443",
      "1.2.3.4:0x50",
      ":80",
    ),
    wireText(40, controls),
  );
const hostileOrigin = (controls: boolean) =>
  fc.oneof(
    fc.constantFrom(
      "null",
      "http://localhost",
      "https://shop.example",
      "http://a:b:c",
      "http://[::1",
      "file://",
      "",
      "https://shop.example, https://evil.example",
    ),
    hostileHost(controls).map((host) => `http://${host}`),
    wireText(40, controls),
  );
const forwardedValue = (controls: boolean) =>
  fc.oneof(
    fc.constantFrom(
      "https",
      "http, https",
      "javascript",
      "shop.example",
      "evil.example, shop.example",
      "for=1.2.3.4;proto=https;host=shop.example",
      'for="[::1]";proto=https;host="shop.example:8443"',
      'host="unterminated',
      "proto=https;proto=http",
      ",,,",
      "6.6.6.6, 127.0.0.1",
    ),
    wireText(60, controls),
  );
// Pieces of a request target: percent garbage, dot segments, prototype names. Printable ASCII
// only, so Deno's parser lets them through to the app.
const pathPiece = fc.constantFrom(
  "a",
  "/",
  "%",
  "%zz",
  "%00",
  "%E0%A4",
  "%ED%A0%80",
  "%2e%2e",
  "%2F",
  "%25",
  "..",
  ".",
  "?",
  "#",
  "&",
  "=",
  "[",
  "]",
  "__proto__",
  "constructor",
  "toString[]",
  ";",
  "@",
  "cos_123",
);
const ROUTES = [
  "/onramp/sessions",
  "/onramp/quotes",
  "/onramp/sessions/cos_123",
  "/onramp/openapi.json",
  "/onramp/docs",
  "/onramp",
  "/onramp/",
  "/",
];
const printableTarget = fc.stringMatching(/^[\x21-\x7e]{1,80}$/);
const requestTarget = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ROUTES) },
  {
    weight: 5,
    arbitrary: fc.tuple(fc.constantFrom(...ROUTES), fc.array(pathPiece, { maxLength: 8 })).map((
      [route, pieces],
    ) => route + pieces.join("")),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom("http", "https", "ftp", "foo"),
      fc.constantFrom("localhost", "a:b:c", "[::1", "x:99999", "user@x", "shop.example", "[zz]"),
      fc.constantFrom(...ROUTES),
    ).map(([scheme, host, route]) => `${scheme}://${host}${route}`),
  },
  { weight: 1, arbitrary: fc.constantFrom("*", "localhost:443", "[::1]:80", "a:b:c") },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 500, max: 20_000 }).map((n) =>
      `/onramp/sessions/${"a".repeat(n)}`
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "/onramp/../onramp/quotes",
      "/../onramp/quotes",
      "/onramp/./sessions",
      "//onramp/quotes",
      "/onramp/%2e%2e/onramp/quotes",
      "/onramp/sessions/..",
      "/onramp/sessions/../../../etc/passwd",
      "/onramp/quotes?__proto__[x]=1&constructor=2&toString=3",
      "/onramp/quotes?destination_networks[__proto__]=x",
    ),
  },
  { weight: 1, arbitrary: printableTarget },
);
const tokenMethod = fc.oneof(
  fc.constantFrom("GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT"),
  fc.constantFrom("get", "post", "FOO", "M-SEARCH"),
  fc.stringMatching(/^[A-Z]{1,12}$/),
);

interface RawCase {
  method: string;
  target: string;
  version: string;
  headers: [string, string][];
  body: string;
}

const rawBody = fc.oneof(
  fc.constant(""),
  fc.constant("{}"),
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
  fc.constant('{"source_amount":"100","destination_networks":["ethereum"]}'),
  fc.constant('{"__proto__":{"x":1},"constructor":{"prototype":1},"toString":"x"}'),
  wireText(100),
);

const contentType = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/json;",
    "application/json ; charset=utf-8",
    "Application/JSON",
    "application/vnd.api+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
  ),
  wireText(40),
);

/** The headers an attacker controls, by name; with `controls`, values Deno may refuse too. */
const namedHeader = (controls: boolean): fc.Arbitrary<[string, string]> => {
  const named = (name: string, value: fc.Arbitrary<string>) =>
    value.map((text): [string, string] => [name, text]);
  return fc.oneof(
    named("Origin", hostileOrigin(controls)),
    named("X-Forwarded-For", forwardedValue(controls)),
    named("X-Forwarded-Proto", forwardedValue(controls)),
    named("X-Forwarded-Host", forwardedValue(controls)),
    named("Forwarded", forwardedValue(controls)),
    named("Content-Type", contentType),
    named("Idempotency-Key", wireText(300, controls)),
    named("CF-Connecting-IP", fc.constantFrom("6.6.6.6", "::1", "garbage")),
    named("Expect", fc.constantFrom("100-continue", "nonsense")),
    fc.tuple(fc.constantFrom("__proto__", "constructor", "toString", "valueOf"), wireText(20)),
  );
};

// Well-formed HTTP/1.1 with hostile metadata: what reaches our code.
const wellFormedCase: fc.Arbitrary<RawCase> = fc.record({
  method: tokenMethod,
  target: requestTarget,
  version: fc.constantFrom("HTTP/1.1", "HTTP/1.1", "HTTP/1.0"),
  headers: fc.tuple(
    fc.option(hostileHost(false), { nil: undefined }),
    fc.array(namedHeader(false), { maxLength: 6 }),
  ).map(([host, rest]) =>
    host === undefined ? rest : [["Host", host] as [string, string], ...rest]
  ),
  body: rawBody,
});

// Anything at all: broken request lines, repeated Host, wrong framing, control bytes. Mostly
// Deno's parser's business; the few that get through are ours.
const malformedCase: fc.Arbitrary<RawCase> = fc.record({
  method: fc.oneof(tokenMethod, fc.constantFrom("", "G@T", "GET\t", " GET", "GET GET")),
  target: fc.oneof(requestTarget, wireText(80, true), fc.constant("/onramp/\xff")),
  version: fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9", "", "http/1.1"),
  headers: fc.array(
    fc.oneof(
      namedHeader(true),
      hostileHost(true).map((value): [string, string] => ["Host", value]),
      fc.constantFrom("-1", "abc", "1, 2", "99999999999999999999", " 0", "+0", "0x0", "0")
        .map((value): [string, string] => ["Content-Length", value]),
      fc.constantFrom("chunked", "gzip", "chunked, chunked", "identity", "xchunked")
        .map((value): [string, string] => ["Transfer-Encoding", value]),
      fc.tuple(fc.constantFrom("X-\xff", "Bad Name", ""), wireText(10)),
    ),
    { maxLength: 8 },
  ),
  body: rawBody,
});

function toBytes(request: RawCase): string {
  const { headers, body } = request;
  // Unless the case sets its own framing, frame the body honestly so the server is not left
  // waiting for bytes that never come.
  const framed = headers.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name));
  const framing = framed || body === "" ? "" : `Content-Length: ${body.length}\r\n`;
  const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join("");
  const requestLine = [request.method, request.target, request.version].filter(Boolean).join(" ");
  return `${requestLine}\r\n${lines}${framing}Connection: close\r\n\r\n${body}`;
}

// Deno's HTTP parser refuses some requests itself, before any of our code runs: a bare status
// with no body and no Content-Type. Everything else is ours, and must be in Stripe's shape.
function isRuntimeRefusal(res: RawResponse): boolean {
  return res.body === "" && headerOf(res, "content-type") === undefined;
}

const rawOutcomes = { ours: 0, refusedByDeno: 0, unanswered: 0 };

function checkRawInvariants(request: RawCase, res: RawResponse): void {
  casesRun++;
  const context = `${JSON.stringify(toBytes(request).slice(0, 400))} -> ${res.raw.slice(0, 300)}`;
  assert(!res.raw.includes(RAW_SECRET) && !res.raw.includes("sk_test_"), `key leaked: ${context}`);
  assertEquals(res.trailing, "", `a second answer on one connection: ${context}`);
  if (res.status === 0) {
    rawOutcomes.unanswered++; // the server closed (or waited for a body the case never sent)
    return;
  }
  assert(res.status < 500, `5xx: ${context}`);
  if (isRuntimeRefusal(res) && res.status >= 400) {
    rawOutcomes.refusedByDeno++;
    assertEquals(res.status, 400, `a bare refusal that is not Deno's 400: ${context}`);
    return;
  }
  rawOutcomes.ours++;
  if (res.status < 400) return;
  assert(headerOf(res, "content-type")?.startsWith("application/json"), `not JSON: ${context}`);
  if (request.method === "HEAD") return; // no body to read
  const { error } = JSON.parse(res.body);
  assert(typeof error?.message === "string" && error.message.length > 0, context);
  assert(["invalid_request_error", "api_error"].includes(error.type), context);
  assert(!/native code|\[object /.test(error.message), `inherited value in: ${context}`);
}

Deno.test("fuzz: raw request lines and headers to the real demo server never get a 5xx", async (t) => {
  const mock = createStripeMock({ secretKeys: [RAW_SECRET] });
  const controller = new AbortController();
  const stripe = serveStripeMock(mock, { signal: controller.signal });
  // Trusting the fuzzer's own address (loopback) makes the server parse every forwarded
  // header it sends; the second server trusts nobody and must ignore them.
  for (const trusted of ["127.0.0.1", ""]) {
    const server = await spawnServer(Deno.execPath(), ["run", "-A", "demo/runtimes/deno.ts"], {
      STRIPE_SECRET_KEY: RAW_SECRET,
      STRIPE_API_BASE: stripe.url,
      PORT: "0",
      HOSTNAME: "127.0.0.1",
      TRUSTED_PROXIES: trusted,
    });
    const target = { hostname: "127.0.0.1", port: Number(new URL(server.url).port), idleMs: 1_500 };
    try {
      for (
        const [name, arbitrary, runs] of [
          ["well-formed HTTP, hostile metadata", wellFormedCase, RAW_RUNS],
          ["malformed HTTP", malformedCase, Math.ceil(RAW_RUNS / 4)],
        ] as const
      ) {
        await t.step(`${name}, TRUSTED_PROXIES=${JSON.stringify(trusted)}`, async () => {
          await fc.assert(
            fc.asyncProperty(arbitrary, async (request) => {
              checkRawInvariants(request, await sendRaw(target, toBytes(request)));
            }),
            { numRuns: runs, seed: SEED },
          );
        });
      }
      // Still serving, and nothing went to the unexpected-error path.
      const alive = await fetch(`${server.url}/onramp/openapi.json`);
      assertEquals(alive.status, 200);
      await alive.body?.cancel();
      assert(!/"status":5\d\d/.test(server.output()), server.output().slice(-2_000));
      assert(!server.output().includes(RAW_SECRET), "the key was printed");
    } finally {
      await server.stop();
    }
  }
  controller.abort();
  await stripe.finished;
  const total = rawOutcomes.ours + rawOutcomes.refusedByDeno + rawOutcomes.unanswered;
  console.log(
    `fuzz (raw): ${total} requests: ${rawOutcomes.ours} answered by our code, ` +
      `${rawOutcomes.refusedByDeno} refused by Deno's parser, ${rawOutcomes.unanswered} unanswered`,
  );
  // Most cases must reach our code, or the property would prove nothing about it.
  assert(rawOutcomes.ours >= RAW_RUNS, `only ${rawOutcomes.ours} cases reached our code`);
});

Deno.test("fuzz: summary", () => {
  console.log(`fuzz: ${casesRun} requests checked (FUZZ_RUNS=${RUNS}, seed ${SEED})`);
  const logged = JSON.stringify(app.logs);
  assert(
    !logged.includes(SECRET_KEY) && !logged.includes("_secret_"),
    "a log line leaked a secret",
  );
  assert(casesRun >= RUNS * 4, `only ${casesRun} cases ran`);
});
