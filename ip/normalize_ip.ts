/**
 * Reads one IP address as it arrives on the wire (a socket address, or one entry of
 * `X-Forwarded-For`) and gives back a single canonical spelling, so that one customer never
 * looks like two customers to Stripe or to a rate limiter (`::FFFF:203.0.113.7`,
 * `[::ffff:cb00:7107]:443` and `203.0.113.7` are the same caller).
 *
 * The parsing itself is `hono/utils/ipaddr`; this file adds the checks it leaves to callers:
 * a length cap, a character allow-list, no zone ids, and port and bracket stripping.
 *
 * @module
 */
import {
  convertIPv4BinaryToString,
  convertIPv4MappedIPv6ToIPv4,
  convertIPv4ToBinary,
  convertIPv6BinaryToString,
  convertIPv6ToBinary,
  distinctRemoteAddr,
  INVALID_IP_ADDRESS_ERROR_CODE,
  isIPv4MappedIPv6,
} from "hono/utils/ipaddr";

/** An IP address as a number: 32 bits for IPv4, 128 bits for IPv6. */
export interface IpBinary {
  /** The address family. IPv4-mapped IPv6 addresses are reported as 4. */
  readonly version: 4 | 6;
  /** The address bits, most significant first. */
  readonly value: bigint;
}

// The longest honest spelling is a bracketed, port-carrying, IPv4-embedding IPv6 address
// ("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535", 53 characters). Anything longer
// is junk, and we refuse it before spending any parsing on it.
const MAX_INPUT_LENGTH = 64;

// A bare address is spelled with these characters only. Checking first keeps Unicode digits,
// signs, zone ids (`%eth0`), spaces and hostnames away from the parsers, whatever they accept.
const ADDRESS_CHARACTERS = /^[0-9A-Fa-f.:]+$/;

const PORT = /^[0-9]{1,5}$/;

// One octet as dotted decimal writes it: 0–255, no leading zero.
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
const CANONICAL_IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const MAX_PORT = 65_535;

// HTTP only pads header values with spaces and tabs; other Unicode spaces never surround a
// real address, so `String.prototype.trim` would be too forgiving.
const EDGE_WHITESPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/**
 * Parses a bare IP address (no brackets, port, zone id or surrounding whitespace) into its
 * numeric form. IPv4-mapped IPv6 addresses (`::ffff:203.0.113.7`, `::ffff:cb00:7107`) come
 * back as the IPv4 address they carry, because that is the host that actually connected.
 *
 * IPv4 octets with a leading zero (`010.0.0.1`) are refused: some parsers read them as octal,
 * so two systems could disagree about which host they name.
 *
 * @example Parse IPv4 and IPv4-mapped IPv6 to the same number
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ipToBinary } from "./normalize_ip.ts";
 *
 * assertEquals(ipToBinary("10.0.0.1"), { version: 4, value: 0x0a000001n });
 * assertEquals(ipToBinary("::ffff:10.0.0.1"), { version: 4, value: 0x0a000001n });
 * assertEquals(ipToBinary("010.0.0.1"), undefined);
 * ```
 *
 * @param ip The address, exactly as written.
 * @returns The family and bits of the address, or `undefined` when `ip` is not one address.
 */
export function ipToBinary(ip: string): IpBinary | undefined {
  if (ip.length > MAX_INPUT_LENGTH || !ADDRESS_CHARACTERS.test(ip)) return undefined;
  try {
    // distinctRemoteAddr is only a router: it calls anything holding a colon "IPv6", so the
    // converters below are what actually validate.
    const family = distinctRemoteAddr(ip);
    if (family === "IPv4") return { version: 4, value: convertIPv4ToBinary(ip) };
    if (family !== "IPv6") return undefined;
    const value = convertIPv6ToBinary(ip);
    if (isIPv4MappedIPv6(value)) {
      return { version: 4, value: convertIPv4MappedIPv6ToIPv4(value) };
    }
    return { version: 6, value };
  } catch (error) {
    // The converters report bad input by throwing; anything else is a real bug to surface.
    if (isInvalidAddressError(error)) return undefined;
    throw error;
  }
}

