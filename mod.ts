/**
 * Stripe's fiat-to-crypto onramp for any platform, from the edge: a typed client for Stripe's
 * Crypto Onramp API that runs on Deno, Cloudflare Workers and Node.
 *
 * ```ts
 * import { createOnrampClient } from "./mod.ts";
 *
 * const stripe = createOnrampClient({
 *   secretKey: "sk_test_123",
 *   // A stand-in for api.stripe.com, so this snippet runs offline.
 *   deps: { fetch: () => Promise.resolve(Response.json({ id: "cos_123" })) },
 * });
 * const session = await stripe.createSession({ destination_currencies: ["eth", "usdc"] });
 * console.log(session.id);
 * ```
 *
 * @module
 */
export {
  createOnrampClient,
  type CreateSessionOptions,
  type CreateSessionParams,
  type CryptoOnrampSession,
  type CryptoOnrampSessionList,
  type ListSessionsParams,
  type OnrampApi,
  type OnrampClient,
  type OnrampClientOptions,
  type OnrampQuotes,
  type QuoteParams,
  STRIPE_API_BASE,
} from "./client/create_client.ts";
export { StripeApiError, type StripeApiErrorInit, type StripeErrorType } from "./client/errors.ts";
export type { Deps } from "./client/retrying_fetch.ts";
export type { components, paths } from "./generated/stripe_onramp.ts";
export type { Client } from "openapi-fetch";
