/**
 * Everything the routes answer, as documented schemas: the session the browser gets, the
 * quotes, the webhook acknowledgement and the error envelope with one true example per status.
 * Only the OpenAPI document reads them; each is held to the type the code answers with.
 *
 * @module
 */
import * as z from "zod/mini";
import type { PublicSession, SessionStatusView } from "../routes/_responses.ts";
import { type ErrorBody, STRIPE_ERROR_TYPES } from "../errors/stripe_error.ts";
import { documented, EXAMPLE_SESSION_ID, type ParsedJson } from "../validation/schemas.ts";
import type { ResponseDoc } from "./document.ts";

/** Stripe's error envelope, as the proxy answers it. */
export const ErrorResponseSchema = z.object({
  error: z.object({
    type: documented(z.enum(STRIPE_ERROR_TYPES), {
      description: "Stripe's error type; the proxy never makes up another one.",
    }),
    code: documented(z.optional(z.string()), {
      description: "Why, as a machine-readable code: Stripe's own where it has one.",
    }),
    param: documented(z.optional(z.string()), {
      description: "The parameter to fix, in Stripe's bracket notation.",
    }),
    message: documented(z.string(), { description: "What went wrong and how to fix it." }),
    retryable: documented(z.optional(z.boolean()), {
      description: "Set on upstream failures: whether the same request may succeed later.",
    }),
  }),
});
// The documented envelope and the one the code answers with are the same object.
const _errorSchemaMatches: [ErrorBody, ParsedJson<z.output<typeof ErrorResponseSchema>>["error"]] =
  [{} as ParsedJson<z.output<typeof ErrorResponseSchema>>["error"], {} as ErrorBody];

/** What each documented error status means, and an error the code really answers with it. */
const ERROR_STATUSES = {
  400: {
    description: "Invalid request: `error.param` names the parameter to fix.",
    example: {
      type: "invalid_request_error",
      code: "parameter_missing",
      param: "destination_network",
      message: "destination_amount requires destination_network: set destination_network " +
        '(e.g. "ethereum") or drop destination_amount',
    },
  },
  401: {
    description: "The platform did not recognise the customer (from its `resolveCustomer` hook).",
    example: {
      type: "invalid_request_error",
      code: "unauthenticated",
      message: "Sign in before buying crypto",
    },
  },
  403: {
    description: "The customer, or the request's origin, is not allowed.",
    example: {
      type: "invalid_request_error",
      code: "origin_not_allowed",
      message: "This origin may not call the onramp routes",
    },
  },
  404: {
    description: "No such session.",
    example: {
      type: "invalid_request_error",
      code: "resource_missing",
      param: "session",
      message: "No such crypto.onramp_session: 'cos_1NamBL2eZvKYlo2CP38sZVEW'",
    },
  },
  409: {
    description: "Another event of this session is being handled; Stripe delivers it again later.",
    example: {
      type: "api_error",
      code: "webhook_event_in_progress",
      message: "Another event of this session is being handled: deliver this one again later",
      retryable: true,
    },
  },
  413: {
    description: "The request body is larger than the configured limit.",
    example: {
      type: "invalid_request_error",
      code: "request_too_large",
      message: "The request body is larger than 32768 bytes",
    },
  },
  415: {
    description: "The body is not JSON: send `Content-Type: application/json`.",
    example: {
      type: "invalid_request_error",
      code: "unsupported_media_type",
      message: "Send the body as JSON: set Content-Type: application/json",
    },
  },
  429: {
    description: "Too many requests from this address; see `Retry-After`.",
    example: {
      type: "invalid_request_error",
      code: "rate_limit",
      message: "Too many requests from this address: try again in 42 s",
    },
  },
  500: {
    description: "A fault of the platform's configuration (code `platform_misconfigured`: its " +
      "`resolveCustomer` supplied invalid data, say) or an unexpected fault in the proxy (no " +
      "code); never the request's fault, and nothing about it is echoed.",
    example: {
      type: "api_error",
      code: "platform_misconfigured",
      message: "The platform's onramp configuration is at fault, not this request: " +
        "the platform has been told what to fix",
    },
  },
  502: {
    description: "Stripe failed, could not be reached, or refused the platform's credentials; " +
      "or its answer was refused (`upstream_redirect`, `upstream_response_too_large`, " +
      "`upstream_invalid_response`, each with `retryable: false`).",
    example: {
      type: "api_error",
      code: "upstream_error",
      message: "The onramp service failed; try again",
      retryable: true,
    },
  },
  503: {
    description: "Stripe is rate limiting or busy; `error.retryable` says whether to try again.",
    example: {
      type: "api_error",
      code: "rate_limit",
      message: "The onramp service is busy; try again shortly",
      retryable: true,
    },
  },
  504: {
    description: "Stripe did not answer in time; `error.retryable` says whether to try again.",
    example: {
      type: "api_error",
      code: "upstream_timeout",
      message: "The onramp service did not answer in time; try again",
      retryable: true,
    },
  },
} as const satisfies Record<number, { description: string; example: ErrorBody }>;

