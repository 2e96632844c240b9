/**
 * The onramp sub-app's own OpenAPI document: what each route does, the schemas it validates
 * with (those of the app's catalog and policy), and what it answers.
 *
 * @module
 */
import * as z from "zod/mini";
import type { OpenAPIObject } from "openapi3-ts/oas31";
import type { RequestSchemas } from "../validation/schemas.ts";
import { buildOpenApiDocument, type RouteDoc } from "./document.ts";
import {
  errorResponses,
  PublicSessionSchema,
  QuotesSchema,
  RESPONSE_COMPONENTS,
  SessionStatusSchema,
  SessionUpdatedEventSchema,
  WebhookReceivedSchema,
} from "./response_schemas.ts";

/** What the document of one app follows: its schemas and whether it receives webhooks. */
export interface OnrampDocumentInput {
  /** The document's title. */
  title: string;
  /** The create body the platform lets the browser send. */
  createBody: z.core.$ZodType;
  /** The request schemas of the app's catalog: query, path, headers and named schemas. */
  schemas: RequestSchemas;
  /** Whether `POST /webhooks` is enabled. */
  webhooks: boolean;
}

const DESCRIPTION = "Mint Stripe crypto onramp sessions from the browser, safely: the server " +
  "holds the Stripe key, adds the customer's IP address and enforces the platform's policy and " +
  "Stripe's parameter rules. Errors use Stripe's envelope.";

function createSessionDoc(body: z.core.$ZodType, schemas: RequestSchemas): RouteDoc {
  return {
    method: "post",
    path: "/sessions",
    operation: {
      operationId: "createOnrampSession",
      tags: ["Onramp sessions"],
      summary: "Create an onramp session",
      description: "Creates a Stripe crypto onramp session for the customer making the request. " +
        "The server adds the customer's IP address (Stripe checks the region with it), applies " +
        "the platform's policy and every rule of Stripe's create-session reference before " +
        "Stripe is called, and returns the `client_secret` that mounts the onramp widget.",
    },
    parameters: { header: schemas.idempotencyHeader },
    body,
    responses: {
      200: {
        description: "The session; hand `client_secret` to the onramp widget.",
        schema: PublicSessionSchema,
      },
      ...errorResponses(400, 401, 403, 413, 415, 429, 500, 502, 503, 504),
    },
  };
}

const retrieveSessionDoc = (schemas: RequestSchemas): RouteDoc => ({
  method: "get",
  path: "/sessions/{id}",
  operation: {
    operationId: "retrieveOnrampSession",
    tags: ["Onramp sessions"],
    summary: "Retrieve an onramp session",
    description: "Who may read what. The session id alone gives the status only (`id`, " +
      "`status`, `livemode`): an id is no secret, and the rest reveals the customer " +
      "(`transaction_details` holds their wallets, and `transaction_id`, the on-chain hash, " +
      "leads to their wallet) or drives the session (`redirect_url`, Stripe's hosted page). The " +
      "full session needs proof of ownership: the session's `client_secret` in the " +
      "`Onramp-Client-Secret` header, compared in constant time with the one Stripe holds. A " +
      "wrong secret, or another session's, is refused with 403 (a caller that sends a secret " +
      "wants the full view, and must learn that it did not get it). A `client_secret` in the " +
      "query string is refused with 400 and never honoured. `client_secret` itself is never " +
      "returned here.",
  },
  parameters: { path: schemas.sessionPath, header: schemas.clientSecretHeader },
  responses: {
    200: {
      description: "The full session with the right `Onramp-Client-Secret`; its status alone " +
        "without one.",
      schema: z.union([PublicSessionSchema, SessionStatusSchema]),
    },
    ...errorResponses(400, 403, 404, 429, 500, 502, 503, 504),
  },
});

