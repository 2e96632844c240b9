/**
 * An upstream that writes its answer byte for byte, framing and all: for answers no HTTP server
 * library would send, such as a `Content-Length` beside `Transfer-Encoding: chunked`.
 *
 * @module
 */

/** A running raw upstream. */
export interface RawUpstream {
  /** Its base URL, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  /** How many bytes of answers it has written so far, head included, across connections. */
  written(): number;
  /** Stops listening, and waits for it. */
  close(): Promise<void>;
}

/**
 * Answers every connection, once its request has arrived, with `head` (status line and
 * headers, ending in a blank line) and then `body`, 8 KiB at a time, and closes it. A client
 * that hangs up early stops the writing.
 *
 * @param head The status line and headers, as sent.
 * @param body The bytes after them, as sent.
 * @returns The running upstream.
 */
export function rawUpstream(head: string, body: Uint8Array): RawUpstream {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let written = 0;
  const write = async (conn: Deno.Conn, bytes: Uint8Array) => {
    for (let offset = 0; offset < bytes.length;) offset += await conn.write(bytes.subarray(offset));
    written += bytes.length;
  };
  const served = (async () => {
    for await (const conn of listener) {
      (async () => {
        try {
          await conn.read(new Uint8Array(65_536));
          await write(conn, new TextEncoder().encode(head));
          for (let i = 0; i < body.length; i += 8_192) {
            await write(conn, body.subarray(i, i + 8_192));
          }
        } catch {
          // The client may hang up first: that is the point.
        } finally {
          conn.close();
        }
      })();
    }
  })();
  return {
    url: `http://127.0.0.1:${listener.addr.port}/`,
    written: () => written,
    async close() {
      listener.close();
      await served.catch(() => {});
    },
  };
}

/**
 * A chunked body of about `bytes` bytes of `x`, in chunks of 1,000, with its last chunk.
 *
 * @param bytes The payload's size, rounded up to a thousand.
 * @returns The body as sent on the wire.
 */
export function chunkedBody(bytes: number): Uint8Array {
  const chunk = `${(1_000).toString(16)}\r\n${"x".repeat(1_000)}\r\n`;
  return new TextEncoder().encode(chunk.repeat(Math.ceil(bytes / 1_000)) + "0\r\n\r\n");
}
