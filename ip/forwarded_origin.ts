/**
 * The origin of this server as the customer's browser sees it (`https://shop.example`), for the
 * check that refuses cross-origin calls. Behind a TLS-terminating proxy (nginx, a load
 * balancer) the runtime sees plain HTTP and perhaps an internal host name; the proxy says what
 * the browser used in `X-Forwarded-Proto` and `X-Forwarded-Host`, or in RFC 7239's
 * `Forwarded: proto=…;host=…` (https://www.rfc-editor.org/rfc/rfc7239#section-5.3).
 *
 * Those headers are believed only when the connection's peer is a trusted proxy, under the
 * same `trustedProxies` rule that decides whose `X-Forwarded-For` is believed (`isTrustedPeer`
 * in `forwarded_for.ts`), and only the value the nearest proxy wrote: the right-most one. From
 * anyone else they are ignored, so a client cannot make its own foreign `Origin` look like
 * this server's.
 *
 * Everything here reads request text that anyone can send; none of it throws. A value that
 * cannot be read means "origin unknown", and an unknown origin matches no `Origin` header.
 *
 * @module
 */
import type { Context } from "hono";
import { isTrustedPeer } from "./forwarded_for.ts";
import { socketPeerAddress } from "./runtime_peer.ts";
import type { TrustRule } from "./trusted_proxies.ts";

/** What one request says about where it was sent. */
export interface RequestOriginInput {
  /**
   * The request's URL as the runtime built it. On Deno it is `http://` + the `Host` header +
   * the request target, so it may not parse at all (`Host: a:b:c`).
   */
  readonly url: string;
  /** The address of the socket's other end, or `undefined` when no socket is visible. */
  readonly peer: string | undefined;
  /** The request headers (`Host`, and the forwarded ones when the peer is trusted). */
  readonly headers: { get(name: string): string | null };
}

