/**
 * `GET /sessions/{id}`: a session's status, for polling after the widget closes; its full view
 * for whoever proves they own it.
 *
 * Who may read what: a session id is not a secret (it travels in URLs, logs and support
 * tickets), so the id alone gives the status only (`id`, `status`, `livemode`). The full view
 * (`redirect_url`, which drives the session, and `transaction_details`, whose wallets and
 * on-chain `transaction_id` lead to the customer's wallet) needs the session's own
 * `client_secret`, sent in the `Onramp-Client-Secret` header and compared in constant time
 * with the one Stripe holds for that session. A secret in the URL is refused: URLs end up in
 * logs and browser history (docs/stripe-api-notes.md#session-object-and-statuses).
 *
 * @module
 */
import { timingSafeEqual } from "hono/utils/buffer";
import type { OnrampClient } from "../client/create_client.ts";
import type { CryptoOnrampSession } from "../client/types.ts";
import { fromUpstream } from "./_from_upstream.ts";
import type { Logger } from "../errors/logger.ts";
import { invalidRequest, OnrampError } from "../errors/onramp_error.ts";
import { CLIENT_SECRET_HEADER } from "../validation/schemas.ts";
import type { PublicSession, SessionStatusView } from "./_responses.ts";
import { toPublicSession, toSessionStatus } from "./public_session.ts";

/**
 * Refuses a `client_secret` in the query string, whatever its case: it must never travel in a
 * URL, and the route never reads it from there.
 *
 * @param queryNames The names in the request's query string (Hono's `c.req.queries()` parses
 * them without building a URL, which a hostile Host header can make impossible).
 * @throws {OnrampError} A 400 naming `client_secret`.
 */
export function refuseSecretInUrl(queryNames: readonly string[]): void {
  for (const name of queryNames) {
    if (/^(onramp[-_]?)?client[-_]?secret$/i.test(name)) {
      throw invalidRequest(
        name,
        "parameter_not_allowed",
        `Send the session's client_secret in the Onramp-Client-Secret header, never in the ` +
          `URL (URLs end up in logs and history): remove ${name} from the query string`,
      );
    }
  }
}

/**
 * Checks proof of ownership: the session's own `client_secret`, as the caller sent it in the
 * `Onramp-Client-Secret` header.
 *
 * @param session The session, as Stripe returned it (with its `client_secret`).
 * @param clientSecret The secret the caller sent.
 * @throws {OnrampError} A 403 `client_secret_mismatch` when it is not this session's.
 */
export async function assertSessionOwner(
  session: { readonly client_secret?: unknown },
  clientSecret: string,
): Promise<void> {
  const held = session.client_secret;
  // Constant time: how much of a guess matches must not show in how long the answer takes.
  if (typeof held === "string" && await timingSafeEqual(clientSecret, held)) return;
  throw new OnrampError(403, {
    type: "invalid_request_error",
    code: "client_secret_mismatch",
    param: CLIENT_SECRET_HEADER,
    message: "The Onramp-Client-Secret header does not match this session: send the " +
      "client_secret its create returned, or leave the header out for its status alone",
  });
}

/**
 * Fetches a session from Stripe and returns what the caller may read: the status alone, or
 * with the session's own `client_secret`, the full view.
 *
 * @param client The Stripe client.
 * @param log Where upstream faults are reported.
 * @param id A validated session id.
 * @param clientSecret The `Onramp-Client-Secret` header, if sent.
 * @returns The full session without `client_secret`, or its status view.
 * @throws {OnrampError} 403 when the secret is not this session's; Stripe's refusals and
 * failures otherwise.
 */
export async function retrievePublicSession(
  client: OnrampClient,
  log: Logger,
  id: string,
  clientSecret?: string,
): Promise<PublicSession | SessionStatusView> {
  let session: CryptoOnrampSession;
  try {
    session = await client.retrieveSession(id);
    if (clientSecret === undefined) return toSessionStatus(session);
  } catch (error) {
    throw fromUpstream(error, log);
  }
  await assertSessionOwner(session, clientSecret);
  try {
    return toPublicSession(session, false);
  } catch (error) {
    throw fromUpstream(error, log);
  }
}
