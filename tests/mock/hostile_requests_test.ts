/**
 * The mock served over real HTTP (`serveStripeMock`) against hostile requests: malformed Host
 * values and request targets, and prototype-named keys in form bodies and queries. Never a
 * 5xx, always Stripe's error shape, and `__proto__`, `constructor` and friends are ordinary
 * parameter names.
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { serveStripeMock } from "../../mock/serve_mock.ts";
import { createStripeMock, type StripeMock } from "../../mock/stripe_mock.ts";
import { headerOf, sendRaw } from "../_helpers/raw_http.ts";
import { KEY, SESSIONS } from "./_helpers.ts";
import { PROTOTYPE_KEYS } from "../_helpers/prototype_keys.ts";

async function withServedMock(
  run: (target: { hostname: string; port: number; url: string }, mock: StripeMock) => Promise<void>,
) {
  const mock = createStripeMock();
  const controller = new AbortController();
  const served = serveStripeMock(mock, { signal: controller.signal });
  try {
    await run(
      { hostname: "127.0.0.1", port: Number(new URL(served.url).port), url: served.url },
      mock,
    );
  } finally {
    controller.abort();
    await served.finished;
  }
}

Deno.test("mock over HTTP: a Host that makes no URL is a Stripe-shaped 400, never a 500", async () => {
  await withServedMock(async (target) => {
    for (const host of ["a:b:c", "[::1", "x:99999", "a b", "[zz]"]) {
      for (
        const [method, body] of [["GET", ""], ["POST", "destination_networks[0]=ethereum"]] as const
      ) {
        const res = await sendRaw(
          target,
          `${method} ${SESSIONS} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${KEY}\r\n` +
            `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n` +
            `Connection: close\r\n\r\n${body}`,
        );
        const context = `${method} with Host ${JSON.stringify(host)}: ${res.raw.slice(0, 300)}`;
        assertEquals(res.status, 400, context);
        assertEquals(headerOf(res, "content-type"), "application/json", context);
        const { error } = JSON.parse(res.body);
        assertEquals(error.type, "invalid_request_error", context);
        assert(typeof error.message === "string" && error.message.includes("Host"), context);
      }
    }
  });
});

Deno.test("mock over HTTP: prototype-named form keys are unknown parameters, named plainly", async () => {
  await withServedMock(async ({ url }, mock) => {
    for (const key of PROTOTYPE_KEYS) {
      for (const name of [key, `kyc_details[${key}]`, `kyc_details[address][${key}]`]) {
        const res = await fetch(`${url}${SESSIONS}`, {
          method: "POST",
          headers: {
            Authorization: `Bearer ${KEY}`,
            "Content-Type": "application/x-www-form-urlencoded",
          },
          body: `${encodeURIComponent(name)}=1`,
        });
        const { error } = await res.json();
        assertEquals(res.status, 400, name);
        assertEquals(error.param, name);
        assertEquals(error.message, `Received unknown parameter: ${name}`);
      }
    }
    assertEquals(mock.stats.sessionsCreated, 0);
  });
});

Deno.test("mock over HTTP: prototype-named metadata keys are kept as ordinary keys", async () => {
  await withServedMock(async ({ url }) => {
    // __proto__ is left out: zod's record drops it (reported to validation/, see the report).
    const keys = PROTOTYPE_KEYS.filter((key) => key !== "__proto__");
    const res = await fetch(`${url}${SESSIONS}`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${KEY}`,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: keys.map((key) => `metadata[${key}]=v_${key}`).join("&"),
    });
    assertEquals(res.status, 200);
    const session = await res.json();
    assertEquals(session.metadata, Object.fromEntries(keys.map((key) => [key, `v_${key}`])));
  });
});

Deno.test("mock over HTTP: prototype-named query keys are unknown parameters on every GET", async () => {
  await withServedMock(async ({ url }) => {
    for (const path of [SESSIONS, `${SESSIONS}/cos_123`, "/v1/crypto/onramp_quotes"]) {
      for (const key of PROTOTYPE_KEYS) {
        for (const name of [key, `created[${key}]`]) {
          const res = await fetch(`${url}${path}?${encodeURIComponent(name)}=1`, {
            headers: { Authorization: `Bearer ${KEY}` },
          });
          const { error } = await res.json();
          assertEquals(res.status, 400, `${path} ${name}`);
          // The name itself, or its root where the endpoint takes no hash of that name.
          const root = name.split("[")[0];
          assert([name, root].includes(error.param), `${path} ${name}: ${error.param}`);
          assert(!error.message.includes("native code"), `${path} ${name}: ${error.message}`);
        }
      }
    }
  });
});

Deno.test("mock: form bodies and queries built from prototype names never throw or pollute", async () => {
  const mock = createStripeMock();
  const names = fc.constantFrom(
    ...PROTOTYPE_KEYS,
    "metadata",
    "kyc_details",
    "address",
    "wallet_addresses",
    "destination_networks",
    "created",
    "limit",
    "",
    "0",
  );
  const formName = fc.tuple(names, fc.array(names, { maxLength: 4 })).map(([head, rest]) =>
    head + rest.map((segment) => `[${segment}]`).join("")
  );
  const form = fc.array(fc.tuple(formName, fc.string({ maxLength: 8 })), { maxLength: 6 }).map(
    (pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"),
  );
  const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
  await fc.assert(
    fc.asyncProperty(form, fc.constantFrom("create", "list", "retrieve", "quotes"), async (
      body,
      endpoint,
    ) => {
      const headers = { Authorization: `Bearer ${KEY}` };
      const request = endpoint === "create"
        ? new Request(`https://api.stripe.test${SESSIONS}`, {
          method: "POST",
          headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
          body,
        })
        : new Request(
          `https://api.stripe.test${
            { list: SESSIONS, retrieve: `${SESSIONS}/cos_1`, quotes: "/v1/crypto/onramp_quotes" }[
              endpoint
            ]
          }?${body}`,
          { headers },
        );
      const res = await mock.fetch(request);
      const text = await res.text();
      assert(
        res.status === 200 || (res.status >= 400 && res.status < 500),
        `${res.status} ${text}`,
      );
      if (res.status !== 200) {
        const { error } = JSON.parse(text);
        assertEquals(error.type, "invalid_request_error", text);
        assert(!/native code|\[object /.test(error.message), `${body}: ${error.message}`);
      }
      assertEquals(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeNames);
    }),
    { numRuns: 1000, seed: 20261201 },
  );
});
