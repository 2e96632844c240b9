/**
 * `GET /quotes`: Stripe's estimated quotes, validated on the way in.
 *
 * @module
 */
import { createRoute } from "@hono/zod-openapi";
import type { OnrampClient } from "../client/create_client.ts";
import type { OnrampQuotes } from "../client/types.ts";
import { fromUpstream } from "./_from_upstream.ts";
import type { Logger } from "../errors/logger.ts";
import { BUILT_IN_CATALOG, type Catalog } from "../validation/catalog.ts";
import { enforceRules, quoteViolations } from "../validation/rules.ts";
import { type QuoteQuery, QuoteQuerySchema, type RequestSchemas } from "../validation/schemas.ts";
import { errorResponses, QuotesSchema } from "./_responses.ts";

function buildRoute(query: RequestSchemas["quoteQuery"]) {
  return createRoute({
    method: "get",
    path: "/quotes",
    operationId: "getOnrampQuotes",
    tags: ["Quotes"],
    summary: "Get estimated onramp quotes",
    description: "Stripe's estimated prices for each currency–network pair, checked before " +
      "Stripe is called: `source_amount` and `destination_amount` exclude each other, and " +
      "`destination_amount` needs exactly one currency and one network.",
    request: { query },
    responses: {
      200: {
        description: "The quotes.",
        content: { "application/json": { schema: QuotesSchema } },
      },
      ...errorResponses(400, 429, 500, 502, 503, 504),
    },
  });
}

/**
 * The route definition of `GET /quotes`, its query following one catalog.
 *
 * @param query The query schema of the app's catalog.
 * @returns The route, to register with `app.openapi`.
 */
export function quotesRoute(
  query: RequestSchemas["quoteQuery"] = QuoteQuerySchema,
): ReturnType<typeof buildRoute> {
  return buildRoute(query);
}

/**
 * Checks the quotes rules (documented ones refused, unverified ones logged as warnings) and
 * asks Stripe.
 *
 * @param client The Stripe client.
 * @param log Where upstream faults and warnings are reported.
 * @param query A query that passed the schema.
 * @param catalog The catalog it was checked against.
 * @returns Stripe's quotes.
 * @throws {OnrampError} For a broken rule (400) or a failed upstream call.
 */
export async function fetchQuotes(
  client: OnrampClient,
  log: Logger,
  query: QuoteQuery,
  catalog: Catalog = BUILT_IN_CATALOG,
): Promise<OnrampQuotes> {
  enforceRules(quoteViolations(query, catalog), log);
  try {
    return await client.getQuotes(query);
  } catch (error) {
    throw fromUpstream(error, log);
  }
}
