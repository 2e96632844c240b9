import { assertEquals } from "@std/assert";
import { resolveForwardedFor } from "../../ip/forwarded_for.ts";
import { compileTrustedProxies, type TrustedProxies } from "../../ip/trusted_proxies.ts";

// Addresses used below: the customer, a spoofed claim, a CDN edge, and two internal hops.
const CUSTOMER = "198.51.100.23";
const SPOOFED = "6.6.6.6";
const CDN = "203.0.113.10";
const LB = "10.0.0.5";
const INGRESS = "10.0.0.9";

const cases: ReadonlyArray<
  [
    name: string,
    trusted: TrustedProxies | undefined,
    peer: string | undefined,
    forwardedFor: string | null,
    expected: string | undefined,
  ]
> = [
  // No trusted proxy: the header is a client's claim and worth nothing.
  [
    "no trust returns the peer and ignores a spoofed header",
    undefined,
    CUSTOMER,
    SPOOFED,
    CUSTOMER,
  ],
  [
    "hop count 0 returns the peer and ignores the header",
    0,
    CUSTOMER,
    `${SPOOFED}, ${CDN}`,
    CUSTOMER,
  ],
  ["no trust ignores even a malformed header", undefined, CUSTOMER, "garbage,,", CUSTOMER],
  ["no trust normalises the peer", undefined, `::ffff:${CUSTOMER}`, null, CUSTOMER],
  ["no trust and no peer gives undefined", undefined, undefined, CUSTOMER, undefined],
  ["no trust and a malformed peer gives undefined", undefined, "localhost", CUSTOMER, undefined],

  // Hop counts (Express's `trust proxy = n`): the client is chain[n], chain = [peer, XFF reversed].
  ["1 hop returns the right-most entry", 1, LB, `${SPOOFED}, ${CUSTOMER}`, CUSTOMER],
  ["1 hop with one entry returns it", 1, LB, CUSTOMER, CUSTOMER],
  ["1 hop with no header returns the peer", 1, LB, null, LB],
  ["1 hop with an empty header returns the peer", 1, LB, "", LB],
  [
    "2 hops returns the second entry from the right",
    2,
    LB,
    `${SPOOFED}, ${CUSTOMER}, ${CDN}`,
    CUSTOMER,
  ],
  ["2 hops with a short chain returns the left-most entry", 2, LB, CUSTOMER, CUSTOMER],
  ["2 hops with no header returns the peer", 2, LB, null, LB],
  ["3 hops with a long chain", 3, INGRESS, `${SPOOFED}, ${CUSTOMER}, ${CDN}, ${LB}`, CUSTOMER],
  ["hops normalise the answer", 1, LB, `${SPOOFED}, [::FFFF:${CUSTOMER}]:443`, CUSTOMER],
  ["hops with a missing peer give undefined", 1, undefined, CUSTOMER, undefined],
  ["hops with a malformed peer give undefined", 1, "unix:/tmp/socket", CUSTOMER, undefined],
  ["hops with a malformed answer give undefined", 1, LB, `${CUSTOMER}, not-an-ip`, undefined],
  ["hops with a malformed trusted hop give undefined", 2, LB, `${CUSTOMER}, 10.0.0.256`, undefined],
  [
    "hops with an empty entry in the walk give undefined",
    2,
    LB,
    `${CUSTOMER}, , ${CDN}`,
    undefined,
  ],
  ["hops with a trailing comma give undefined", 1, LB, `${CUSTOMER},`, undefined],
  ["hops ignore a malformed entry beyond the answer", 1, LB, `garbage, ,${CUSTOMER}`, CUSTOMER],

  // CIDR lists: walk outwards while the hop is trusted.
  [
    "CIDRs return an untrusted peer and ignore the header",
    ["10.0.0.0/8"],
    CUSTOMER,
    SPOOFED,
    CUSTOMER,
  ],
  ["CIDRs step over a trusted peer", ["10.0.0.0/8"], LB, `${SPOOFED}, ${CUSTOMER}`, CUSTOMER],
  [
    "CIDRs skip several trusted hops",
    ["10.0.0.0/8", "203.0.113.0/24"],
    INGRESS,
    `${SPOOFED}, ${CUSTOMER}, ${CDN}, ${LB}`,
    CUSTOMER,
  ],
  [
    "CIDRs stop at the first untrusted hop even if a trusted one lies beyond",
    ["10.0.0.0/8"],
    LB,
    `${INGRESS}, ${CUSTOMER}`,
    CUSTOMER,
  ],
  [
    "CIDRs with every hop trusted return the left-most entry",
    ["10.0.0.0/8"],
    LB,
    `${INGRESS}, 10.1.1.1`,
    INGRESS,
  ],
  ["CIDRs with a trusted peer and no header return the peer", ["10.0.0.0/8"], LB, null, LB],
  ["CIDRs match a mapped IPv6 peer", ["10.0.0.0/8"], `::ffff:${LB}`, CUSTOMER, CUSTOMER],
  [
    "CIDRs match a mapped IPv6 entry",
    ["10.0.0.0/8"],
    LB,
    `${CUSTOMER}, ::ffff:${INGRESS}`,
    CUSTOMER,
  ],
  [
    "CIDRs with IPv6 hops",
    ["2001:db8::/32"],
    "2001:db8::1",
    "2001:db9::7, 2001:db8:1::2",
    "2001:db9::7",
  ],
  [
    "CIDRs with a malformed trusted hop give undefined",
    ["10.0.0.0/8"],
    LB,
    `${CUSTOMER}, bogus, ${INGRESS}`,
    undefined,
  ],
  [
    "CIDRs with a zone id in the walk give undefined",
    ["10.0.0.0/8"],
    LB,
    `${CUSTOMER}, fe80::1%eth0`,
    undefined,
  ],
  [
    "CIDRs ignore a malformed entry beyond the answer",
    ["10.0.0.0/8"],
    LB,
    `bogus, ${CUSTOMER}, ${INGRESS}`,
    CUSTOMER,
  ],
  ["CIDRs with a missing peer give undefined", ["10.0.0.0/8"], undefined, CUSTOMER, undefined],
];

for (const [name, trusted, peer, forwardedFor, expected] of cases) {
  Deno.test(`resolveForwardedFor(): ${name}`, () => {
    const rule = compileTrustedProxies(trusted);
    assertEquals(resolveForwardedFor({ peer, forwardedFor }, rule), expected);
  });
}

Deno.test("resolveForwardedFor() never returns the left-most entry just for being left-most", () => {
  // The peer is not trusted, so its claim about who came before it counts for nothing.
  const rule = compileTrustedProxies(["10.0.0.0/8"]);
  assertEquals(resolveForwardedFor({ peer: CDN, forwardedFor: `${CUSTOMER}, ${LB}` }, rule), CDN);
});

Deno.test("resolveForwardedFor() ignores a long tail of junk beyond the answer", () => {
  const header = `${Array.from({ length: 10_000 }, () => "junk").join(",")}, ${CUSTOMER}`;
  assertEquals(
    resolveForwardedFor({ peer: LB, forwardedFor: header }, compileTrustedProxies(1)),
    CUSTOMER,
  );
});
