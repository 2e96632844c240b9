/**
 * Finds the customer's IP address from the socket's peer and `X-Forwarded-For`, believing
 * only the proxies the developer said to trust. This is the address we send to Stripe, and
 * anything keyed on it (rate limits, fraud checks) is only as good as this choice.
 *
 * The model is the one of Express's `trust proxy` (the `proxy-addr` package) and Fastify's
 * `trustProxy`: walk from this server outwards, hop by hop, and stop at the first hop that
 * is not a trusted proxy.
 *
 * @module
 */
import { normalizeIp } from "./normalize_ip.ts";
import type { TrustRule } from "./trusted_proxies.ts";

/** What one request says about where it came from. */
export interface ForwardedForInput {
  /** The address of the socket's other end, as the runtime reports it; `undefined` if unknown. */
  readonly peer: string | undefined;
  /** The raw `X-Forwarded-For` header (`headers.get(…)`), or `null` when absent. */
  readonly forwardedFor: string | null;
}

/**
 * Returns the client's address in canonical form (see `normalizeIp`), or `undefined` when it
 * cannot be known for sure.
 *
 * The hops form a chain, nearest first: `[peer, X-Forwarded-For entries from right to left]`.
 * Each proxy appends the address it received the request from, so the right-most entry was
 * written by the peer, the one before it by the hop before, and so on; entries further left
 * than the first untrusted hop were written by someone we do not trust and are never read.
 *
 * - `{ kind: "none" }`: the peer is the client; `X-Forwarded-For` is ignored entirely, since
 *   with no proxy in front anyone can send it.
 * - `{ kind: "cidrs" }`: starting at the peer, while the current hop is in a trusted range,
 *   step one hop further out; the answer is the first hop that is not trusted.
 * - `{ kind: "hops", count: n }` (Express's `trust proxy = n`): the `n` nearest hops are
 *   trusted, so the client is `chain[n]`.
 *
 * When every hop in the chain is trusted (a shorter chain than `n`, or a request from inside
 * the trusted ranges), the answer is the farthest hop, the left-most entry: every hop to its
 * right vouched for it. Each hop up to and including the answer must be a valid address,
 * otherwise the result is `undefined`: skipping a malformed entry would let whoever wrote it
 * choose the answer. Entries beyond the answer are never parsed. A header that is empty or
 * only whitespace is treated as absent; an empty entry inside it (`"a,,b"`) is malformed.
 *
 * Worked example: customer 198.51.100.23 → CDN edge 203.0.113.10 → load balancer 10.0.0.5
 * → this server. The peer is `10.0.0.5` and `X-Forwarded-For` is
 * `"198.51.100.23, 203.0.113.10"`, so the chain is
 * `[10.0.0.5, 203.0.113.10, 198.51.100.23]`. With `count: 2` the answer is
 * `chain[2] = 198.51.100.23`; with `count: 1` it would be the CDN edge, `203.0.113.10`. If the
 * customer sends its own `X-Forwarded-For: 6.6.6.6`, the CDN appends to it, the chain
 * becomes `[10.0.0.5, 203.0.113.10, 198.51.100.23, 6.6.6.6]` and `count: 2` still answers
 * `198.51.100.23`.
 *
 * @example Two proxies in front, counted or listed
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resolveForwardedFor } from "./forwarded_for.ts";
 * import { compileTrustedProxies } from "./trusted_proxies.ts";
 *
 * const request = {
 *   peer: "10.0.0.5",
 *   forwardedFor: "6.6.6.6, 198.51.100.23, 203.0.113.10",
 * };
 * assertEquals(resolveForwardedFor(request, compileTrustedProxies(2)), "198.51.100.23");
 * assertEquals(
 *   resolveForwardedFor(request, compileTrustedProxies(["10.0.0.0/8", "203.0.113.0/24"])),
 *   "198.51.100.23",
 * );
 * // Without trusted proxies the header is ignored: the peer is the client.
 * assertEquals(resolveForwardedFor(request, compileTrustedProxies(undefined)), "10.0.0.5");
 * ```
 *
 * @param input The request's peer address and `X-Forwarded-For` header.
 * @param rule The compiled `trustedProxies` option (see `compileTrustedProxies`).
 * @returns The client's canonical address, or `undefined` when the peer is unknown or a hop
 * that had to be read is malformed.
 */
export function resolveForwardedFor(input: ForwardedForInput, rule: TrustRule): string | undefined {
  const peer = input.peer === undefined ? undefined : normalizeIp(input.peer);
  if (rule.kind === "none" || peer === undefined || input.forwardedFor === null) return peer;
  let current = peer;
  let hop = 0;
  for (const entry of entriesFromRight(input.forwardedFor)) {
    if (!isTrustedHop(rule, current, hop)) return current;
    const next = normalizeIp(entry);
    // A trusted proxy wrote this entry; if it is garbage the chain is broken, and skipping it
    // would hand the choice to the entries further left, which anyone can write.
    if (next === undefined) return undefined;
    current = next;
    hop++;
  }
  return current;
}

/**
 * Whether the connection's peer is a trusted proxy: the first step of the walk that
 * {@linkcode resolveForwardedFor} takes, so the forwarded headers a proxy writes about the
 * request (its scheme and host, in `forwarded_origin.ts`) are believed under exactly the rule
 * that decides whose `X-Forwarded-For` is believed.
 *
 * @example Only a peer inside the trusted ranges counts
 * ```ts
 * import { assert, assertFalse } from "@std/assert";
 * import { isTrustedPeer } from "./forwarded_for.ts";
 * import { compileTrustedProxies } from "./trusted_proxies.ts";
 *
 * const rule = compileTrustedProxies(["10.0.0.0/8"]);
 * assert(isTrustedPeer("10.0.0.5", rule));
 * assertFalse(isTrustedPeer("203.0.113.7", rule));
 * assertFalse(isTrustedPeer(undefined, rule));
 * ```
 *
 * @param peer The address of the socket's other end as the runtime reports it, or `undefined`.
 * @param rule The compiled `trustedProxies` option (see `compileTrustedProxies`).
 * @returns `true` when the peer is a valid address that `rule` trusts.
 */
export function isTrustedPeer(peer: string | undefined, rule: TrustRule): boolean {
  if (rule.kind === "none" || peer === undefined) return false;
  const ip = normalizeIp(peer);
  return ip !== undefined && isTrustedHop(rule, ip, 0);
}

function isTrustedHop(
  rule: Exclude<TrustRule, { kind: "none" }>,
  ip: string,
  hop: number,
): boolean {
  return rule.kind === "hops" ? hop < rule.count : rule.contains(ip);
}

/**
 * Yields the header's comma-separated entries, right-most first, untrimmed. Lazy on purpose:
 * the walk usually stops after a hop or two, so a long header costs little.
 */
function* entriesFromRight(header: string): Generator<string, void, undefined> {
  if (/^[ \t]*$/.test(header)) return;
  let end = header.length;
  while (end !== -1) {
    // lastIndexOf clamps a negative start to 0, so the left end needs its own case.
    const comma = end === 0 ? -1 : header.lastIndexOf(",", end - 1);
    yield header.slice(comma + 1, end);
    end = comma;
  }
}
