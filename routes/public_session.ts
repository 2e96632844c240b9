/**
 * What of a Stripe session the browser gets.
 *
 * @module
 */
import type { CryptoOnrampSession } from "../client/types.ts";
import type { PublicSession } from "./_responses.ts";

/**
 * Picks the fields the widget and a status display need. `client_secret` is included only on
 * create: it unlocks the session (and its wallet addresses), so knowing a session id alone
 * must not be enough to obtain it.
 *
 * @param session The session Stripe returned.
 * @param withClientSecret Whether to include `client_secret`.
 * @returns The browser's view of the session.
 */
export function toPublicSession(
  session: CryptoOnrampSession,
  withClientSecret: boolean,
): PublicSession {
  return {
    id: session.id,
    ...(withClientSecret && { client_secret: session.client_secret }),
    status: session.status,
    livemode: session.livemode,
    redirect_url: session.redirect_url ?? null,
    transaction_details: session.transaction_details,
  };
}
