/**
 * `GET /quotes`: Stripe's estimated quotes, validated on the way in.
 *
 * @module
 */
import type { OnrampClient } from "../client/create_client.ts";
import type { OnrampQuotes } from "../client/types.ts";
import { fromUpstream } from "./_from_upstream.ts";
import type { Logger } from "../errors/logger.ts";
import { BUILT_IN_CATALOG, type Catalog } from "../validation/catalog.ts";
import { enforceRules, quoteViolations } from "../validation/rules.ts";
import type { QuoteQuery } from "../validation/schemas.ts";

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
