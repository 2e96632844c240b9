/**
 * Turns the `trustedProxies` option into a rule that `resolveForwardedFor` (in `forwarded_for.ts`)
 * applies on every request. All checking and mask arithmetic happens here, once, at startup, so a typo
 * in the configuration stops the deployment instead of silently trusting the wrong hosts.
 *
 * @module
 */
import { assertNonNegativeInteger } from "../errors/option_checks.ts";
import { type IpBinary, ipToBinary } from "./normalize_ip.ts";

/**
 * Which proxies in front of this server may be believed when they report the caller's
 * address in `X-Forwarded-For`.
 *
 * - a number `n`: the `n` hops closest to this server are trusted proxies (`0` trusts none);
 * - a list of addresses and CIDR ranges (`"10.0.0.0/8"`, `"192.168.1.1"`, `"2001:db8::/32"`,
 *   `"::1"`): a hop is trusted when its address is in the list.
 */
export type TrustedProxies = number | readonly string[];

/** A compiled {@linkcode TrustedProxies} option, as returned by {@linkcode compileTrustedProxies}. */
export type TrustRule =
  /** Trust no proxy: the socket's peer is the client and `X-Forwarded-For` is never read. */
  | { readonly kind: "none" }
  /** Trust the `count` hops closest to this server, whatever their addresses. */
  | { readonly kind: "hops"; readonly count: number }
  /** Trust the hops whose address `contains` accepts. */
  | {
    readonly kind: "cidrs";
    /**
     * Whether a bare address (any valid spelling, no port) lies in a trusted range. IPv4
     * ranges also hold the IPv4-mapped IPv6 spelling of their addresses.
     */
    readonly contains: (ip: string) => boolean;
  };

interface CompiledRange {
  readonly network: bigint;
  readonly mask: bigint;
}

const NONE: TrustRule = Object.freeze({ kind: "none" });

// Every range and address is compared in one 128-bit space in which IPv4 lives at
// ::ffff:0:0/96. Then "10.0.0.0/8" holds "::ffff:10.0.0.1" with no special case, and a
// dual-stack socket's view of an IPv4 peer cannot slip past an IPv4 range.
const IPV4_MAPPED_PREFIX = 0xffffn << 32n;
const IPV4_PREFIX_OFFSET = 96;
const ALL_ONES_128 = (1n << 128n) - 1n;

// Decimal without leading zeros, so "/08" is not silently read as "/8".
const PREFIX_LENGTH = /^(?:0|[1-9][0-9]{0,2})$/;

/**
 * Checks the `trustedProxies` option and compiles it into a {@linkcode TrustRule}.
 *
 * `undefined`, `0` and `[]` all mean "trust no proxy". A CIDR's host bits are ignored
 * (`"192.168.1.7/24"` is `"192.168.1.0/24"`). An IPv6 range covering `::ffff:0:0/96` (such as
 * `"::/0"`) also holds IPv4 addresses, since a dual-stack socket reports those mapped.
 *
 * @example Trust a load balancer subnet and the local host
 * ```ts
 * import { assert, assertFalse } from "@std/assert";
 * import { compileTrustedProxies } from "./trusted_proxies.ts";
 *
 * const rule = compileTrustedProxies(["10.0.0.0/8", "::1"]);
 * assert(rule.kind === "cidrs");
 * assert(rule.contains("10.1.2.3"));
 * assert(rule.contains("::ffff:10.1.2.3"));
 * assertFalse(rule.contains("203.0.113.7"));
 * ```
 *
 * @example A mistyped range fails at startup
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { compileTrustedProxies } from "./trusted_proxies.ts";
 *
 * assertThrows(() => compileTrustedProxies(["10.0.0.0/33"]), RangeError);
 * ```
 *
 * @param trusted The option as the developer wrote it; `undefined` when not set.
 * @returns The rule to pass to `resolveForwardedFor`.
 * @throws {RangeError} When the hop count is not a non-negative integer, or an entry is not
 * a valid address or CIDR range.
 * @throws {TypeError} When the option is neither a number nor an array, or an entry is not a
 * string.
 */
export function compileTrustedProxies(trusted: TrustedProxies | undefined): TrustRule {
  if (trusted === undefined) return NONE;
  if (typeof trusted === "number") {
    assertNonNegativeInteger("onramp handler", "trustedProxies", trusted);
    return trusted === 0 ? NONE : Object.freeze({ kind: "hops", count: trusted });
  }
  // The type says number or array, but the option may come from JSON or plain JavaScript.
  if (!Array.isArray(trusted)) {
    throw new TypeError(
      `Cannot create onramp handler as 'trustedProxies' must be a hop count or an array of addresses: current value is ${
        describe(trusted)
      }`,
    );
  }
  const ranges = (trusted as readonly unknown[]).map(compileEntry);
  if (ranges.length === 0) return NONE;
  return Object.freeze({
    kind: "cidrs",
    contains: function contains(ip: string): boolean {
      const parsed = ipToBinary(ip);
      if (parsed === undefined) return false;
      const value = toMappedSpace(parsed);
      return ranges.some((range) => (value & range.mask) === range.network);
    },
  });
}

function compileEntry(entry: unknown, index: number): CompiledRange {
  if (typeof entry !== "string") {
    throw new TypeError(
      `Cannot create onramp handler as 'trustedProxies[${index}]' must be a string: current value is ${
        describe(entry)
      }`,
    );
  }
  const slash = entry.indexOf("/");
  const addressText = slash === -1 ? entry : entry.slice(0, slash);
  const address = ipToBinary(addressText);
  if (slash === -1) {
    if (address === undefined) {
      throw new RangeError(
        `Cannot create onramp handler as 'trustedProxies' has an invalid address: current value is ${
          JSON.stringify(entry)
        }`,
      );
    }
    return { network: toMappedSpace(address), mask: ALL_ONES_128 };
  }
  // The prefix counts bits of the family as *written*: "::ffff:10.0.0.0/104" is an IPv6
  // range (the same one as "10.0.0.0/8"), although ipToBinary reports its address as IPv4.
  const writtenAsIpv6 = addressText.includes(":");
  const prefixText = entry.slice(slash + 1);
  const maxPrefix = writtenAsIpv6 ? 128 : 32;
  const prefix = PREFIX_LENGTH.test(prefixText) ? Number(prefixText) : NaN;
  if (address === undefined || !(prefix <= maxPrefix)) {
    throw new RangeError(
      `Cannot create onramp handler as 'trustedProxies' has an invalid CIDR: current value is ${
        JSON.stringify(entry)
      }`,
    );
  }
  const prefix128 = writtenAsIpv6 ? prefix : prefix + IPV4_PREFIX_OFFSET;
  const mask = ALL_ONES_128 ^ ((1n << BigInt(128 - prefix128)) - 1n);
  return { network: toMappedSpace(address) & mask, mask };
}

function toMappedSpace(ip: IpBinary): bigint {
  return ip.version === 4 ? IPV4_MAPPED_PREFIX | ip.value : ip.value;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  // String() throws on objects without a prototype; the message must not.
  if (typeof value === "object" && value !== null) {
    return Array.isArray(value) ? "an array" : "an object";
  }
  return String(value);
}
