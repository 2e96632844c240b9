/**
 * The errors the proxy answers with, all in Stripe's envelope: `{ error: { type, code, param,
 * message } }` (see `stripe_error.ts`). Routes and hooks throw an {@linkcode OnrampError}; being
 * a Hono `HTTPException` whose `getResponse()` renders that envelope, it answers correctly
 * whichever handler catches it: the sub-app's own, a platform's `onError`, or Hono's default.
 *
 * @module
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "./logger.ts";
import type { ErrorBody } from "./stripe_error.ts";

/**
 * Hono's `HTTPException`, the base of {@linkcode OnrampError}. A local subclass only so that the
 * documentation of this package does not re-document Hono's own class.
 *
 * @internal
 */
class HonoHttpException extends HTTPException {}

/**
 * An HTTP status that carries a body (Hono's `ContentfulStatusCode`).
 *
 * @internal
 */
type ErrorStatus = ContentfulStatusCode;

/** Options of the {@linkcode OnrampError} constructor. */
export interface OnrampErrorOptions {
  /** What caused it, kept for the logs and never answered. */
  cause?: unknown;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
}

/**
 * An error answered to the caller of the proxy routes, in Stripe's envelope.
 *
 * @example Refuse a customer from `resolveCustomer`
 * ```ts
 * import type { Context } from "hono";
 * import { OnrampError } from "./onramp_error.ts";
 *
 * function resolveCustomer(c: Context) {
 *   const userId = c.req.header("x-user-id"); // your own auth here
 *   if (userId === undefined) {
 *     throw new OnrampError(401, {
 *       type: "invalid_request_error",
 *       code: "unauthenticated",
 *       message: "Sign in before buying crypto",
 *     });
 *   }
 *   return { metadata: { user_id: userId } };
 * }
 * ```
 *
 * @example Any Hono error handler renders it
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Hono } from "hono";
 * import { OnrampError } from "./onramp_error.ts";
 *
 * const app = new Hono();
 * app.get("/", () => {
 *   throw new OnrampError(403, { type: "invalid_request_error", message: "Not here" });
 * });
 * const res = await app.request("/"); // Hono's default handler calls getResponse()
 * assertEquals(res.status, 403);
 * assertEquals((await res.json()).error.message, "Not here");
 * ```
 */
export class OnrampError extends HonoHttpException {
  /** Always `"OnrampError"`. */
  override readonly name: string = "OnrampError";
  /** The `error` member of the answer. */
  readonly body: ErrorBody;
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers: Record<string, string>;

  /**
   * Creates the error; throw it from a route or hook and the app answers with it.
   *
   * @param status The HTTP status to answer with.
   * @param body The `error` member of the answer.
   * @param options The `cause`, and extra response `headers`.
   */
  constructor(status: ErrorStatus, body: ErrorBody, options: OnrampErrorOptions = {}) {
    super(status, { message: body.message, cause: options.cause });
    this.body = body;
    this.headers = options.headers ?? {};
  }

  /**
   * Renders the error as Stripe's envelope, with its status and headers.
   *
   * @returns `{ "error": body }` as JSON.
   */
  override getResponse(): Response {
    return Response.json({ error: this.body }, { status: this.status, headers: this.headers });
  }
}

/**
 * A 400 `invalid_request_error` naming the parameter to fix.
 *
 * @param param The parameter, in bracket notation; `""` for the request as a whole.
 * @param code Stripe's code for the problem.
 * @param message What is wrong and how to fix it.
 * @returns The error, to throw.
 */
export function invalidRequest(param: string, code: string, message: string): OnrampError {
  // An empty param means the whole request: Stripe then names no param at all.
  const body: ErrorBody = param === ""
    ? { type: "invalid_request_error", code, message }
    : { type: "invalid_request_error", code, param, message };
  return new OnrampError(400, body);
}

// Hono's own exceptions (malformed JSON, body limits) become Stripe-shaped answers.
function fromHttpException(error: HTTPException): OnrampError {
  if (error.status === 413) {
    return new OnrampError(413, {
      type: "invalid_request_error",
      code: "request_too_large",
      message: "The request body is too large",
    });
  }
  if (error.status === 415) {
    // Hono's validator refuses some spellings the route's own check lets through, such as
    // `application/json;` with nothing after the semicolon: answer as that check does.
    return new OnrampError(415, {
      type: "invalid_request_error",
      code: "unsupported_media_type",
      message: "Send the body as JSON: set Content-Type: application/json",
    });
  }
  const malformed = /malformed json/i.test(error.message);
  return new OnrampError(error.status, {
    type: "invalid_request_error",
    code: malformed ? "invalid_json" : "invalid_request",
    message: malformed ? "The request body is not valid JSON" : "The request could not be read",
  });
}

/**
 * Builds the `onError` handler of the proxy app: {@linkcode OnrampError}s answer as they are,
 * Hono's own exceptions are put in Stripe's shape, and anything else is logged and answered as
 * a bare 500 that echoes nothing of the error. Headers set on the context before the error
 * (CORS, the rate limit's) are kept; the request guard marks the answer `no-store` after.
 *
 * @param log Where unexpected errors are reported.
 * @returns A Hono `onError` handler.
 */
export function toErrorResponse(log: Logger): (error: Error, c: Context) => Response {
  return function toErrorResponse(error, c) {
    if (error instanceof HTTPException) {
      const res = (error instanceof OnrampError ? error : fromHttpException(error)).getResponse();
      return c.newResponse(res.body, res);
    }
    // The message says what failed (a parameter that could not be encoded, say); a logger
    // wrapped by redactingLogger strips secrets from it and clips it.
    log({
      level: "error",
      message: `Unexpected ${error.name} in the onramp handler: ${error.message}`,
      status: 500,
    });
    return c.json({ error: { type: "api_error", message: "Internal error" } }, 500);
  };
}
