/**
 * Reads an upstream body whole, but never more than a bound: the bytes are counted as they
 * stream in, and the stream is cancelled the moment the count passes the bound, so an oversized
 * or endless answer costs at most the bound in memory.
 *
 * @module
 */

/**
 * Reads `response`'s body into one buffer, or gives up past `maxBytes`.
 *
 * The bound applies twice: to a declared `Content-Length` before anything is read, and to the
 * bytes the stream yields. Those are the decoded bytes (a `fetch` inflates `gzip`, `br` and
 * `deflate` answers as it streams them), so a small compressed "bomb" stops at the bound too.
 * When `signal` aborts, the read is cancelled and the abort reason thrown, even from a body
 * whose source ignores the signal.
 *
 * @example Refuse a body over 4 bytes
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readCappedBody } from "./_read_body.ts";
 *
 * const signal = new AbortController().signal;
 * assertEquals(await readCappedBody(new Response("12345"), 4, signal), undefined);
 * assertEquals((await readCappedBody(new Response("1234"), 4, signal))?.length, 4);
 * ```
 *
 * @param response The answer whose body to read.
 * @param maxBytes The most bytes to accept.
 * @param signal Ends the read early (the attempt's deadline).
 * @returns The body's bytes, or `undefined` when it is larger than `maxBytes`.
 * @throws {TypeError} When the stream fails or yields something other than bytes; the abort
 * reason when `signal` aborts.
 */
export async function readCappedBody(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  // Declared too large: refuse before reading a byte. (Number("") and malformed values fall
  // through to the count below.)
  if (Number(response.headers.get("content-length") ?? 0) > maxBytes) {
    body.cancel().catch(() => {});
    return undefined;
  }
  const reader = body.getReader();
  // Cancelling settles a pending read at once, whatever the source does with the signal.
  const onAbort = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    // The first chunk is kept as it is (most answers are one chunk: no copy then). Later ones
    // are copied into one growing buffer: a chunk may be a small view of a large allocation
    // (Deno's fetch inflates gzip into 4 KB views of 64 KB buffers), and keeping the views
    // would keep every allocation behind them.
    let first: Uint8Array | undefined;
    let buffer: Uint8Array<ArrayBuffer> | undefined;
    let length = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) throw signal.reason;
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        throw new TypeError("The body yielded something other than bytes");
      }
      const end = length + value.byteLength;
      if (end > maxBytes) {
        // Not awaited: a hostile source's cancel may never settle.
        reader.cancel().catch(() => {});
        return undefined;
      }
      if (length === 0) {
        first = value;
      } else {
        if (buffer === undefined || end > buffer.length) {
          const grown = new Uint8Array(Math.min(maxBytes, Math.max(2 * end, 16_384)));
          grown.set(buffer === undefined ? first! : buffer.subarray(0, length));
          buffer = grown;
          first = undefined;
        }
        buffer.set(value, length);
      }
      length = end;
    }
    // A stream's chunks are never views of a SharedArrayBuffer.
    return (buffer?.subarray(0, length) ?? first ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
