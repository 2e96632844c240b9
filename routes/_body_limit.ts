/**
 * The body limit of the routes that take a body, answered in Stripe's shape: a 413 before the
 * body is read whole, chunked bodies included (Hono's `bodyLimit` counts as it streams).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { OnrampError } from "../errors/onramp_error.ts";

/**
 * A middleware that refuses a body larger than `maxBytes` with a 413 `request_too_large`.
 *
 * @param maxBytes The largest body accepted, in bytes.
 * @param what What the body is, for the message ("request body", "event body").
 * @returns The middleware.
 */
export function limitBody(maxBytes: number, what: string): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError() {
      throw new OnrampError(413, {
        type: "invalid_request_error",
        code: "request_too_large",
        message: `The ${what} is larger than ${maxBytes} bytes`,
      });
    },
  });
}
