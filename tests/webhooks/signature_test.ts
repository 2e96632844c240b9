/**
 * The verifier against Stripe's official Node library: `stripe.webhooks.generateTestHeaderString`
 * signs, and `stripe.webhooks.constructEventAsync` must agree with us on every case it covers.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import Stripe from "stripe";
import { checkWebhookSecrets, createSignatureVerifier } from "../../webhooks/signature.ts";

const stripe = new Stripe("sk_test_oracle");
const SECRET = "whsec_test_0123456789abcdefABCDEF";
const OTHER_SECRET = "whsec_test_rolled_secret_99";
const NOW_S = 1_764_000_000;
const NOW_MS = NOW_S * 1000 + 250;
const TOLERANCE = 300;
const encoder = new TextEncoder();

const payloadOf = (id = "evt_1") =>
  JSON.stringify({ id, object: "event", type: "crypto.onramp_session_updated", created: NOW_S });

// Under Deno, stripe-node signs with Web Crypto, so only the async variant of
// generateTestHeaderString is available; it produces the same header.
function sign(payload: string, secret = SECRET, timestamp = NOW_S): Promise<string> {
  return stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp });
}

async function ours(payload: string, header: string | undefined, secrets = [SECRET]) {
  const verifier = createSignatureVerifier(secrets, TOLERANCE);
  return (await verifier.verify(encoder.encode(payload), header, NOW_MS)).ok;
}

async function stripes(payload: string, header: string, secret = SECRET): Promise<boolean> {
  try {
    await stripe.webhooks.constructEventAsync(
      payload,
      header,
      secret,
      TOLERANCE,
      undefined,
      NOW_MS,
    );
    return true;
  } catch {
    return false;
  }
}

const v1Of = (header: string) => header.split(",").find((part) => part.startsWith("v1="))!;

const CASES: [string, () => Promise<[payload: string, header: string]>, boolean][] = [
  ["a delivery signed now", async () => [payloadOf(), await sign(payloadOf())], true],
  [
    "a delivery 299 s old",
    async () => [payloadOf(), await sign(payloadOf(), SECRET, NOW_S - 299)],
    true,
  ],
  [
    "a delivery 301 s old",
    async () => [payloadOf(), await sign(payloadOf(), SECRET, NOW_S - 301)],
    false,
  ],
  ["a tampered body", async () => [payloadOf("evt_2"), await sign(payloadOf("evt_1"))], false],
  [
    "a body with one byte more",
    async () => [payloadOf() + " ", await sign(payloadOf())],
    false,
  ],
  [
    "another secret's signature",
    async () => [payloadOf(), await sign(payloadOf(), OTHER_SECRET)],
    false,
  ],
  [
    "a tampered timestamp",
    async () => [payloadOf(), (await sign(payloadOf())).replace(`t=${NOW_S}`, `t=${NOW_S - 1}`)],
    false,
  ],
  [
    "two v1 entries, the second valid (a secret roll)",
    async () => [payloadOf(), `t=${NOW_S},v1=${"0".repeat(64)},${v1Of(await sign(payloadOf()))}`],
    true,
  ],
  [
    "two v1 entries, neither valid",
    () => Promise.resolve([payloadOf(), `t=${NOW_S},v1=${"0".repeat(64)},v1=${"f".repeat(64)}`]),
    false,
  ],
  [
    "a v0 signature only",
    async () => [payloadOf(), `t=${NOW_S},v0=${v1Of(await sign(payloadOf())).slice(3)}`],
    false,
  ],
  [
    "a valid v1 beside a v0",
    async () => [payloadOf(), `t=${NOW_S},v0=${"a".repeat(64)},${v1Of(await sign(payloadOf()))}`],
    true,
  ],
  ["no timestamp", async () => [payloadOf(), v1Of(await sign(payloadOf()))], false],
  ["a garbled header", () => Promise.resolve([payloadOf(), "not a signature"]), false],
  ["an empty header", () => Promise.resolve([payloadOf(), ""]), false],
  [
    "a unicode body",
    async () => [payloadOf("evt_ünïcødé_€"), await sign(payloadOf("evt_ünïcødé_€"))],
    true,
  ],
];

for (const [name, make, expected] of CASES) {
  Deno.test(`verify() agrees with stripe-node on ${name}`, async () => {
    const [payload, header] = await make();
    assertEquals(await stripes(payload, header), expected, "stripe-node's verdict");
    assertEquals(await ours(payload, header), expected, "our verdict");
  });
}

Deno.test("verify() agrees with stripe-node on arbitrary payloads, secrets and ages", async () => {
  await fc.assert(
    fc.asyncProperty(
      // stripe-node also parses the payload as JSON, so the payloads are JSON texts.
      fc.json({ maxDepth: 3 }),
      fc.stringMatching(/^[A-Za-z0-9]{1,40}$/),
      fc.integer({ min: -TOLERANCE, max: 2 * TOLERANCE }),
      fc.boolean(),
      async (payload, secretTail, age, tamper) => {
        const secret = `whsec_${secretTail}`;
        const header = await sign(payload, secret, NOW_S - age);
        const received = tamper ? payload + "x" : payload;
        const verdict = await ours(received, header, [secret]);
        // Within the tolerance either way, and past it in the past, the verdicts agree.
        assertEquals(verdict, await stripes(received, header, secret));
      },
    ),
    { numRuns: 200, seed: 42 },
  );
});

Deno.test("verify() accepts a delivery signed with any configured secret (rotation)", async () => {
  const payload = payloadOf();
  assert(await ours(payload, await sign(payload, OTHER_SECRET), [SECRET, OTHER_SECRET]));
  assert(await ours(payload, await sign(payload, SECRET), [SECRET, OTHER_SECRET]));
  assert(!(await ours(payload, await sign(payload, "whsec_retired"), [SECRET, OTHER_SECRET])));
});

Deno.test("verify() refuses a timestamp beyond the tolerance in the future, where stripe-node does not", async () => {
  const payload = payloadOf();
  const header = await sign(payload, SECRET, NOW_S + TOLERANCE + 1);
  assert(await stripes(payload, header), "stripe-node checks only the age");
  assertEquals(await ours(payload, header), false);
  assert(await ours(payload, await sign(payload, SECRET, NOW_S + TOLERANCE - 1)));
});

Deno.test("verify() says why, and never echoes the secret", async () => {
  const verifier = createSignatureVerifier([SECRET], TOLERANCE);
  const body = encoder.encode(payloadOf());
  const cases: [string | undefined, string][] = [
    [undefined, "missing_header"],
    ["t=abc,v1=" + "0".repeat(64), "malformed_header"],
    [`t=${NOW_S},t=${NOW_S},v1=${"0".repeat(64)}`, "malformed_header"],
    [`t=${NOW_S}`, "no_v1_signature"],
    [`t=${NOW_S},v0=${"0".repeat(64)}`, "no_v1_signature"],
    // A malformed v1 is a signature that matches nothing, not a missing one.
    [`t=${NOW_S},v1=00`, "no_matching_signature"],
    [`t=${NOW_S},v1=${"A".repeat(64)}`, "no_matching_signature"],
    [await sign(payloadOf(), SECRET, NOW_S - 1000), "timestamp_outside_tolerance"],
    [await sign(payloadOf("evt_9")), "no_matching_signature"],
  ];
  for (const [header, failure] of cases) {
    const result = await verifier.verify(body, header, NOW_MS);
    assert(!result.ok);
    assertEquals(result.failure, failure);
    assert(!result.message.includes(SECRET) && !result.message.includes("whsec_"));
  }
});

Deno.test("verify() checks the raw bytes, not their decoding", async () => {
  const verifier = createSignatureVerifier([SECRET], TOLERANCE);
  const text = payloadOf();
  const header = await sign(text);
  const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(text)]);
  assertEquals((await verifier.verify(withBom, header, NOW_MS)).ok, false);
  assertEquals((await verifier.verify(encoder.encode(text), header, NOW_MS)).ok, true);
});

Deno.test("checkWebhookSecrets() refuses what is not a whsec_ secret, without echoing it", () => {
  for (
    const secrets of [
      [],
      "sk_test_123",
      "whsec_abc\n",
      " whsec_abc",
      "whsec_",
      ["whsec_ok", "whsec_bad value"],
    ]
  ) {
    const error = assertThrows(() => checkWebhookSecrets(secrets as string[]), TypeError);
    assert(!/whsec_abc|sk_test_123|bad value/.test(error.message), error.message);
  }
  assertEquals(checkWebhookSecrets("whsec_ok"), ["whsec_ok"]);
  assertEquals(checkWebhookSecrets(["whsec_a", "whsec_b"]), ["whsec_a", "whsec_b"]);
});