// A Host header as browsers and proxies write it: a bracketed IPv6 literal or a DNS name or
// IPv4 address, and an optional port (https://www.rfc-editor.org/rfc/rfc9110#section-7.2).
// Stricter than the URL grammar on purpose: user info, paths, percent escapes and spaces never
// belong to a real origin, so they make it unknown rather than guessed at.
const HOST = /^(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9._-]{1,253})(?::[0-9]{1,5})?$/;
const URL_START = /^(https?):\/\/([^/?#]*)/i;
const PROTO = /^https?$/i;
// RFC 7239 values are tokens or quoted strings; `host` has a colon (not a token character)
// whenever it has a port, so be lenient about what an unquoted value holds and check it after.
// Sticky (`y`): matched in place at `lastIndex`, so no slice is copied per pair.
const UNQUOTED_VALUE = /[^\s",;]+/y;
const PARAM_NAME = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;

const MALFORMED = Symbol("malformed");

interface Claims {
  readonly proto?: string | undefined;
  readonly host?: string | undefined;
}

/**
 * Returns this server's origin as the browser addressed it, or `undefined` when it cannot be
 * known: a `Host` that is not a host, or a trusted proxy's forwarded header that cannot be read.
 *
 * Without a trusted peer it is the scheme and authority of `url` (which must agree with the
 * `Host` header). With one, the scheme and host the proxy states replace them: from
 * `X-Forwarded-Proto` and `X-Forwarded-Host` (the right-most entry of each) and from RFC 7239's
 * `Forwarded` (its last element's `proto` and `host`). When both families state a value they
 * must agree, or the origin is unknown: a proxy writes one family and passes the other through
 * untouched, so a disagreement means a client wrote one of them.
 *
 * @example Behind a trusted TLS-terminating proxy, and without one
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resolveRequestOrigin } from "./forwarded_origin.ts";
 * import { compileTrustedProxies } from "./trusted_proxies.ts";
 *
 * const request = {
 *   url: "http://10.0.0.7:8000/onramp/sessions",
 *   peer: "10.0.0.5",
 *   headers: new Headers({
 *     host: "10.0.0.7:8000",
 *     "x-forwarded-proto": "https",
 *     "x-forwarded-host": "shop.example",
 *   }),
 * };
 * assertEquals(
 *   resolveRequestOrigin(request, compileTrustedProxies(["10.0.0.0/8"])),
 *   "https://shop.example",
 * );
 * // The same headers from a peer nobody trusts are a client's claim, and ignored.
 * assertEquals(resolveRequestOrigin(request, compileTrustedProxies(undefined)), "http://10.0.0.7:8000");
 * // A Host that names no host gives no origin at all (rather than an exception).
 * assertEquals(
 *   resolveRequestOrigin(
 *     { url: "http://a:b:c/x", peer: undefined, headers: new Headers({ host: "a:b:c" }) },
 *     compileTrustedProxies(undefined),
 *   ),
 *   undefined,
 * );
 * ```
 *
 * @param input The request's URL, socket peer and headers.
 * @param rule The compiled `trustedProxies` option (see `compileTrustedProxies`).
 * @returns The origin, serialized as browsers write the `Origin` header, or `undefined`.
 */
export function resolveRequestOrigin(
  input: RequestOriginInput,
  rule: TrustRule,
): string | undefined {
  const claims = isTrustedPeer(input.peer, rule) ? forwardedClaims(input.headers) : {};
  if (claims === MALFORMED) return undefined;
  const own = URL_START.exec(input.url);
  const scheme = claims.proto ?? own?.[1];
  const host = claims.host ?? ownHost(own, input.headers.get("host"));
  return scheme === undefined || host === undefined ? undefined : originOf(scheme, host);
}

/**
 * {@linkcode resolveRequestOrigin} for a Hono request: its URL, headers, and the socket peer
 * of the runtime serving it (none on Cloudflare Workers, whose URL is already the browser's).
 *
 * @param c The request's context.
 * @param rule The compiled `trustedProxies` option.
 * @returns The origin, or `undefined` when it cannot be known.
 */
export function requestOrigin(c: Context, rule: TrustRule): string | undefined {
  return resolveRequestOrigin(
    { url: c.req.url, peer: socketPeerAddress(c), headers: c.req.raw.headers },
    rule,
  );
}

// The URL's authority, when the Host header (if any) names the same host: on Deno the URL is
// glued from Host and the target, so `Host: x/y` would otherwise pass as host "x".
function ownHost(own: RegExpExecArray | null, hostHeader: string | null): string | undefined {
  const [, scheme, authority] = own ?? [];
  if (scheme === undefined || authority === undefined) return undefined;
  if (hostHeader === null) return authority;
  const origin = originOf(scheme, authority);
  return origin !== undefined && origin === originOf(scheme, hostHeader) ? authority : undefined;
}

// Serializes scheme and host as an origin (lowercase, default port dropped, IPv6 compressed),
// exactly as a browser writes its Origin header; undefined for anything that is not a host.
function originOf(scheme: string, host: string): string | undefined {
  if (!PROTO.test(scheme) || !HOST.test(host)) return undefined;
  try {
    const origin = new URL(`${scheme.toLowerCase()}://${host}`).origin;
    return origin === "null" ? undefined : origin;
  } catch {
    return undefined; // a port over 65535, an IPv6 literal that is not one
  }
}

// What the trusted peer says about the browser's scheme and host. Proxies write one family
// and pass the other through untouched (nginx never touches `Forwarded`), so a value that both
// families state must agree, or a client could overrule what its proxy wrote; the origin is
// then unknown. What the proxy leaves unstated a client can state, as it can send any Host,
// which is why a proxy should set both scheme and host (README, "Customer IP").
function forwardedClaims(headers: RequestOriginInput["headers"]): Claims | typeof MALFORMED {
  const stated: Claims[] = [];
  const xProto = present(headers.get("x-forwarded-proto"));
  const xHost = present(headers.get("x-forwarded-host"));
  if (xProto !== undefined || xHost !== undefined) {
    const proto = xProto === undefined ? undefined : lastEntry(xProto);
    const host = xHost === undefined ? undefined : lastEntry(xHost);
    if (xProto !== undefined && (proto === undefined || !PROTO.test(proto))) return MALFORMED;
    if (xHost !== undefined && (host === undefined || !HOST.test(host))) return MALFORMED;
    stated.push({ proto, host });
  }
  const forwarded = present(headers.get("forwarded"));
  if (forwarded !== undefined) {
    const element = lastForwardedElement(forwarded);
    if (element === undefined) return MALFORMED;
    const proto = element.get("proto");
    const host = element.get("host");
    if (proto !== undefined && !PROTO.test(proto)) return MALFORMED;
    if (host !== undefined && !HOST.test(host)) return MALFORMED;
    stated.push({ proto, host });
  }
  const proto = agreed(stated.map((claims) => claims.proto));
  const host = agreed(stated.map((claims) => claims.host));
  return proto === MALFORMED || host === MALFORMED ? MALFORMED : { proto, host };
}

// The one value the families state (case aside), `undefined` when none does.
function agreed(values: readonly (string | undefined)[]): string | undefined | typeof MALFORMED {
  const distinct = new Set(values.filter((v) => v !== undefined).map((v) => v.toLowerCase()));
  if (distinct.size > 1) return MALFORMED;
  return values.find((value) => value !== undefined);
}

// An empty or blank header says nothing, as for X-Forwarded-For.
function present(value: string | null): string | undefined {
  return value === null || /^[ \t]*$/.test(value) ? undefined : value;
}

// The right-most comma-separated entry: a proxy that appends writes its own value last. Joined
// duplicates (`Headers.get` joins repeated headers with ", ") read the same way.
function lastEntry(header: string): string | undefined {
  const entry = header.slice(header.lastIndexOf(",") + 1).replace(/^[ \t]+|[ \t]+$/g, "");
  return entry === "" ? undefined : entry;
}

/**
 * Parses RFC 7239 `Forwarded` (`for=…;proto=https, for=…;host="a.example:8443"`) and returns
 * the parameters of its last element, the one the nearest proxy added, names lowercased;
 * `undefined` when the header does not follow the grammar or repeats a parameter in an
 * element. Linear in the header's length: quoted strings are read once, with their escapes.
 */
function lastForwardedElement(header: string): Map<string, string> | undefined {
  let element = new Map<string, string>();
  let at = 0;
  const skipSpace = () => {
    while (header[at] === " " || header[at] === "\t") at++;
  };
  for (;;) {
    skipSpace();
    if (at === header.length) return element;
    if (header[at] === "," || header[at] === ";") {
      // Empty list members and pairs are allowed by the list syntax; a comma starts afresh.
      if (header[at] === ",") element = new Map();
      at++;
      continue;
    }
    const name = matchAt(PARAM_NAME, header, at);
    if (name === undefined || header[at + name.length] !== "=") return undefined;
    at += name.length + 1;
    let value: string;
    if (header[at] === '"') {
      value = "";
      at++;
      for (;;) {
        const char = header[at];
        if (char === undefined) return undefined; // unterminated
        at++;
        if (char === '"') break;
        if (char === "\\") {
          const escaped = header[at];
          if (escaped === undefined) return undefined;
          value += escaped;
          at++;
        } else value += char;
      }
    } else {
      const token = matchAt(UNQUOTED_VALUE, header, at);
      if (token === undefined) return undefined;
      value = token;
      at += token.length;
    }
    const key = name.toLowerCase();
    if (element.has(key)) return undefined;
    element.set(key, value);
    skipSpace();
    if (at < header.length && header[at] !== "," && header[at] !== ";") return undefined;
  }
}

function matchAt(sticky: RegExp, text: string, at: number): string | undefined {
  sticky.lastIndex = at;
  return sticky.exec(text)?.[0];
}