function quotesDoc(query: z.core.$ZodObject): RouteDoc {
  return {
    method: "get",
    path: "/quotes",
    operation: {
      operationId: "getOnrampQuotes",
      tags: ["Quotes"],
      summary: "Get estimated onramp quotes",
      description: "Stripe's estimated prices for each currency–network pair, checked before " +
        "Stripe is called: `source_amount` and `destination_amount` exclude each other, and " +
        "`destination_amount` needs exactly one currency and one network.",
    },
    parameters: { query },
    responses: {
      200: { description: "The quotes.", schema: QuotesSchema },
      ...errorResponses(400, 429, 500, 502, 503, 504),
    },
  };
}

const SIGNATURE_HEADER = {
  name: "Stripe-Signature",
  in: "header" as const,
  required: true,
  description: "`t=<unix seconds>,v1=<hex HMAC-SHA256>`; one `v1` per active endpoint secret.",
  schema: { type: "string" as const },
};

const RECEIVE_WEBHOOK: RouteDoc = {
  method: "post",
  path: "/webhooks",
  operation: {
    operationId: "receiveStripeWebhook",
    tags: ["Webhooks"],
    summary: "Receive Stripe's onramp events",
    description: "Point a Stripe webhook endpoint for `crypto.onramp_session_updated` here. The " +
      "signature is verified on the raw body before anything is parsed; each event runs the " +
      "platform's handler once, in order per session. Other event types are acknowledged and " +
      "ignored.",
  },
  extraParameters: [SIGNATURE_HEADER],
  body: SessionUpdatedEventSchema,
  responses: {
    200: {
      description: "Received: handled, a duplicate, stale, or not a session event.",
      schema: WebhookReceivedSchema,
    },
    ...errorResponses(400, 409, 413, 500, 502, 503, 504),
  },
};

const SESSION_UPDATED_WEBHOOK: RouteDoc = {
  method: "post",
  path: "crypto.onramp_session_updated",
  operation: {
    operationId: "cryptoOnrampSessionUpdated",
    tags: ["Webhooks"],
    summary: "A session's status changed",
    description: "Stripe sends this event on every status change after creation, signed with " +
      "the endpoint's secret; it retries for up to three days, in no guaranteed order.",
  },
  extraParameters: [SIGNATURE_HEADER],
  body: SessionUpdatedEventSchema,
  responses: { 200: { description: "Any 2xx stops Stripe's retries." } },
};

/**
 * The OpenAPI 3.1 document of one onramp sub-app: `POST /sessions` with the body its policy
 * allows, `GET /sessions/{id}`, `GET /quotes` with its catalog's values, and, with webhooks
 * enabled, `POST /webhooks` and the event under the top-level `webhooks`.
 *
 * @example The document of the built-in catalog
 * ```ts
 * import { onrampDocument } from "./onramp_routes.ts";
 * import { BUILT_IN_CATALOG } from "../validation/catalog.ts";
 * import { requestSchemas } from "../validation/schemas.ts";
 *
 * const schemas = requestSchemas(BUILT_IN_CATALOG);
 * const doc = onrampDocument({
 *   title: "Crypto onramp",
 *   createBody: schemas.createSessionBody,
 *   schemas,
 *   webhooks: false,
 * });
 * console.log(Object.keys(doc.paths ?? {})); // ["/sessions", "/sessions/{id}", "/quotes"]
 * ```
 *
 * @param input The app's schemas and options.
 * @returns The document, without `servers`.
 */
export function onrampDocument(input: OnrampDocumentInput): OpenAPIObject {
  const { createBody, schemas } = input;
  const routes = [
    createSessionDoc(createBody, schemas),
    retrieveSessionDoc(schemas),
    quotesDoc(schemas.quoteQuery),
  ];
  return buildOpenApiDocument({
    info: { title: input.title, version: "1", description: DESCRIPTION },
    routes: input.webhooks ? [...routes, RECEIVE_WEBHOOK] : routes,
    ...(input.webhooks && { webhooks: [SESSION_UPDATED_WEBHOOK] }),
    components: {
      ...RESPONSE_COMPONENTS,
      CreateSessionRequest: createBody,
      ...schemas.components,
    },
  });
}
