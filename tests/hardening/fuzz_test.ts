/**
 * Property-based fuzzing of everything the browser controls: the JSON body, headers and path
 * parameters. Invariant: a 4xx in Stripe's shape naming the parameter, never a 5xx, never a call
 * to Stripe for invalid input, and never the secret key in any answer.
 *
 * `FUZZ_RUNS` sets the cases per property (CI default below; `deno task test:heavy` runs more).
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import {
  DESTINATION_CURRENCIES,
  DESTINATION_NETWORKS,
  SOURCE_CURRENCIES,
} from "../../validation/catalog.ts";
import { type BrowserField, DEFAULT_BROWSER_FIELDS } from "../../validation/policy.ts";
import { fakeUpstream, validAnswer } from "../_helpers/fake_upstream.ts";
import { SECRET_KEY, testApp } from "../_helpers/onramp_app.ts";

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
const pollutionKey = fc.constantFrom(
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
);

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

Deno.test("fuzz: summary", () => {
  console.log(`fuzz: ${casesRun} requests checked (FUZZ_RUNS=${RUNS}, seed ${SEED})`);
  const logged = JSON.stringify(app.logs);
  assert(
    !logged.includes(SECRET_KEY) && !logged.includes("_secret_"),
    "a log line leaked a secret",
  );
  assert(casesRun >= RUNS * 4, `only ${casesRun} cases ran`);
});
