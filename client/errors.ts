/**
 * The one error class the onramp client throws.
 *
 * @module
 */
import {
  MAX_RELAYED_FIELD_LENGTH,
  MAX_RELAYED_MESSAGE_LENGTH,
  safeText,
} from "../errors/redact.ts";
import type { StripeErrorType } from "../errors/stripe_error.ts";
import type { AnswerHead } from "./_transport.ts";

/**
 * The `type` of a {@linkcode StripeApiError}: one of Stripe's error types, or
 * `api_connection_error` for failures where no answer came back at all (network error,
 * timeout), the name Stripe's own libraries give that case.
 */
export type StripeApiErrorType = StripeErrorType | "api_connection_error";

/**
 * The `code` of a {@linkcode StripeApiError} (of type `api_error`) for an answer that the
 * client refuses to pass on, whatever its status:
 * - `upstream_redirect`: a 3xx, or an answer that a `fetch` reached by following a redirect;
 *   the client never follows one, since that would send the secret key and the body elsewhere;
 * - `upstream_response_too_large`: a body over `maxResponseBytes` (counted decoded, so a
 *   compressed "bomb" stops at the bound);
 * - `upstream_invalid_response`: a 2xx that is not the object the call returns (not JSON,
 *   empty, or missing a required member), or an error status without Stripe's error envelope.
 *
 * None is retried, and each is thrown with `retryable: false`: the same request gets the same
 * answer (a create is even replayed verbatim under its `Idempotency-Key`), as these come from a
 * wrong `baseUrl`, something between the client and Stripe, or a change of Stripe's API.
 */
export type UpstreamFaultCode =
  | "upstream_redirect"
  | "upstream_response_too_large"
  | "upstream_invalid_response";

// The faults the client raised itself: a Stripe error that happens to carry one of these codes
// is still Stripe's own, and is not in here.
const faults = new WeakSet<StripeApiError>();

/**
 * Creates the error for an answer the client refuses (see {@linkcode UpstreamFaultCode}).
 *
 * @param code Why the answer is refused.
 * @param message What was wrong with it, for the logs; never its body.
 * @param response The refused answer, for its status and `Request-Id`.
 * @param attempts Attempts made, retries included.
 * @returns The error, with `retryable: false`.
 */
export function upstreamFault(
  code: UpstreamFaultCode,
  message: string,
  response: AnswerHead,
  attempts: number,
): StripeApiError {
  const error = new StripeApiError({
    type: "api_error",
    code,
    message,
    // An opaque redirect has status 0, which is no HTTP status.
    statusCode: response.status === 0 ? undefined : response.status,
    requestId: response.headers.get("request-id") ?? undefined,
    retryable: false,
    attempts,
  });
  faults.add(error);
  return error;
}

/**
 * Whether `error` is an answer the client refused (see {@linkcode UpstreamFaultCode}), as
 * opposed to an error Stripe itself reported or no answer at all.
 *
 * @param error A thrown error.
 * @returns `true` for an error made by {@linkcode upstreamFault}.
 */
export function isUpstreamFault(
  error: StripeApiError,
): error is StripeApiError & { code: UpstreamFaultCode } {
  return faults.has(error);
}

/** The fields of a {@linkcode StripeApiError}. */
export interface StripeApiErrorInit {
  /** Stripe's error `type`. */
  type: StripeApiErrorType;
  /** A human-readable message; secrets are redacted from it and it is clipped to 500 characters. */
  message: string;
  /** Stripe's error `code`, e.g. `parameter_unknown` or `crypto_onramp_unsupportable_customer`. */
  code?: string | undefined;
  /** The request parameter the error is about, e.g. `destination_network`. */
  param?: string | undefined;
  /** The HTTP status Stripe answered with; absent when no answer came back. */
  statusCode?: number | undefined;
  /** Stripe's `Request-Id` response header, for support requests. */
  requestId?: string | undefined;
  /** Whether repeating the same request later may succeed (rate limits, outages, timeouts). */
  retryable?: boolean | undefined;
  /** How many attempts were made, retries included. */
  attempts?: number | undefined;
}

function safeField(text: string | undefined): string | undefined {
  return text === undefined ? undefined : safeText(text, MAX_RELAYED_FIELD_LENGTH);
}

/**
 * An error answered by Stripe, or the failure to get an answer from it.
 *
 * Carries Stripe's `type`, `code` and `param`, the HTTP `statusCode`, and the `requestId`;
 * never the secret key nor the raw upstream body.
 *
 * @example Branch on Stripe's error code
 * ```ts
 * import { StripeApiError } from "./errors.ts";
 *
 * const error = new StripeApiError({
 *   type: "invalid_request_error",
 *   code: "crypto_onramp_unsupportable_customer",
 *   message: "This customer's region is not supported",
 *   statusCode: 400,
 * });
 * if (error.code === "crypto_onramp_unsupportable_customer") {
 *   // hide the onramp option for this customer
 * }
 * ```
 */
export class StripeApiError extends Error {
  /** Always `"StripeApiError"`. */
  override readonly name: string = "StripeApiError";
  /** Stripe's error `type`. */
  readonly type: StripeApiErrorType;
  /**
   * Stripe's error `code`, when it gave one; for failures of the client's own, `timeout`,
   * `connection_error` or an {@linkcode UpstreamFaultCode}.
   */
  readonly code: string | undefined;
  /** The offending request parameter, when Stripe named one. */
  readonly param: string | undefined;
  /** The HTTP status; `undefined` when no answer came back. */
  readonly statusCode: number | undefined;
  /** Stripe's `Request-Id`, when it answered. */
  readonly requestId: string | undefined;
  /** Whether the same request may succeed later. */
  readonly retryable: boolean;
  /** Attempts made, retries included. */
  readonly attempts: number;

  /**
   * Creates the error. Its message, `code`, `param` and `requestId` come from whoever answered,
   * so each is stripped of every secret shape (API keys, webhook and client secrets) and
   * clipped: the message to 500 characters, the others to 200.
   *
   * @param init The error's fields.
   * @param options The standard `cause`.
   */
  constructor(init: StripeApiErrorInit, options?: ErrorOptions) {
    super(safeText(init.message, MAX_RELAYED_MESSAGE_LENGTH), options);
    this.type = init.type;
    this.code = safeField(init.code);
    this.param = safeField(init.param);
    this.statusCode = init.statusCode;
    this.requestId = safeField(init.requestId);
    this.retryable = init.retryable ?? false;
    this.attempts = init.attempts ?? 1;
  }
}
