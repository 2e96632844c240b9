/**
 * The errors the proxy answers with, all in Stripe's envelope: `{ error: { type, code, param,
 * message } }`. Routes and hooks throw; only {@linkcode toErrorResponse} answers.
 *
 * @module
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The `error` member of every error response. */
export interface ErrorBody {
  /** Stripe's error type; the proxy never makes up a new one. */
  type: "invalid_request_error" | "api_error" | "idempotency_error" | "card_error";
  /** What went wrong and how to fix it. */
  message: string;
  /** A machine-readable code, Stripe's own where one exists. */
  code?: string;
  /** The parameter to fix, in Stripe's bracket notation. */
  param?: string;
  /** Whether the same request may succeed later (set on upstream failures). */
  retryable?: boolean;
}

/**
 * An error answered to the caller of the proxy routes.
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
 */
export class OnrampError extends Error {
  /** Always `"OnrampError"`. */
  override readonly name: string = "OnrampError";
  /** The HTTP status to answer with. */
  readonly status: ContentfulStatusCode;
  /** The `error` member of the answer. */
  readonly body: ErrorBody;
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers: Record<string, string>;

  /**
   * Creates the error; throw it from a route or hook and the app answers with it.
   *
   * @param status The HTTP status to answer with.
   * @param body The `error` member of the answer.
   * @param options The standard `cause`, and extra response `headers`.
   */
  constructor(
    status: ContentfulStatusCode,
    body: ErrorBody,
    options: ErrorOptions & { headers?: Record<string, string> } = {},
  ) {
    super(body.message, options);
    this.status = status;
    this.body = body;
    this.headers = options.headers ?? {};
  }
}

/**
 * A 400 `invalid_request_error` naming the parameter to fix.
 *
 * @param param The parameter, in bracket notation.
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

/** Where the proxy reports what the caller does not see. */
export interface LogEntry {
  /** `error` for faults of the platform or of Stripe, `warn` for refused requests. */
  level: "warn" | "error";
  /** What happened; never holds a key, a `client_secret` or a raw upstream body. */
  message: string;
  /** The HTTP status answered. */
  status?: number;
  /** The error code answered. */
  code?: string;
  /** Stripe's `Request-Id`, when Stripe answered. */
  requestId?: string;
}

/** A sink for {@linkcode LogEntry}s. */
export type Logger = (entry: LogEntry) => void;

/** Writes entries as one JSON line each to the console. */
export const consoleLogger: Logger = (entry) => {
  (entry.level === "error" ? console.error : console.warn)(JSON.stringify(entry));
};

// Hono's own exceptions (malformed JSON, body limits) become Stripe-shaped answers.
function fromHttpException(error: HTTPException): OnrampError {
  if (error.status === 413) {
    return new OnrampError(413, {
      type: "invalid_request_error",
      code: "request_too_large",
      message: "The request body is too large",
    });
  }
  const malformed = /malformed json/i.test(error.message);
  return new OnrampError(error.status as ContentfulStatusCode, {
    type: "invalid_request_error",
    code: malformed ? "invalid_json" : "invalid_request",
    message: malformed ? "The request body is not valid JSON" : "The request could not be read",
  });
}

/**
 * Builds the `onError` handler of the proxy app: {@linkcode OnrampError}s answer as they are,
 * Hono's exceptions are put in Stripe's shape, and anything else is logged and answered as a
 * bare 500 that echoes nothing of the error.
 *
 * @param log Where unexpected errors are reported.
 * @returns A Hono `onError` handler.
 */
export function toErrorResponse(log: Logger): (error: Error, c: Context) => Response {
  return function toErrorResponse(error, c) {
    const known = error instanceof OnrampError
      ? error
      : error instanceof HTTPException
      ? fromHttpException(error)
      : undefined;
    if (known) {
      return c.json({ error: known.body }, known.status, known.headers);
    }
    log({ level: "error", message: `Unexpected ${error.name} in the onramp handler`, status: 500 });
    return c.json({ error: { type: "api_error", message: "Internal error" } }, 500);
  };
}