/** A documented HTTP error status. */
export type ErrorStatus = keyof typeof ERROR_STATUSES;

/**
 * The documented example error of `status`, for tests that hold the documentation to the code.
 *
 * @param status A documented error status.
 * @returns The example's `error` member.
 */
export function documentedError(status: ErrorStatus): ErrorBody {
  return ERROR_STATUSES[status].example;
}

/**
 * The responses of the given error statuses, each with the error schema and its own example.
 *
 * @param statuses The statuses a route can answer with besides success.
 * @returns Entries to spread into a route's `responses`.
 */
export function errorResponses(...statuses: ErrorStatus[]): Record<number, ResponseDoc> {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: ERROR_STATUSES[status].description,
    schema: ErrorResponseSchema,
    example: { error: ERROR_STATUSES[status].example },
  }]));
}

const nullableString = (description: string) =>
  documented(z.optional(z.nullable(z.string())), { description });
const nullableStrings = (description: string) =>
  documented(z.optional(z.nullable(z.array(z.string()))), { description });
const example = <T extends z.ZodMiniType>(schema: T, value: unknown) =>
  documented(schema, { example: value });
const STATUS_VALUES = "initialized, rejected, requires_payment, fulfillment_processing or " +
  "fulfillment_complete; new values may appear.";

/** Stripe's `transaction_details`, as relayed: known members of the documented type only. */
export const TransactionDetailsSchema = documented(
  z.object({
    destination_amount: nullableString("The crypto amount to deliver."),
    destination_currencies: nullableStrings("The cryptocurrencies the customer may choose from."),
    destination_currency: nullableString("The chosen cryptocurrency (an open string)."),
    destination_network: nullableString("The chosen network (an open string)."),
    destination_networks: nullableStrings("The networks the customer may choose from."),
    fees: documented(
      z.optional(z.nullable(z.object({
        network_fee_amount: nullableString("The blockchain's fee, in fiat."),
        transaction_fee_amount: nullableString("Stripe's processing fee, in fiat."),
      }))),
      { description: "The fees, once known." },
    ),
    lock_wallet_address: z.optional(z.nullable(z.boolean())),
    settlement_speed: nullableString("`instant` or `standard` (preview)."),
    source_amount: nullableString("The fiat amount, fees excluded."),
    source_currency: nullableString("The fiat currency."),
    transaction_id: nullableString("The on-chain transaction hash, once delivered."),
    wallet_address: nullableString("The wallet the crypto is sent to."),
    wallet_addresses: documented(
      z.optional(z.nullable(z.record(
        z.string(),
        z.union([z.string(), z.null(), z.record(z.string(), z.nullable(z.string()))]),
      ))),
      {
        description: "The suggested wallet of each network (Base's key is `base_network`; new " +
          "networks appear as new keys), and `destination_tags`.",
      },
    ),
  }),
  {
    description: "Stripe's `transaction_details`: only the members Stripe documents, each only " +
      "when it has the documented type; any other member is left out.",
  },
);

