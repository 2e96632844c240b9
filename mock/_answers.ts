/**
 * What the mock answers, before it becomes a `Response`: a status, the exact JSON text and
 * extra headers. Keeping the text lets an idempotent replay return the very same bytes.
 *
 * @module
 */
import type { ErrorBody } from "../errors/stripe_error.ts";

/** One answer of the mock. */
export interface Answer {
  /** The HTTP status. */
  readonly status: number;
  /** The JSON body, already serialized. */
  readonly body: string;
  /** Headers besides `Content-Type` and `Request-Id`. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Stripe's error object, as the mock sends it: never another `type`, never `retryable`. */
export type StripeErrorBody = Omit<ErrorBody, "retryable">;

/** Serializes `value` as an answer. */
export function jsonAnswer(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): Answer {
  return { status, body: JSON.stringify(value), headers };
}

/** Wraps an error object in Stripe's envelope. */
export function errorAnswer(
  status: number,
  error: StripeErrorBody,
  headers: Record<string, string> = {},
): Answer {
  return jsonAnswer(status, { error }, headers);
}

/**
 * An answer thrown instead of returned: the request failed before the endpoint began its work
 * (authentication, routing, parameter checks), so an idempotency key saves nothing for it.
 */
export class RejectedRequest extends Error {
  /** Always `"RejectedRequest"`. */
  override readonly name: string = "RejectedRequest";
  /** @param answer What to send back. */
  constructor(readonly answer: Answer) {
    super(`Request rejected with HTTP ${answer.status}`);
  }
}

/** A 400 about one parameter, thrown so that it is not saved. */
export function invalidParam(param: string, code: string, message: string): RejectedRequest {
  const error: StripeErrorBody = { type: "invalid_request_error", code, message };
  if (param !== "") error.param = param;
  return new RejectedRequest(errorAnswer(400, error));
}

/** A 400 `parameter_unknown` for `param`, in Stripe's wording. */
export function unknownParam(param: string): RejectedRequest {
  return invalidParam(param, "parameter_unknown", `Received unknown parameter: ${param}`);
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `length` characters drawn from `alphabet` (alphanumerics by default) with `random`. */
export function randomString(
  random: () => number,
  length: number,
  alphabet: string = ALPHANUMERIC,
): string {
  let text = "";
  for (let i = 0; i < length; i++) {
    // min(): a random() that returns exactly 1 must not index past the end.
    text += alphabet[Math.min(Math.floor(random() * alphabet.length), alphabet.length - 1)];
  }
  return text;
}

/** `length` lower-case hexadecimal digits. */
export function randomHex(random: () => number, length: number): string {
  return randomString(random, length, "0123456789abcdef");
}
