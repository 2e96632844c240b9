import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { DEFAULT_BROWSER_FIELDS } from "../../validation/policy.ts";
import { neverCalled } from "../_helpers/fake_upstream.ts";
import { jsonPost } from "../_helpers/onramp_app.ts";
import { serveTestApp } from "../_helpers/served_test_app.ts";

// A lone UTF-16 surrogate: JSON carries it (as "\ud800"), UTF-8 cannot.
const LONE = "\ud800";
const EVERY_FIELD = [
  ...DEFAULT_BROWSER_FIELDS,
  "lock_wallet_address",
  "metadata",
  "kyc_details",
] as const;

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

/** A place where the body holds a string: a value at `path`, or (for records) a key. */
interface StringSlot {
  path: string[];
  key: boolean;
}

// Every string the documented create body can hold, at any depth, read from the served
// document: a field added later is covered without touching this test.
function stringSlots(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  path: string[] = [],
): StringSlot[] {
  if (schema.$ref) {
    return stringSlots(components[schema.$ref.split("/").pop()!]!, components, path);
  }
  const branches = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  if (branches.length > 0) {
    const seen = new Map<string, StringSlot>();
    for (const slot of branches.flatMap((branch) => stringSlots(branch, components, path))) {
      seen.set(JSON.stringify(slot), slot);
    }
    return [...seen.values()];
  }
  const types = [schema.type ?? []].flat();
  if (types.includes("string") || schema.enum?.some((value) => typeof value === "string")) {
    return [{ path, key: false }];
  }
  if (types.includes("array") && schema.items) {
    return stringSlots(schema.items, components, [...path, "0"]);
  }
  const slots: StringSlot[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    slots.push(...stringSlots(property, components, [...path, name]));
  }
  if (typeof schema.additionalProperties === "object") {
    slots.push({ path: [...path, "order_id"], key: true });
    slots.push(...stringSlots(schema.additionalProperties, components, [...path, "order_id"]));
  }
  return slots;
}

function bodyWith(slot: StringSlot): { body: unknown; param: string } {
  const root: Record<string, unknown> = {};
  let node: Record<string, unknown> | unknown[] = root;
  const path = slot.key ? [...slot.path.slice(0, -1), LONE] : slot.path;
  path.forEach((segment, i) => {
    const last = i === path.length - 1;
    const next = last ? (slot.key ? "x" : LONE) : /^\d+$/.test(path[i + 1]!) ? [] : {};
    (node as Record<string, unknown>)[segment] = next;
    node = next as Record<string, unknown>;
  });
  const [head, ...rest] = path;
  return { body: root, param: head + rest.map((segment) => `[${segment}]`).join("") };
}

Deno.test("POST /sessions refuses a lone surrogate in every string of the body, keys included, naming it", async () => {
  await using app = serveTestApp({
    policy: { browserFields: EVERY_FIELD },
    upstream: { fetch: neverCalled, requests: [] },
  });
  const document = await (await app.fetch("/openapi.json")).json();
  const { schemas } = document.components;
  const slots = stringSlots(schemas.CreateSessionRequest, schemas);
  const names = slots.map((slot) => bodyWith(slot).param);
  // The walk found the free-text fields of every depth, and metadata keys.
  for (
    const expected of [
      "wallet_addresses[ethereum]",
      "wallet_addresses[destination_tags][stellar]",
      "kyc_details[first_name]",
      "kyc_details[address][line1]",
      "metadata[order_id]",
      `metadata[${LONE}]`,
    ]
  ) {
    assert(names.includes(expected), `${expected} is not among ${names.join(", ")}`);
  }
  for (const slot of slots) {
    const { body, param } = bodyWith(slot);
    const res = await app.fetch("/sessions", jsonPost(body));
    const error = (await res.json()).error;
    assertEquals(res.status, 400, `${param}: ${JSON.stringify(error)}`);
    assertEquals([error.type, error.param], ["invalid_request_error", param]);
  }
});

Deno.test("POST /sessions says a lone surrogate is not well-formed text, for values and metadata keys", async () => {
  await using app = serveTestApp({ policy: { browserFields: EVERY_FIELD } });
  const cases: [unknown, string][] = [
    [
      { destination_networks: ["ethereum"], wallet_addresses: { ethereum: `0x${LONE}` } },
      "wallet_addresses[ethereum]",
    ],
    [{ metadata: { [`order${LONE}`]: "42" } }, `metadata[order${LONE}]`],
    [{ metadata: { order: `4${LONE}2` } }, "metadata[order]"],
    [{ kyc_details: { address: { city: LONE } } }, "kyc_details[address][city]"],
  ];
  for (const [body, param] of cases) {
    const res = await app.fetch("/sessions", jsonPost(body));
    assertEquals(res.status, 400, param);
    const error = (await res.json()).error;
    assertEquals([error.param, error.code], [param, "parameter_invalid"]);
    assertStringIncludes(error.message, "well-formed");
  }
  assertEquals(app.upstream.requests.length, 0, "nothing reached Stripe");
});

Deno.test("POST /sessions: a lone surrogate from resolveCustomer is the platform's fault, not the browser's", async () => {
  const platformData = [
    { metadata: { user_id: `u${LONE}` } },
    { metadata: { [LONE]: "x" } },
    { kyc_details: { last_name: LONE } },
    { wallet_addresses: { ethereum: LONE } },
  ];
  for (const data of platformData) {
    await using app = serveTestApp({ resolveCustomer: () => data });
    const res = await app.fetch(
      "/sessions",
      jsonPost({ destination_networks: ["ethereum"] }),
    );
    assertEquals(res.status, 500, JSON.stringify(data));
    const error = (await res.json()).error;
    assertEquals([error.type, error.code, error.param], [
      "api_error",
      "platform_misconfigured",
      undefined,
    ]);
    assertStringIncludes(error.message, "not this request");
    assertEquals(app.upstream.requests.length, 0);
    assertEquals(app.logs.map((entry) => [entry.level, entry.code]), [
      ["error", "platform_misconfigured"],
    ]);
    assertStringIncludes(app.logs[0]!.message, "resolveCustomer");
  }
});

Deno.test("GET /quotes refuses text that is not well-formed in any parameter, naming it", async () => {
  await using app = serveTestApp({ upstream: { fetch: neverCalled, requests: [] } });
  // What a URL makes of a lone surrogate: its WTF-8 bytes, decoded as replacement characters.
  for (
    const param of [
      "source_currency",
      "source_amount",
      "destination_amount",
      "destination_currencies",
      "destination_networks",
    ]
  ) {
    const res = await app.fetch(`/quotes?${param}=%ED%A0%80`);
    assertEquals(res.status, 400, param);
    assertStringIncludes((await res.json()).error.param, param);
  }
});
