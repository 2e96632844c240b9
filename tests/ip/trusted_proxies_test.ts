import { assert, assertEquals, assertThrows } from "@std/assert";
import { compileTrustedProxies, type TrustRule } from "../../ip/trusted_proxies.ts";

function containsOf(rule: TrustRule): (ip: string) => boolean {
  assert(rule.kind === "cidrs", `expected a CIDR rule, got ${rule.kind}`);
  return rule.contains;
}

Deno.test("compileTrustedProxies() trusts nothing when unset, 0 or an empty list", () => {
  assertEquals(compileTrustedProxies(undefined), { kind: "none" });
  assertEquals(compileTrustedProxies(0), { kind: "none" });
  assertEquals(compileTrustedProxies([]), { kind: "none" });
});

Deno.test("compileTrustedProxies() keeps a positive hop count", () => {
  assertEquals(compileTrustedProxies(1), { kind: "hops", count: 1 });
  assertEquals(compileTrustedProxies(3), { kind: "hops", count: 3 });
});

const matches: ReadonlyArray<
  [name: string, trusted: readonly string[], inside: readonly string[], outside: readonly string[]]
> = [
  [
    "an IPv4 /8 range",
    ["10.0.0.0/8"],
    ["10.0.0.0", "10.255.255.255", "10.1.2.3"],
    ["11.0.0.0", "9.255.255.255", "203.0.113.7"],
  ],
  ["an IPv4 /32 range as one address", ["192.168.1.1/32"], ["192.168.1.1"], [
    "192.168.1.0",
    "192.168.1.2",
  ]],
  ["a single IPv4 address", ["192.168.1.1"], ["192.168.1.1"], ["192.168.1.2"]],
  ["IPv4 /0 as every IPv4 address", ["0.0.0.0/0"], ["0.0.0.0", "255.255.255.255", "1.2.3.4"], [
    "::1",
    "2001:db8::1",
  ]],
  [
    "an IPv4 range against IPv4-mapped IPv6 spellings",
    ["10.0.0.0/8"],
    ["::ffff:10.1.2.3", "::ffff:a01:203", "0:0:0:0:0:ffff:10.0.0.1"],
    ["::ffff:11.0.0.1", "::a01:203"],
  ],
  [
    "an IPv6 /32 range",
    ["2001:db8::/32"],
    ["2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:DB8::1"],
    ["2001:db9::", "2001:db7:ffff::1", "::1"],
  ],
  ["an IPv6 /128 range as one address", ["2001:db8::1/128"], ["2001:db8::1"], ["2001:db8::2"]],
  ["a single IPv6 address", ["::1"], ["::1", "0:0:0:0:0:0:0:1"], ["::2", "127.0.0.1"]],
  ["IPv6 /0 as every address, IPv4 included", ["::/0"], ["::", "2001:db8::1", "203.0.113.7"], []],
  [
    "an IPv4-mapped IPv6 range as its IPv4 range",
    ["::ffff:10.0.0.0/104"],
    ["10.1.2.3", "::ffff:10.1.2.3"],
    ["11.0.0.0"],
  ],
  ["a range written with host bits set", ["192.168.1.77/24"], ["192.168.1.0", "192.168.1.255"], [
    "192.168.2.1",
  ]],
  [
    "several ranges of both families",
    ["10.0.0.0/8", "172.16.0.0/12", "fd00::/8"],
    ["10.9.9.9", "172.31.0.1", "fd12::1"],
    ["172.32.0.1", "fe80::1"],
  ],
  [
    "input that is not one bare address",
    ["0.0.0.0/0", "::/0"],
    [],
    ["", "localhost", "1.2.3.4:80", "[::1]", " 1.2.3.4", "fe80::1%eth0"],
  ],
];

