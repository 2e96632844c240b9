import { assertEquals } from "@std/assert";
import { ipToBinary, normalizeIp } from "../../ip/normalize_ip.ts";

const valid: ReadonlyArray<[name: string, input: string, canonical: string]> = [
  ["plain IPv4", "203.0.113.7", "203.0.113.7"],
  ["IPv4 zeros", "0.0.0.0", "0.0.0.0"],
  ["IPv4 maxima", "255.255.255.255", "255.255.255.255"],
  ["IPv4 with a port", "203.0.113.7:51234", "203.0.113.7"],
  ["IPv4 with the highest port", "203.0.113.7:65535", "203.0.113.7"],
  ["IPv4 padded with spaces and tabs", " \t203.0.113.7 \t", "203.0.113.7"],
  ["IPv6 loopback", "::1", "::1"],
  ["IPv6 unspecified", "::", "::"],
  ["IPv6 all groups written", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
  ["IPv6 in uppercase", "2001:DB8::ABCD", "2001:db8::abcd"],
  [
    "IPv6 with the first of two equal zero runs compressed",
    "2001:db8:0:0:1:0:0:1",
    "2001:db8::1:0:0:1",
  ],
  ["IPv6 with the longer zero run compressed", "2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
  [
    "IPv6 with a single zero group left uncompressed",
    "2001:db8:0:1:1:1:1:1",
    "2001:db8:0:1:1:1:1:1",
  ],
  ["IPv6 where :: stands for one group", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
  ["IPv6 in brackets", "[::1]", "::1"],
  ["IPv6 in brackets with a port", "[::1]:443", "::1"],
  ["IPv6 padded with spaces", "  2001:db8::1  ", "2001:db8::1"],
  ["IPv6 whose last groups look like a port", "::1:80", "::1:80"],
  ["IPv6 with an embedded IPv4 tail", "64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
  ["IPv4-mapped IPv6 in dotted form", "::ffff:203.0.113.7", "203.0.113.7"],
  ["IPv4-mapped IPv6 in uppercase", "::FFFF:203.0.113.7", "203.0.113.7"],
  ["IPv4-mapped IPv6 in hex form", "::ffff:cb00:7107", "203.0.113.7"],
  ["IPv4-mapped IPv6 written in full", "0:0:0:0:0:ffff:cb00:7107", "203.0.113.7"],
  ["IPv4-mapped IPv6 in brackets with a port", "[::ffff:203.0.113.7]:8080", "203.0.113.7"],
];

for (const [name, input, canonical] of valid) {
  Deno.test(`normalizeIp() accepts ${name}`, () => {
    assertEquals(normalizeIp(input), canonical);
  });
}

const invalid: ReadonlyArray<[name: string, input: string]> = [
  ["an empty string", ""],
  ["only whitespace", "   "],
  ["an IPv4 octet with a leading zero", "010.0.0.1"],
  ["an IPv4 octet of 256", "256.1.1.1"],
  ["three IPv4 octets", "1.2.3"],
  ["five IPv4 octets", "1.2.3.4.5"],
  ["an empty IPv4 octet", "1..2.3"],
  ["a negative IPv4 octet", "1.2.3.-4"],
  ["a hex IPv4 octet", "0x7f.0.0.1"],
  ["a single decimal number", "2130706433"],
  ["Arabic-Indic digits", "١.٢.٣.٤"],
  ["fullwidth digits", "１.２.３.４"],
  ["a non-breaking space around the address", "\u00a0203.0.113.7"],
  ["a hostname", "localhost"],
  ["a hostname with a port", "localhost:80"],
  ["garbage", "not an ip"],
  ["a lone colon", ":"],
  ["three colons", ":::"],
  ["IPv4 with an empty port", "203.0.113.7:"],
  ["IPv4 with a non-numeric port", "203.0.113.7:http"],
  ["IPv4 with a port above 65535", "203.0.113.7:65536"],
  ["IPv4 with two ports", "203.0.113.7:80:80"],
  ["IPv4 in brackets", "[203.0.113.7]"],
  ["IPv6 with an unclosed bracket", "[::1"],
  ["IPv6 with an empty port", "[::1]:"],
  ["IPv6 with text after the bracket", "[::1]x"],
  ["IPv6 with a port above 65535", "[::1]:70000"],
  ["two :: in IPv6", "1::2::3"],
  ["an IPv6 group of five digits", "12345::1"],
  ["nine IPv6 groups", "1:2:3:4:5:6:7:8:9"],
  ["seven IPv6 groups without ::", "1:2:3:4:5:6:7"],
  ["an IPv6 address ending in one colon", "1:2:3:4:5:6:7:"],
  ["a non-hex IPv6 group", "g::1"],
  ["a leading zero in an embedded IPv4 octet", "::ffff:01.2.3.4"],
  ["a link-local zone id", "fe80::1%eth0"],
  ["a percent-encoded zone id", "fe80::1%25eth0"],
  ["a zone id on a global address", "2001:db8::1%1"],
  ["a zone id inside brackets", "[fe80::1%eth0]:443"],
  ["65 characters of junk", "1".repeat(65)],
  ["a valid address padded past 64 characters", `${" ".repeat(60)}1.2.3.4`],
];

for (const [name, input] of invalid) {
  Deno.test(`normalizeIp() rejects ${name}`, () => {
    assertEquals(normalizeIp(input), undefined);
  });
}

Deno.test("ipToBinary() folds IPv4-mapped IPv6 into the IPv4 address it carries", () => {
  const expected = { version: 4, value: 0xcb007107n };
  assertEquals(ipToBinary("203.0.113.7"), expected);
  assertEquals(ipToBinary("::ffff:203.0.113.7"), expected);
  assertEquals(ipToBinary("::ffff:cb00:7107"), expected);
});

Deno.test("ipToBinary() returns 128 bits for IPv6", () => {
  assertEquals(ipToBinary("::1"), { version: 6, value: 1n });
  assertEquals(ipToBinary("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), {
    version: 6,
    value: (1n << 128n) - 1n,
  });
});

Deno.test("ipToBinary() refuses the wire decorations normalizeIp() strips", () => {
  for (const framed of [" 1.2.3.4", "1.2.3.4:80", "[::1]", "fe80::1%eth0"]) {
    assertEquals(ipToBinary(framed), undefined, framed);
  }
});
