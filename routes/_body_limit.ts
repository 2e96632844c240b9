/**
 * The body limit of the routes that take a body, answered in Stripe's shape: a 413 before the
 * body is read whole, chunked bodies included (Hono's `bodyLimit` counts them as they come).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { OnrampError } from "../errors/onramp_error.ts";

/**
 * A middleware that refuses a body larger than `maxBytes` with a 413 `request_too_large`.
 *
 * A body of declared length is judged by its `Content-Length` alone, as Hono's `bodyLimit`
 * judges it (the runtime delivers no more than declared), without asking the request for its
 * `body`: that would turn a body the runtime holds whole into a stream, and make every later
 * read of it slower. Only a body without a length (chunked) goes through `bodyLimit`, which
 * counts it as it comes.
 *
 * @example Refuse a create's body over 16 KiB
 * ```ts
 * import { Hono } from "hono";
 * import { limitBody } from "./_body_limit.ts";
 *
 * const app = new Hono();
 * app.post("/sessions", limitBody(16_384, "request body"), (c) => c.json({ ok: true }));
 * ```
 *
 * @param maxBytes The largest body accepted, in bytes.
 * @param what What the body is, for the message ("request body", "event body").
 * @returns The middleware.
 */
export function limitBody(maxBytes: number, what: string): MiddlewareHandler {
  const tooLarge = (): never => {
    throw new OnrampError(413, {
      type: "invalid_request_error",
      code: "request_too_large",
      message: `The ${what} is larger than ${maxBytes} bytes`,
    });
  };
  const counted = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async function limitBody(c, next) {
    const { method, headers } = c.req.raw;
    const declared = headers.get("content-length");
    // GET and HEAD carry no body, whatever they declare: Hono's `bodyLimit` lets them through.
    if (
      method === "GET" || method === "HEAD" || declared === null ||
      headers.has("transfer-encoding")
    ) {
      return await counted(c, next);
    }
    // `parseInt` would read "abc" as NaN and "10, 500" as 10, and let either through unbounded
    // (Hono's `bodyLimit` does); an HTTP parser refuses such a header, and so does this.
    if (!/^[0-9]{1,16}$/.test(declared)) {
      throw new OnrampError(400, {
        type: "invalid_request_error",
        code: "invalid_content_length",
        message: "The Content-Length header must be a number of bytes",
      });
    }
    if (Number(declared) > maxBytes) tooLarge();
    await next();
  };
}
