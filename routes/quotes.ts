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
import { invalidRequest } from "../errors/onramp_error.ts";
import { findQuoteViolation } from "../validation/rules.ts";
import { type QuoteQuery, QuoteQuerySchema } from "../validation/schemas.ts";
import { errorResponses, QuotesSchema } from "./_responses.ts";

function buildRoute() {
  return createRoute({
    method: "get",
    path: "/quotes",
    operationId: "getOnrampQuotes",
    tags: ["Quotes"],
    summary: "Get estimated onramp quotes",
    description: "Stripe's estimated prices for each currency–network pair, checked before " +
      "Stripe is called: `source_amount` and `destination_amount` exclude each other, and " +
      "`destination_amount` needs exactly one currency and one network.",
    request: { query: QuoteQuerySchema },
    responses: {
      200: {
        description: "The quotes.",
        content: { "application/json": { schema: QuotesSchema } },
      },
      ...errorResponses(400, 429, 500, 502, 503, 504),
    },
  });
}

/** The route definition of `GET /quotes`. */
export const quotesRoute: ReturnType<typeof buildRoute> = buildRoute();

/**
 * Checks the quotes rules and asks Stripe.
 *
 * @param client The Stripe client.
 * @param log Where upstream faults are reported.
 * @param query A query that passed the schema.
 * @returns Stripe's quotes.
 * @throws {OnrampError} For a broken rule (400) or a failed upstream call.
 */
export async function fetchQuotes(
  client: OnrampClient,
  log: Logger,
  query: QuoteQuery,
): Promise<OnrampQuotes> {
  const violation = findQuoteViolation(query);
  if (violation) throw invalidRequest(violation.param, violation.code, violation.message);
  try {
    return await client.getQuotes(query);
  } catch (error) {
    throw fromUpstream(error, log);
  }
}