for (const [name, trusted, inside, outside] of matches) {
  Deno.test(`compileTrustedProxies() matches ${name}`, () => {
    const contains = containsOf(compileTrustedProxies(trusted));
    for (const ip of inside) assert(contains(ip), `${ip} should be trusted`);
    for (const ip of outside) assert(!contains(ip), `${ip} should not be trusted`);
  });
}

Deno.test("compileTrustedProxies() does not see later changes to the list", () => {
  const list = ["10.0.0.0/8"];
  const contains = containsOf(compileTrustedProxies(list));
  list[0] = "0.0.0.0/0";
  assert(!contains("203.0.113.7"));
});

const badHopCounts: ReadonlyArray<[name: string, value: number, shown: string]> = [
  ["a negative count", -1, "-1"],
  ["a fraction", 1.5, "1.5"],
  ["NaN", NaN, "NaN"],
  ["Infinity", Infinity, "Infinity"],
];

for (const [name, value, shown] of badHopCounts) {
  Deno.test(`compileTrustedProxies() throws a RangeError for ${name} as the hop count`, () => {
    assertThrows(
      () => compileTrustedProxies(value),
      RangeError,
      `Cannot create onramp handler as 'trustedProxies' must be a non-negative integer: current value is ${shown}`,
    );
  });
}

const badCidrs: ReadonlyArray<[name: string, entry: string]> = [
  ["an IPv4 prefix over 32", "10.0.0.0/33"],
  ["an IPv6 prefix over 128", "2001:db8::/129"],
  ["a negative prefix", "10.0.0.0/-1"],
  ["an empty prefix", "10.0.0.0/"],
  ["a prefix with a leading zero", "10.0.0.0/08"],
  ["a non-numeric prefix", "10.0.0.0/eight"],
  ["a netmask instead of a prefix", "10.0.0.0/255.0.0.0"],
  ["two slashes", "10.0.0.0/8/8"],
  ["an invalid network address", "10.0.0/8"],
  ["a hostname", "proxy.internal/32"],
];

for (const [name, entry] of badCidrs) {
  Deno.test(`compileTrustedProxies() throws a RangeError for ${name}`, () => {
    assertThrows(
      () => compileTrustedProxies(["192.168.0.0/16", entry]),
      RangeError,
      `Cannot create onramp handler as 'trustedProxies' has an invalid CIDR: current value is ${
        JSON.stringify(entry)
      }`,
    );
  });
}

const badAddresses: ReadonlyArray<[name: string, entry: string]> = [
  ["a hostname", "localhost"],
  ["an empty string", ""],
  ["an octet with a leading zero", "010.0.0.1"],
  ["an address with a port", "10.0.0.1:80"],
  ["surrounding whitespace", " 10.0.0.1"],
  ["a zone id", "fe80::1%eth0"],
];

for (const [name, entry] of badAddresses) {
  Deno.test(`compileTrustedProxies() throws a RangeError for ${name} as an address`, () => {
    assertThrows(
      () => compileTrustedProxies([entry]),
      RangeError,
      `Cannot create onramp handler as 'trustedProxies' has an invalid address: current value is ${
        JSON.stringify(entry)
      }`,
    );
  });
}

Deno.test("compileTrustedProxies() throws a TypeError naming a non-string entry", () => {
  assertThrows(
    () => compileTrustedProxies(["10.0.0.0/8", 42] as unknown as string[]),
    TypeError,
    "Cannot create onramp handler as 'trustedProxies[1]' must be a string: current value is 42",
  );
});

Deno.test("compileTrustedProxies() throws a TypeError for an option of the wrong type", () => {
  assertThrows(
    () => compileTrustedProxies("10.0.0.0/8" as unknown as string[]),
    TypeError,
    `Cannot create onramp handler as 'trustedProxies' must be a hop count or an array of addresses: current value is "10.0.0.0/8"`,
  );
  assertThrows(
    () => compileTrustedProxies(Object.create(null) as unknown as string[]),
    TypeError,
    "current value is an object",
  );
});