/**
 * Returns the canonical spelling of one IPv4 or IPv6 address, or `undefined` when `text` is
 * not exactly one valid address.
 *
 * Accepted, because proxies write them into `X-Forwarded-For` and servers report them as
 * peers: surrounding spaces and tabs, `[v6]`, `[v6]:port` and `v4:port` (the port is dropped).
 * A bare IPv6 address never has a port stripped: `::1:80` is an address, not `::1` port 80.
 *
 * Refused: empty text, hostnames, IPv4 octets out of range or with leading zeros, IPv6 zone
 * ids (`fe80::1%eth0` names an interface on someone else's host, so it means nothing here),
 * non-ASCII digits, and anything over 64 characters.
 *
 * Output: IPv4 in dotted decimal; IPv4-mapped IPv6 as the plain IPv4 address; other IPv6 in
 * the RFC 5952 form (lowercase, no leading zeros, the longest run of two or more zero groups
 * written as `::`).
 *
 * @example Canonical spellings
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { normalizeIp } from "./normalize_ip.ts";
 *
 * assertEquals(normalizeIp(" 203.0.113.7:51234 "), "203.0.113.7");
 * assertEquals(normalizeIp("[::FFFF:cb00:7107]:443"), "203.0.113.7");
 * assertEquals(normalizeIp("2001:0DB8:0:0:0:0:0:0001"), "2001:db8::1");
 * assertEquals(normalizeIp("fe80::1%eth0"), undefined);
 * assertEquals(normalizeIp("localhost"), undefined);
 * ```
 *
 * @param text One address as received, e.g. one comma-separated `X-Forwarded-For` entry.
 * @returns The canonical address, or `undefined` when `text` is not a valid address.
 */
export function normalizeIp(text: string): string | undefined {
  // Most peers are already spelled canonically: four decimal octets of 0–255, no leading zero,
  // nothing around them. That spelling is its own canonical form; anything else is parsed.
  if (CANONICAL_IPV4.test(text)) return text;
  if (text.length > MAX_INPUT_LENGTH) return undefined;
  const bare = stripPort(text.replace(EDGE_WHITESPACE, ""));
  const ip = bare === undefined ? undefined : ipToBinary(bare);
  if (ip === undefined) return undefined;
  // Mapped addresses were folded to IPv4 above, so the IPv6 printer never reaches its
  // "::ffff:1.2.3.4" branch and every address has exactly one spelling.
  return ip.version === 4
    ? convertIPv4BinaryToString(ip.value)
    : convertIPv6BinaryToString(ip.value);
}

/** Removes `[…]` around IPv6 and a trailing `:port`; `undefined` when the framing is broken. */
function stripPort(text: string): string | undefined {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return undefined;
    const inside = text.slice(1, close);
    const after = text.slice(close + 1);
    // Brackets exist to separate an IPv6 address from its port; "[1.2.3.4]" is not a form
    // any proxy writes, so it is refused rather than guessed at.
    if (!inside.includes(":")) return undefined;
    if (after === "") return inside;
    return after.startsWith(":") && isPort(after.slice(1)) ? inside : undefined;
  }
  const colon = text.indexOf(":");
  // Exactly one colon can only be IPv4 with a port: every IPv6 address has at least two.
  if (colon === -1 || colon !== text.lastIndexOf(":")) return text;
  const host = text.slice(0, colon);
  return host.includes(".") && isPort(text.slice(colon + 1)) ? host : undefined;
}

function isPort(text: string): boolean {
  return PORT.test(text) && Number(text) <= MAX_PORT;
}

function isInvalidAddressError(error: unknown): boolean {
  return error instanceof TypeError &&
    (error as TypeError & { code?: unknown }).code === INVALID_IP_ADDRESS_ERROR_CODE;
}
