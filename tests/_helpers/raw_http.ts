/**
 * Sends bytes over a raw TCP connection and reads back one HTTP/1.1 answer, so tests can send
 * what no `fetch` would: broken request lines, duplicated or malformed headers, hostile Host
 * values, wrong Content-Length framing.
 */

/** One answer read off the socket. */
export interface RawResponse {
  /** The status code, or 0 when the server closed (or went quiet) without a status line. */
  status: number;
  /** The header lines, names lowercased, in order (duplicates kept). */
  headers: [name: string, value: string][];
  /** The body, de-chunked, as UTF-8. */
  body: string;
  /** Bytes that came after the first complete answer: a second answer means a smuggled request. */
  trailing: string;
  /** Everything received, as Latin-1 (one character per byte). */
  raw: string;
}

/** Where to send the bytes, and how long to wait. */
export interface RawTarget {
  hostname: string;
  port: number;
  /** Gives up when nothing arrives for this long (a server waiting for a body we never sent). */
  idleMs?: number;
}

const HEADER_END = "\r\n\r\n";

/** Latin-1 encoding: every character below 256 becomes one byte, as on the wire. */
export function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff);
}

function fromLatin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}

interface Parsed {
  status: number;
  headers: [string, string][];
  body: string;
  end: number;
}

// Returns the first final (non-1xx) answer in everything the connection delivered, or
// undefined when it is incomplete.
function parseAnswer(raw: string, isHead: boolean): Parsed | undefined {
  let start = 0;
  for (;;) {
    const headerEnd = raw.indexOf(HEADER_END, start);
    if (headerEnd === -1) return undefined;
    const lines = raw.slice(start, headerEnd).split("\r\n");
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
    const headers = lines.slice(1).map((line): [string, string] => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    });
    const bodyStart = headerEnd + HEADER_END.length;
    if (status >= 100 && status < 200) {
      start = bodyStart; // 100 Continue and friends precede the real answer
      continue;
    }
    const header = (name: string) => headers.find(([key]) => key === name)?.[1];
    if (isHead || status === 204 || status === 304) {
      return { status, headers, body: "", end: bodyStart };
    }
    if (/chunked/i.test(header("transfer-encoding") ?? "")) {
      let at = bodyStart;
      let body = "";
      for (;;) {
        const lineEnd = raw.indexOf("\r\n", at);
        if (lineEnd === -1) return undefined;
        const size = parseInt(raw.slice(at, lineEnd), 16);
        if (!Number.isFinite(size)) return undefined;
        if (size === 0) {
          const end = raw.indexOf("\r\n", lineEnd + 2);
          if (end === -1) return undefined;
          return { status, headers, body: utf8(body), end: end + 2 };
        }
        if (raw.length < lineEnd + 2 + size + 2) return undefined;
        body += raw.slice(lineEnd + 2, lineEnd + 2 + size);
        at = lineEnd + 2 + size + 2;
      }
    }
    const length = header("content-length");
    if (length !== undefined) {
      const end = bodyStart + Number(length);
      if (raw.length < end) return undefined;
      return { status, headers, body: utf8(raw.slice(bodyStart, end)), end };
    }
    // No framing: the body runs to the end of the connection.
    return { status, headers, body: utf8(raw.slice(bodyStart)), end: raw.length };
  }
}

function utf8(latin: string): string {
  return new TextDecoder().decode(latin1(latin));
}

/**
 * Sends `request` (a string is sent as Latin-1: one byte per character) on a new connection
 * and reads until the server closes it, or goes quiet for `idleMs`.
 *
 * @param target Where to connect.
 * @param request The bytes of the request, exactly as they go on the wire.
 * @returns The first final answer, and whatever followed it.
 */
export async function sendRaw(
  target: RawTarget,
  request: string | Uint8Array,
): Promise<RawResponse> {
  const { hostname, port, idleMs = 2_000 } = target;
  const bytes = typeof request === "string" ? latin1(request) : request;
  const isHead = /^HEAD /.test(fromLatin1(bytes.subarray(0, 5)));
  const conn = await Deno.connect({ hostname, port });
  const chunks: Uint8Array[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => conn.close(), idleMs);
  };
  try {
    arm();
    try {
      await conn.write(bytes);
    } catch {
      // The server may refuse and close before reading everything: read what it answered.
    }
    const buffer = new Uint8Array(16_384);
    for (;;) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
      arm();
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // already closed by the idle timer
    }
  }
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  chunks.reduce((at, chunk) => (all.set(chunk, at), at + chunk.length), 0);
  const raw = fromLatin1(all);
  const parsed = parseAnswer(raw, isHead);
  if (parsed === undefined) return { status: 0, headers: [], body: "", trailing: "", raw };
  return { ...parsed, trailing: raw.slice(parsed.end), raw };
}

/** The value of header `name` in `response` (the first one), or undefined. */
export function headerOf(response: RawResponse, name: string): string | undefined {
  return response.headers.find(([key]) => key === name)?.[1];
}