/** The part of a session its owner gets: what the widget and a status display need. */
export const PublicSessionSchema = z.object({
  id: example(z.string(), EXAMPLE_SESSION_ID),
  client_secret: documented(z.optional(z.string()), {
    description: "Hands the session to the onramp widget. Returned on create only.",
    example: `${EXAMPLE_SESSION_ID}_secret_B5faamUkzHbcpjy6NndGq1mMZGGCo8FhK2P`,
  }),
  status: documented(z.string(), { description: STATUS_VALUES, example: "initialized" }),
  livemode: z.boolean(),
  redirect_url: documented(z.nullable(z.string()), {
    description: "Stripe's hosted onramp page for this session: it drives the session.",
  }),
  transaction_details: TransactionDetailsSchema,
});
// The documented schema and the interface describe the same object.
const _publicSessionMatches: [PublicSession, ParsedJson<z.output<typeof PublicSessionSchema>>] = [
  {} as ParsedJson<z.output<typeof PublicSessionSchema>>,
  {} as PublicSession,
];

/** What `GET /sessions/{id}` answers without the session's `client_secret`. */
export const SessionStatusSchema = documented(
  z.object({
    id: example(z.string(), EXAMPLE_SESSION_ID),
    status: documented(z.string(), { description: STATUS_VALUES, example: "fulfillment_complete" }),
    livemode: z.boolean(),
  }),
  { description: "A session's status alone: what anyone who knows its id may read." },
);
const _statusMatches: [SessionStatusView, z.output<typeof SessionStatusSchema>] = [
  {} as z.output<typeof SessionStatusSchema>,
  {} as SessionStatusView,
];

const NetworkQuoteSchema = z.object({
  id: z.string(),
  destination_amount: z.nullable(z.string()),
  destination_currency: z.string(),
  destination_network: z.string(),
  source_total_amount: z.nullable(z.string()),
  fees: z.nullable(z.object({
    network_fee_monetary: z.nullable(z.string()),
    transaction_fee_monetary: z.nullable(z.string()),
  })),
});

/** Stripe's estimated quotes, as `GET /quotes` relays them. */
export const QuotesSchema = z.object({
  id: z.string(),
  destination_network_quotes: documented(
    z.nullable(z.record(z.string(), z.nullable(z.array(NetworkQuoteSchema)))),
    { description: "Quotes by network; Base's key is `base_network`.", example: { ethereum: [] } },
  ),
  livemode: z.boolean(),
  rate_fetched_at: example(z.number(), 1674265506.3408287),
  source_amount: example(z.string(), "100.00"),
  source_currency: example(z.string(), "usd"),
});

/** The answer to Stripe for a delivery it need not repeat. */
export const WebhookReceivedSchema = z.object({
  received: z.literal(true),
  outcome: documented(z.enum(["handled", "duplicate", "stale", "ignored"]), {
    description: "handled: the handler ran; duplicate: handled before; stale: older than the " +
      "session's applied status; ignored: not a session event.",
  }),
});

/** Stripe's `crypto.onramp_session_updated` event, as `POST /webhooks` receives it. */
// Loose: Stripe's events carry more members than these (`api_version`, `request`, …).
export const SessionUpdatedEventSchema = documented(
  z.looseObject({
    id: example(z.string(), "evt_1PyqfXLkdIwHu7ixDRhVY8S1"),
    object: z.literal("event"),
    type: example(z.string(), "crypto.onramp_session_updated"),
    created: z.int(),
    livemode: z.boolean(),
    data: z.looseObject({
      object: documented(
        z.looseObject({
          id: example(z.string(), EXAMPLE_SESSION_ID),
          object: z.literal("crypto.onramp_session"),
          status: example(z.string(), "fulfillment_complete"),
        }),
        { description: "The session as it is now." },
      ),
    }),
  }),
  {
    description: "Stripe's event for a session's new status (https://docs.stripe.com/api/events).",
  },
);

/** The answers' named schemas, as `components.schemas` lists them. */
export const RESPONSE_COMPONENTS: Readonly<Record<string, z.ZodMiniType>> = {
  Error: ErrorResponseSchema,
  OnrampSession: PublicSessionSchema,
  TransactionDetails: TransactionDetailsSchema,
  OnrampSessionStatus: SessionStatusSchema,
  OnrampQuotes: QuotesSchema,
  NetworkQuote: NetworkQuoteSchema,
  WebhookReceived: WebhookReceivedSchema,
  CryptoOnrampSessionUpdatedEvent: SessionUpdatedEventSchema,
};
