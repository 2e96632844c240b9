/**
 * A small TLS-terminating reverse proxy, written for tests: it accepts HTTPS from the
 * "browser", speaks plain HTTP/1.1 to the upstream over its own socket (so it, and not `fetch`,
 * decides the Host header), and writes the forwarding headers the way nginx's usual
 * configuration does:
 *
 * ```nginx
 * proxy_set_header X-Forwarded-For   $proxy_add_x_forwarded_for;  # appended
 * proxy_set_header X-Forwarded-Proto $scheme;                     # overwritten
 * proxy_set_header X-Forwarded-Host  $http_host;                  # overwritten
 * ```
 */
import { latin1, sendRaw } from "./raw_http.ts";

/** How the proxy tells the upstream about the browser's request. */
export type ProxyStyle =
  /** Host: the upstream's own address (nginx's default `$proxy_host`); X-Forwarded-Host/Proto/For. */
  | "x-forwarded"
  /** Host: the browser's Host passed on (`proxy_set_header Host $http_host`); X-Forwarded-Proto/For only. */
  | "x-forwarded-proto"
  /** Host: the upstream's own address; RFC 7239 `Forwarded: for=…;proto=https;host=…`, appended. */
  | "forwarded";

/** Options of {@linkcode startReverseProxy}. */
export interface ReverseProxyOptions {
  /** Where requests go, over plain HTTP. */
  upstream: { hostname: string; port: number };
  /** Which headers it writes. */
  style: ProxyStyle;
  /** The certificate and key it terminates TLS with. */
  tls: { cert: string; key: string };
}

/** A running proxy. */
export interface ReverseProxy {
  /** Its port, on every local address (IPv4 and IPv6). */
  port: number;
  /** Stops it. */
  close(): Promise<void>;
}

// Connection-scoped headers a proxy never forwards (RFC 9110 section 7.6.1), and the framing
// it writes itself.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
]);

/**
 * Starts the proxy on a free port.
 *
 * @param options Upstream, style and TLS material.
 */
export function startReverseProxy(options: ReverseProxyOptions): ReverseProxy {
  const { upstream, style, tls } = options;
  const upstreamHost = `${upstream.hostname}:${upstream.port}`;
  const server = Deno.serve(
    { port: 0, hostname: "::", cert: tls.cert, key: tls.key, onListen: () => {} },
    async function reverseProxy(request, info) {
      const url = new URL(request.url);
      const client = info.remoteAddr.hostname;
      const browserHost = request.headers.get("host") ?? url.host;
      const headers: [string, string][] = [];
      request.headers.forEach((value, name) => {
        if (!HOP_BY_HOP.has(name) && name !== "host") headers.push([name, value]);
      });
      const set = (name: string, value: string) => {
        const at = headers.findIndex(([key]) => key === name);
        if (at === -1) headers.push([name, value]);
        else headers[at] = [name, value];
      };
      const prior = request.headers.get("x-forwarded-for");
      set("x-forwarded-for", prior === null ? client : `${prior}, ${client}`);
      if (style === "x-forwarded") {
        set("x-forwarded-proto", "https");
        set("x-forwarded-host", browserHost);
      } else if (style === "x-forwarded-proto") {
        set("x-forwarded-proto", "https");
      } else {
        const forFor = client.includes(":") ? `"[${client}]"` : client;
        const element = `for=${forFor};proto=https;host="${browserHost}"`;
        const priorForwarded = request.headers.get("forwarded");
        set("forwarded", priorForwarded === null ? element : `${priorForwarded}, ${element}`);
      }
      const host = style === "x-forwarded-proto" ? browserHost : upstreamHost;
      const body = new Uint8Array(await request.arrayBuffer());
      const head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\n` +
        `Host: ${host}\r\n` +
        headers.map(([name, value]) => `${name}: ${value}\r\n`).join("") +
        (body.length > 0 || request.method === "POST" ? `Content-Length: ${body.length}\r\n` : "") +
        "Connection: close\r\n\r\n";
      const bytes = new Uint8Array([...latin1(head), ...body]);
      const answer = await sendRaw(upstream, bytes);
      if (answer.status === 0) return new Response("Bad Gateway", { status: 502 });
      const responseHeaders = new Headers();
      for (const [name, value] of answer.headers) {
        if (!HOP_BY_HOP.has(name)) responseHeaders.append(name, value);
      }
      return new Response(answer.body, { status: answer.status, headers: responseHeaders });
    },
  );
  return { port: server.addr.port, close: () => server.shutdown() };
}
