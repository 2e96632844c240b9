import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { resolveRequestOrigin } from "../../ip/forwarded_origin.ts";
import { compileTrustedProxies, type TrustedProxies } from "../../ip/trusted_proxies.ts";

const LB = "10.0.0.5"; // a load balancer inside the trusted range
const CLIENT = "203.0.113.7"; // a peer nobody trusts
const TRUST_LB: TrustedProxies = ["10.0.0.0/8"];

// Options left out take the defaults; given as undefined, they are undefined.
function originOf(
  headers: Record<string, string>,
  options: { peer?: string | undefined; trusted?: TrustedProxies | undefined } = {},
): string | undefined {
  const peer = "peer" in options ? options.peer : LB;
  const trusted = "trusted" in options ? options.trusted : TRUST_LB;
  const url = "http://10.0.0.7:8000/onramp/sessions";
  const host = new URL(url).host;
  return resolveRequestOrigin(
    { url, peer, headers: new Headers({ host, ...headers }) },
    compileTrustedProxies(trusted),
  );
}

const cases: [name: string, headers: Record<string, string>, expected: string | undefined][] = [
  ["no forwarded header: the URL's own origin", {}, "http://10.0.0.7:8000"],
  [
    "X-Forwarded-Proto alone keeps the host",
    { "x-forwarded-proto": "https" },
    "https://10.0.0.7:8000",
  ],
  [
    "X-Forwarded-Proto and -Host",
    { "x-forwarded-proto": "https", "x-forwarded-host": "shop.example" },
    "https://shop.example",
  ],
  [
    "the right-most entry is the nearest proxy's",
    { "x-forwarded-proto": "http, https", "x-forwarded-host": "evil.example, shop.example" },
    "https://shop.example",
  ],
  [
    "a default port is dropped, as browsers write Origin",
    { "x-forwarded-proto": "https", "x-forwarded-host": "shop.example:443" },
    "https://shop.example",
  ],
  [
    "another port is kept",
    { "x-forwarded-proto": "HTTPS", "x-forwarded-host": "Shop.Example:8443" },
    "https://shop.example:8443",
  ],
  [
    "an IPv6 literal host",
    { "x-forwarded-proto": "https", "x-forwarded-host": "[2001:DB8::1]:8443" },
    "https://[2001:db8::1]:8443",
  ],
  [
    "RFC 7239 Forwarded, quoted host with a port",
    { forwarded: 'for=198.51.100.23;proto=https;host="shop.example:8443"' },
    "https://shop.example:8443",
  ],
  [
    "Forwarded: only the last element counts",
    { forwarded: "proto=http;host=evil.example, for=198.51.100.23;proto=https;host=shop.example" },
    "https://shop.example",
  ],
  [
    "Forwarded: names are case-insensitive, spaces around separators allowed",
    { forwarded: "For=1.2.3.4 ; Proto=https ; Host=shop.example" },
    "https://shop.example",
  ],
  [
    "Forwarded: a comma inside a quoted string does not split elements",
    { forwarded: 'for="[2001:db8::1]:1, x";proto=https;host=shop.example' },
    "https://shop.example",
  ],
  [
    "both families agreeing",
    { "x-forwarded-proto": "https", forwarded: "proto=https;host=shop.example" },
    "https://shop.example",
  ],
  [
    "both families disagreeing: a client wrote one",
    { "x-forwarded-host": "evil.example", forwarded: "proto=https;host=shop.example" },
    undefined,
  ],
  ["a blank header says nothing", { "x-forwarded-proto": " " }, "http://10.0.0.7:8000"],
  ["an unknown scheme", { "x-forwarded-proto": "javascript" }, undefined],
  ["an empty right-most entry", { "x-forwarded-proto": "https," }, undefined],
  ["a host with user info", { "x-forwarded-host": "user@shop.example" }, undefined],
  ["a host with a path", { "x-forwarded-host": "shop.example/x" }, undefined],
  ["a port out of range", { "x-forwarded-host": "shop.example:99999" }, undefined],
  ["an unterminated quoted string", { forwarded: 'proto=https;host="shop.example' }, undefined],
  ["a repeated parameter", { forwarded: "proto=https;proto=http" }, undefined],
  ["a parameter without a value", { forwarded: "proto" }, undefined],
  ["garbage after a value", { forwarded: 'host="a" b' }, undefined],
];

for (const [name, headers, expected] of cases) {
  Deno.test(`resolveRequestOrigin() from a trusted proxy: ${name}`, () => {
    assertEquals(originOf(headers), expected);
  });
}

const claims = { "x-forwarded-proto": "https", "x-forwarded-host": "shop.example" };
const ownOrigin = "http://10.0.0.7:8000";

Deno.test("resolveRequestOrigin() ignores forwarded headers from a peer outside the trusted ranges", () => {
  assertEquals(originOf(claims, { peer: CLIENT }), ownOrigin);
  assertEquals(
    originOf({ forwarded: "proto=https;host=shop.example" }, { peer: CLIENT }),
    ownOrigin,
  );
});

Deno.test("resolveRequestOrigin() ignores forwarded headers with no trusted proxies, or no peer", () => {
  for (const trusted of [undefined, 0, []] as const) {
    assertEquals(originOf(claims, { trusted }), ownOrigin, String(trusted));
  }
  assertEquals(originOf(claims, { peer: undefined }), ownOrigin);
  assertEquals(originOf(claims, { peer: "not-an-ip" }), ownOrigin);
});

Deno.test("resolveRequestOrigin() trusts the peer under a hop count, as X-Forwarded-For does", () => {
  assertEquals(originOf(claims, { peer: CLIENT, trusted: 1 }), "https://shop.example");
});

Deno.test("resolveRequestOrigin() gives no origin for a Host that is not a host", () => {
  for (const host of ["a:b:c", "[::1", "x:99999", "a b", "x/y", "x?y#z", "user@x", "", "%zz"]) {
    const url = `http://${host}/onramp/sessions`;
    const origin = resolveRequestOrigin(
      { url, peer: CLIENT, headers: new Headers({ host }) },
      compileTrustedProxies(undefined),
    );
    assertEquals(origin, undefined, host);
  }
});

Deno.test("resolveRequestOrigin() gives no origin when the URL and the Host header disagree", () => {
  const origin = resolveRequestOrigin(
    { url: "http://x/y/onramp", peer: CLIENT, headers: new Headers({ host: "x/y" }) },
    compileTrustedProxies(undefined),
  );
  assertEquals(origin, undefined);
});

Deno.test("resolveRequestOrigin() never throws and never answers the opaque origin, whatever the headers", () => {
  const text = fc.string({ unit: "binary", maxLength: 80 }).map((value) =>
    value.replace(/[\r\n\0]/g, "")
  );
  fc.assert(
    fc.property(text, text, text, text, text, (url, host, proto, xHost, forwarded) => {
      const headers = new Headers();
      for (
        const [name, value] of [["host", host], ["x-forwarded-proto", proto], [
          "x-forwarded-host",
          xHost,
        ], ["forwarded", forwarded]]
      ) {
        try {
          headers.set(name!, value!);
        } catch {
          // not a header value Headers accepts; a server would never hand us one
        }
      }
      const origin = resolveRequestOrigin({ url, peer: LB, headers }, compileTrustedProxies(1));
      assertEquals(origin === "null", false);
      if (origin !== undefined) assertEquals(new URL(origin).origin, origin);
    }),
    { numRuns: 2000, seed: 20261201 },
  );
});
