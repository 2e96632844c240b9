/**
 * The error responses the routes document, all in Stripe's envelope.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";

/** Stripe's error envelope, as the proxy answers it. */
export const ErrorResponseSchema = z.object({
  error: z.object({
    type: z.enum(["invalid_request_error", "api_error", "idempotency_error", "card_error"]),
    code: z.string().optional().openapi({ example: "parameter_missing" }),
    param: z.string().optional().openapi({
      description: "The parameter to fix, in Stripe's bracket notation.",
      example: "destination_network",
    }),
    message: z.string().openapi({
      example: "destination_amount requires destination_network: set destination_network " +
        '(e.g. "ethereum") or drop destination_amount',
    }),
    retryable: z.boolean().optional().openapi({
      description: "Set on upstream failures: whether the same request may succeed later.",
    }),
  }),
}).openapi("Error");

const DESCRIPTIONS = {
  400: "Invalid request: `error.param` names the parameter to fix.",
  401: "The platform did not recognise the customer (from its `resolveCustomer` hook).",
  403: "The customer, or the request's origin, is not allowed.",
  404: "No such session.",
  413: "The request body is larger than the configured limit.",
  415: "The body is not JSON: send `Content-Type: application/json`.",
  429: "Too many requests from this address; see `Retry-After`.",
  500: "An unexpected fault in the proxy; nothing about it is echoed.",
  502: "Stripe failed, could not be reached, or refused the platform's credentials.",
  503: "Stripe is rate limiting or busy; `error.retryable` is true.",
  504: "Stripe did not answer in time; `error.retryable` is true.",
} as const;

/** A documented HTTP error status. */
export type ErrorStatus = keyof typeof DESCRIPTIONS;

/**
 * The `responses` entries of the given error statuses, each with the error schema.
 *
 * @param statuses The statuses a route can answer with besides success.
 * @returns Entries to spread into `createRoute({ responses })`.
 */
export function errorResponses<const S extends ErrorStatus>(
  ...statuses: S[]
): {
  [K in S]: {
    description: string;
    content: { "application/json": { schema: typeof ErrorResponseSchema } };
  };
} {
  return Object.fromEntries(
    statuses.map((status) => [status, {
      description: DESCRIPTIONS[status],
      content: { "application/json": { schema: ErrorResponseSchema } },
    }]),
  ) as never;
}
