/**
 * The one error class the onramp client throws.
 *
 * @module
 */
import type { StripeErrorType } from "../errors/stripe_error.ts";

/**
 * The `type` of a {@linkcode StripeApiError}: one of Stripe's error types, or
 * `api_connection_error` for failures where no answer came back at all (network error,
 * timeout), the name Stripe's own libraries give that case.
 */
export type StripeApiErrorType = StripeErrorType | "api_connection_error";

/** The fields of a {@linkcode StripeApiError}. */
export interface StripeApiErrorInit {
  /** Stripe's error `type`. */
  type: StripeApiErrorType;
  /** A human-readable message, with any API key redacted. */
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

// Stripe echoes a masked key in authentication errors ("sk_test_****1234"); drop even that.
const API_KEY = /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9*]+/g;

/** Removes anything shaped like a Stripe API key from `text`. */
export function redactApiKeys(text: string): string {
  return text.replace(API_KEY, "[redacted key]");
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
  /** Stripe's error `code`, when it gave one. */
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
   * Creates the error; the message is stripped of anything shaped like an API key.
   *
   * @param init The error's fields.
   * @param options The standard `cause`.
   */
  constructor(init: StripeApiErrorInit, options?: ErrorOptions) {
    super(redactApiKeys(init.message), options);
    this.type = init.type;
    this.code = init.code;
    this.param = init.param;
    this.statusCode = init.statusCode;
    this.requestId = init.requestId;
    this.retryable = init.retryable ?? false;
    this.attempts = init.attempts ?? 1;
  }
}
