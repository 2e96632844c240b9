/**
 * Stripe's error shape, written once: the `type`s Stripe's error object can carry and the
 * `error` member of every error answer, derived from the `StripeError` schema of
 * `openapi.yaml` (see https://docs.stripe.com/api/errors).
 *
 * Everything that names an error type (the client, the routes, their OpenAPI document and the
 * mock) takes it from here. No Hono and no zod: the typed client imports this module too.
 *
 * @module
 */
import type { components } from "../generated/stripe_onramp.ts";

/**
 * Stripe's own error object, as `openapi.yaml` describes it (generated).
 *
 * @internal
 */
type UpstreamError = components["schemas"]["StripeError"];

/** A `type` of Stripe's error object: `api_error`, `card_error`, `idempotency_error` or `invalid_request_error`. */
export type StripeErrorType = UpstreamError["type"];

// A record keyed by every member of the generated union: a missing or extra type fails to
// compile, so the list below cannot drift from openapi.yaml.
const EVERY_TYPE: { readonly [T in StripeErrorType]: true } = {
  api_error: true,
  card_error: true,
  idempotency_error: true,
  invalid_request_error: true,
};

/** Every {@linkcode StripeErrorType}, for enums and membership checks. */
export const STRIPE_ERROR_TYPES: readonly [StripeErrorType, ...StripeErrorType[]] = Object.keys(
  EVERY_TYPE,
) as [StripeErrorType, ...StripeErrorType[]];

/**
 * Whether `value` is one of Stripe's error types.
 *
 * @param value Anything, e.g. the `type` of an upstream answer.
 * @returns `true` for a {@linkcode StripeErrorType}.
 */
export function isStripeErrorType(value: unknown): value is StripeErrorType {
  return typeof value === "string" && Object.hasOwn(EVERY_TYPE, value);
}

/**
 * The `error` member of every error answer of the proxy routes: Stripe's `type`, `code`,
 * `param` and `message` (never `doc_url`, request log links or other internals), plus
 * `retryable` on upstream failures.
 */
export interface ErrorBody {
  /** Stripe's error type; the proxy never makes up a new one. */
  type: StripeErrorType;
  /** What went wrong and how to fix it. */
  message: string;
  /** A machine-readable code, Stripe's own where one exists. */
  code?: NonNullable<UpstreamError["code"]>;
  /** The parameter to fix, in Stripe's bracket notation. */
  param?: NonNullable<UpstreamError["param"]>;
  /** Whether the same request may succeed later (set on upstream failures). */
  retryable?: boolean;
}
