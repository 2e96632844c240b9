/**
 * Reads an upstream body whole, but never more than a bound: the bytes are counted as they
 * stream in, and the stream is cancelled the moment the count passes the bound, so an oversized
 * or endless answer costs at most the bound in memory.
 *
 * @module
 */

// The first buffer of a body of unknown length: a session or a set of quotes fits in it.
const INITIAL_BYTES = 16_384;

/**
 * Reads `response`'s body into one buffer, or gives up past `maxBytes`.
 *
 * The bound applies twice: to a declared `Content-Length` before anything is read, and to the
 * bytes the stream yields. Those are the decoded bytes (a `fetch` inflates `gzip`, `br` and
 * `deflate` answers as it streams them), so a small compressed "bomb" stops at the bound too.
 * When the read has to end early, the caller aborts `signal` and calls the cancel it was handed
 * through `onCancel`: a body read through a reader is cancelled and the abort reason thrown,
 * even when its source ignores the signal; a network answer of declared length, read whole, is
 * ended by its transport, which follows the same signal. (The caller's own timer calls the
 * cancel: an `abort` listener on the signal would cost about 3 µs per read in Deno.)
 *
 * @example Refuse a body over 4 bytes
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readCappedBody } from "./_read_body.ts";
 *
 * const signal = new AbortController().signal;
 * const never = () => {}; // no deadline here: the cancel is never needed
 * assertEquals(await readCappedBody(new Response("12345"), 4, signal, never), undefined);
 * assertEquals((await readCappedBody(new Response("1234"), 4, signal, never))?.length, 4);
 * ```
 *
 * @param response The answer whose body to read.
 * @param maxBytes The most bytes to accept.
 * @param signal Ends the read early (the attempt's deadline).
 * @param onCancel Takes the way to cancel the read, which the caller calls as it aborts `signal`.
 * @returns The body's bytes, or `undefined` when it is larger than `maxBytes`.
 * @throws {TypeError} When the stream fails or yields something other than bytes; the abort
 * reason when `signal` aborts.
 */
export async function readCappedBody(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
  onCancel: (cancel: () => void) => void,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  // Declared too large: refuse before reading a byte. (A missing or malformed value is NaN,
  // and the count below decides.)
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    body.cancel().catch(() => {});
    return undefined;
  }
  // A network answer has the URL it was fetched from; one made in JavaScript has none. (Its
  // `type` says less: workerd calls every answer "default".)
  const fromNetwork = response.url !== "";
  // A network answer of a declared length, neither content-coded nor chunked: the transport
  // frames the body to that length (no more bytes can come), so it is read whole in one go,
  // under the signal. With `Transfer-Encoding` beside it, the length is a lie the transport
  // ignores (Deno keeps the header and reads the chunks): counted as it streams, then.
  if (
    declared >= 0 && fromNetwork && !response.headers.has("content-encoding") &&
    !response.headers.has("transfer-encoding")
  ) {
    return await readWhole(response, maxBytes, signal);
  }
  // A network body is a byte stream: read it straight into a buffer of ours. The default
  // reader's chunks are views of the transport's own buffers (Deno's are 64 KB for a 1 KB
  // answer), garbage the moment they are copied; under load that churn showed in the RSS.
  let byob: ReadableStreamBYOBReader | undefined;
  // A Response made in JavaScript seldom has a byte stream: not worth the exception that asking
  // would cost.
  if (fromNetwork) {
    try {
      byob = body.getReader({ mode: "byob" });
    } catch {
      // Not a byte stream after all: the default reader below.
    }
  }
  const reader = byob ?? body.getReader();
  // Cancelling settles a pending read at once, whatever the source does with the signal. Not
  // awaited: a hostile source's cancel may never settle.
  const cancel = () => void reader.cancel().catch(() => {});
  onCancel(cancel);
  if (signal.aborted) {
    cancel();
    throw signal.reason;
  }
  const bytes = byob === undefined
    ? await readChunks(reader as ReadableStreamDefaultReader<unknown>, maxBytes, signal)
    : await readInto(byob, maxBytes, signal, declared >= 0 ? declared : INITIAL_BYTES);
  if (bytes === undefined) cancel();
  return bytes;
}

async function readWhole(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (signal.aborted) {
    response.body?.cancel().catch(() => {});
    throw signal.reason;
  }
  // The transport ends this body when the signal aborts (a network answer's body follows its
  // request's signal), and the attempt's own timer ends the attempt even if it were slow to.
  const bytes = new Uint8Array(await response.arrayBuffer());
  // Framed to its declared length by the transport; checked all the same.
  return bytes.byteLength > maxBytes ? undefined : bytes;
}

async function readInto(
  reader: ReadableStreamBYOBReader,
  maxBytes: number,
  signal: AbortSignal,
  expectedBytes: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  // Room for one byte over the bound: filling it proves the body too large. One more than the
  // expected length, so that the read which finds the end has room to be made.
  const limit = maxBytes + 1;
  let buffer = new ArrayBuffer(Math.min(limit, expectedBytes + 1));
  let length = 0;
  for (;;) {
    if (length === buffer.byteLength) {
      if (length === limit) return undefined;
      const grown = new ArrayBuffer(Math.min(limit, Math.max(2 * length, INITIAL_BYTES)));
      new Uint8Array(grown).set(new Uint8Array(buffer, 0, length));
      buffer = grown;
    }
    const { done, value } = await reader.read(new Uint8Array(buffer, length));
    if (signal.aborted) throw signal.reason;
    if (value === undefined) break; // cancelled
    // The read took the buffer over; this view is the way back to it.
    buffer = value.buffer;
    length += value.byteLength;
    if (done) break;
  }
  return length > maxBytes ? undefined : new Uint8Array(buffer, 0, length);
}

async function readChunks(
  reader: ReadableStreamDefaultReader<unknown>,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  // The first chunk is kept as it is (most answers are one chunk: no copy then). Later ones are
  // copied into one growing buffer, so that no view keeps a larger allocation behind it alive.
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
    if (end > maxBytes) return undefined;
    if (length === 0) {
      first = value;
    } else {
      if (buffer === undefined || end > buffer.length) {
        const grown = new Uint8Array(Math.min(maxBytes, Math.max(2 * end, INITIAL_BYTES)));
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
}
