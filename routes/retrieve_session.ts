/**
 * `GET /sessions/{id}`: a session's status, for polling after the widget closes.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OnrampClient } from "../client/create_client.ts";
import { fromUpstream } from "./_from_upstream.ts";
import type { Logger } from "../errors/logger.ts";
import { SessionIdSchema } from "../validation/schemas.ts";
import { errorResponses, type PublicSession, PublicSessionSchema } from "./_responses.ts";
import { toPublicSession } from "./public_session.ts";

function buildRoute() {
  return createRoute({
    method: "get",
    path: "/sessions/{id}",
    operationId: "retrieveOnrampSession",
    tags: ["Onramp sessions"],
    summary: "Retrieve an onramp session",
    description: "Returns a session's status and transaction details, without its " +
      "`client_secret` (an id alone must not unlock a session).",
    request: { params: z.object({ id: SessionIdSchema }) },
    responses: {
      200: {
        description: "The session, without `client_secret`.",
        content: { "application/json": { schema: PublicSessionSchema } },
      },
      ...errorResponses(400, 404, 429, 500, 502, 503, 504),
    },
  });
}

/** The route definition of `GET /sessions/{id}`. */
export const retrieveSessionRoute: ReturnType<typeof buildRoute> = buildRoute();

/**
 * Fetches a session from Stripe and returns its public view.
 *
 * @param client The Stripe client.
 * @param log Where upstream faults are reported.
 * @param id A validated session id.
 * @returns The session without `client_secret`.
 * @throws {OnrampError} When Stripe refuses or fails.
 */
export async function retrievePublicSession(
  client: OnrampClient,
  log: Logger,
  id: string,
): Promise<PublicSession> {
  try {
    return toPublicSession(await client.retrieveSession(id), false);
  } catch (error) {
    throw fromUpstream(error, log);
  }
}
