import { assertEquals } from "@std/assert";
import { readCappedBody } from "../../client/_read_body.ts";
import { chunkedBody, rawUpstream } from "../_helpers/raw_upstream.ts";

const signal = new AbortController().signal;
// These reads have no deadline: the cancel they hand over is never called.
const never = () => {};
const bytes = new TextEncoder().encode('{"id":"cos_1"}');

// A `Response` as a runtime's `fetch` hands it over, with the reads it was given counted.
function fetched(type: ResponseType, url: string, headers: Record<string, string>) {
  const reads = { whole: 0, streamed: 0 };
  const answer = new Response(bytes, { headers });
  const body = answer.body!;
  const fake = {
    type,
    url,
    headers: answer.headers,
    body: new Proxy(body, {
      get(target, key) {
        if (key === "getReader") reads.streamed++;
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }),
    arrayBuffer() {
      reads.whole++;
      return answer.arrayBuffer();
    },
  } as unknown as Response;
  return { fake, reads };
}

Deno.test("a fetched answer of declared length is read whole, whatever its type says", async () => {
  // Deno and Node call a fetched answer "basic"; workerd calls every answer "default".
  for (const type of ["basic", "default"] as const) {
    const { fake, reads } = fetched(type, "https://api.stripe.com/v1/x", {
      "content-length": String(bytes.length),
    });
    assertEquals(await readCappedBody(fake, 1_000, signal, never), bytes, type);
    assertEquals(reads, { whole: 1, streamed: 0 }, type);
  }
});

Deno.test("an answer made in JavaScript is counted as it streams, its Content-Length untrusted", async () => {
  const { fake, reads } = fetched("default", "", { "content-length": "3" });
  assertEquals(await readCappedBody(fake, 1_000, signal, never), bytes);
  assertEquals(reads, { whole: 0, streamed: 1 });
});

Deno.test("a content-coded answer is counted as it streams: its length is the coded one", async () => {
  const { fake, reads } = fetched("basic", "https://api.stripe.com/v1/x", {
    "content-length": String(bytes.length),
    "content-encoding": "gzip",
  });
  assertEquals(await readCappedBody(fake, 1_000, signal, never), bytes);
  assertEquals(reads.whole, 0);
});

Deno.test("a Content-Length beside Transfer-Encoding is not trusted: the body is counted", async () => {
  const upstream = rawUpstream(
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5\r\n" +
      "transfer-encoding: chunked\r\nconnection: close\r\n\r\n",
    chunkedBody(50_000),
  );
  try {
    const answer = await fetch(upstream.url);
    assertEquals(await readCappedBody(answer, 1_000, signal, never), undefined);
  } finally {
    await upstream.close();
  }
});
