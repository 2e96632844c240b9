/**
 * Turns what the Stripe client threw into what the browser may see.
 *
 * @module
 */
import { isUpstreamFault, StripeApiError, type UpstreamFaultCode } from "../client/errors.ts";
import type { Logger } from "../errors/logger.ts";
import { OnrampError } from "../errors/onramp_error.ts";

// What the browser is told about an answer the client refused; never what the answer held.
const REFUSED: { readonly [C in UpstreamFaultCode]: string } = {
  upstream_redirect: "The onramp service answered with a redirect, which is never followed",
  upstream_response_too_large: "The onramp service's answer was too large to accept",
  upstream_invalid_response: "The onramp service's answer was not a valid answer",
};

/**
 * Maps a failed Stripe call to a safe answer:
 * - Anything but a {@linkcode StripeApiError} is not about Stripe (a parameter the client
 *   could not encode, a bug): it is returned as it is, for the app's error handler to answer
 *   as the local fault it is, never dressed up as an upstream one.
 * - An answer the client refused (a redirect, an oversized body, a malformed answer) becomes a
 *   502 with its own code (`upstream_redirect`, `upstream_response_too_large`,
 *   `upstream_invalid_response`) and `retryable: false`; nothing of the answer is relayed.
 * - Stripe's 4xx about the request (400, 402, 404) pass through with Stripe's `type`, `code`,
 *   `param` and `message` (redacted and clipped by the client), nothing else (no `doc_url`,
 *   no request log link).
 * - 401 and 403 mean the platform's key is wrong or lacks a permission: the browser gets a 502
 *   that says nothing about keys; the log says what happened.
 * - 429 and 409 that outlasted the retries become 503, 5xx become 502, a timeout 504 and an
 *   unreachable Stripe 502, each with the client's own `retryable` (false when Stripe said
 *   `Stripe-Should-Retry: false`).
 *
 * @param error What the call threw.
 * @param log Where upstream faults are reported (with Stripe's request id, never a secret).
 * @returns The error to throw from the route: an {@linkcode OnrampError} for a failed Stripe
 * call, `error` itself for anything else.
 */
export function fromUpstream(error: unknown, log: Logger): unknown {
  if (!(error instanceof StripeApiError)) return error;
  const { statusCode, requestId, code } = error;
  const report = (status: number, level: "warn" | "error", message: string) =>
    log({
      level,
      message,
      status,
      ...(code !== undefined && { code }),
      ...(requestId !== undefined && { requestId }),
    });

  if (isUpstreamFault(error)) {
    report(502, "error", error.message);
    return new OnrampError(502, {
      type: "api_error",
      code: error.code,
      message: REFUSED[error.code],
      retryable: error.retryable,
    });
  }
  if (statusCode === undefined && code === "not_permitted") {
    // The server may not reach Stripe at all: its operator's configuration, not the browser's
    // request, and not a passing fault. The log says which permission is missing.
    report(502, "error", error.message);
    return new OnrampError(502, {
      type: "api_error",
      code: "upstream_misconfigured",
      message: "The onramp service is not configured correctly",
      retryable: false,
    });
  }
  if (statusCode === undefined) {
    const timedOut = code === "timeout";
    const status = timedOut ? 504 : 502;
    report(status, "error", `${error.message}`);
    return new OnrampError(status, {
      type: "api_error",
      code: timedOut ? "upstream_timeout" : "upstream_unreachable",
      message: timedOut
        ? "The onramp service did not answer in time; try again"
        : "The onramp service could not be reached; try again",
      retryable: error.retryable,
    });
  }
  if (statusCode === 401 || statusCode === 403) {
    report(502, "error", `Stripe refused the platform's credentials (HTTP ${statusCode})`);
    return new OnrampError(502, {
      type: "api_error",
      code: "upstream_misconfigured",
      message: "The onramp service is not configured correctly",
      retryable: false,
    });
  }
  if (statusCode === 429 || statusCode === 409) {
    report(503, "warn", `Stripe answered HTTP ${statusCode} after ${error.attempts} attempt(s)`);
    return new OnrampError(503, {
      type: "api_error",
      code: statusCode === 429 ? "rate_limit" : "lock_timeout",
      message: "The onramp service is busy; try again shortly",
      retryable: error.retryable,
    });
  }
  if (statusCode >= 500) {
    report(502, "error", `Stripe answered HTTP ${statusCode} after ${error.attempts} attempt(s)`);
    return new OnrampError(502, {
      type: "api_error",
      code: "upstream_error",
      message: "The onramp service failed; try again",
      retryable: error.retryable,
    });
  }
  report(statusCode, "warn", `Stripe refused the request: ${error.message}`);
  return new OnrampError(statusCode as 400, {
    type: error.type === "api_connection_error" ? "api_error" : error.type,
    message: error.message,
    ...(code !== undefined && { code }),
    ...(error.param !== undefined && { param: error.param }),
  });
}
