/**
 * How a create's body is read: a body of declared length is judged by its Content-Length and
 * read whole once, never turned into a stream (asking a runtime's `Request` for `body` makes one,
 * and every later read of it slower); only a body without a length is counted as it streams,
 * and refused past `maxBodyBytes` all the same.
 */
import { assertEquals } from "@std/assert";
import { errorOf, jsonPost, testApp } from "../_helpers/onramp_app.ts";

function countingBodyReads(): { count(): number; restore(): void } {
  const descriptor = Object.getOwnPropertyDescriptor(Request.prototype, "body")!;
  let reads = 0;
  Object.defineProperty(Request.prototype, "body", {
    ...descriptor,
    get(this: Request) {
      reads++;
      return descriptor.get!.call(this);
    },
  });
  return {
    count: () => reads,
    restore: () => Object.defineProperty(Request.prototype, "body", descriptor),
  };
}

const BODY = JSON.stringify({ source_amount: "100", destination_networks: ["ethereum"] });

Deno.test("POST /sessions reads a body of declared length whole, never as a stream", async () => {
  const { request, upstream } = testApp();
  const init = jsonPost(JSON.parse(BODY), { "content-length": String(BODY.length) });
  const reads = countingBodyReads();
  let res: Response;
  try {
    res = await request("/onramp/sessions", init);
  } finally {
    reads.restore();
  }
  assertEquals(res.status, 200, await res.clone().text());
  assertEquals(reads.count(), 0, "reads of Request.body");
  assertEquals(upstream.requests.length, 1);
});

Deno.test("POST /sessions still counts a body without a length, and refuses it past maxBodyBytes", async () => {
  const { request, upstream } = testApp({ maxBodyBytes: 64 });
  const chunked = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    });
  const big = JSON.stringify({ source_amount: "1".repeat(100) });
  const refused = await request("/onramp/sessions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: chunked(big),
  });
  assertEquals([refused.status, (await errorOf(refused)).code], [413, "request_too_large"]);
  const small = await request("/onramp/sessions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: chunked(JSON.stringify({ source_amount: "100" })),
  });
  assertEquals(small.status, 200, await small.clone().text());
  assertEquals(upstream.requests.length, 1);
});

Deno.test("POST /sessions refuses a Content-Length that is not a number of bytes with a 400, never reading on unbounded", async () => {
  const { request, upstream } = testApp({ maxBodyBytes: 64 });
  const big = JSON.stringify({ source_amount: "1".repeat(100) });
  for (const declared of ["abc", "10, 500", "1e1", "-1", "0x10", "99999999999999999999"]) {
    const res = await request("/onramp/sessions", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": declared },
      body: big,
    });
    assertEquals(
      [res.status, (await errorOf(res)).code],
      [400, "invalid_content_length"],
      `Content-Length ${JSON.stringify(declared)}`,
    );
  }
  assertEquals(upstream.requests.length, 0);
});
