/**
 * Stripe's fiat-to-crypto onramp for any platform, from the edge.
 *
 * Mount {@linkcode cryptoOnramp} in a Hono app and the browser can mint Stripe
 * `CryptoOnrampSession`s safely: the secret key stays on the server, the customer's IP address
 * is added, the platform's policy and every rule of Stripe's create-session reference are
 * enforced before Stripe is called, errors come back in Stripe's shape, and the routes
 * document themselves at `/openapi.json` and `/docs`. Runs on Deno, Deno Deploy, Cloudflare
 * Workers and Node.
 *
 * ```ts
 * import { Hono } from "hono";
 * import { cryptoOnramp } from "./mod.ts";
 *
 * const app = new Hono();
 * app.route("/onramp", cryptoOnramp({ stripeSecretKey: "sk_test_123" }));
 * ```
 *
 * Learn how each purchase ended with the `webhooks` option: Stripe's
 * `crypto.onramp_session_updated` events, verified on the raw body with Web Crypto, reach the
 * platform's `onSessionUpdated` once each and in order per session.
 *
 * Limit each address with the `rateLimit` option.
 *
 * On many instances, share the rate limit's counters and the handled webhook events: the
 * `./deno-kv` entry point has both stores on Deno KV (`createDenoKvStore`,
 * `createDenoKvEventStore`) for Deno Deploy, and the `./durable-object` entry point both on
 * Durable Objects (`createDurableObjectStore`, `createDurableObjectEventStore`) for
 * Cloudflare Workers.
 *
 * On Node, pass `createNodeFetch()` from the `./node` entry point as the `fetch` option: it reaches
 * Stripe through a pool of keep-alive connections, where Node's own `fetch` costs several times
 * the CPU of the whole middleware per call.
 *
 * The typed Stripe client underneath is available on its own as {@linkcode createOnrampClient}.
 *
 * @module
 */
export { cryptoOnramp, type CryptoOnrampOptions } from "./routes/onramp_app.ts";
export type { ResolveCustomer } from "./routes/create_session.ts";
export {
  type AmountLimits,
  type BrowserField,
  type CustomerData,
  DEFAULT_BROWSER_FIELDS,
  type OnrampPolicy,
} from "./validation/policy.ts";
export type { GetClientIp, OnrampEnv } from "./ip/customer_ip.ts";
export type { TrustedProxies } from "./ip/trusted_proxies.ts";
export type { RateLimitOptions } from "./ratelimit/rate_limit.ts";
export type { RateLimitHit, RateLimitStore } from "./ratelimit/store.ts";
export { createMemoryStore, type MemoryStoreOptions } from "./ratelimit/memory_store.ts";
export type { OnSessionUpdated, WebhookOptions } from "./routes/webhooks.ts";
export type { OnrampSessionUpdatedEvent } from "./webhooks/event.ts";
export {
  type ClaimResult,
  createMemoryEventStore,
  type EventClaim,
  type MemoryEventStoreOptions,
  type WebhookEventStore,
} from "./webhooks/event_store.ts";
export { OnrampError, type OnrampErrorOptions } from "./errors/onramp_error.ts";
export type { ErrorBody, StripeErrorType } from "./errors/stripe_error.ts";
export { consoleLogger, type LogEntry, type Logger } from "./errors/logger.ts";
export type { CreateSessionBody } from "./validation/schemas.ts";
export type {
  PublicSession,
  SessionFeesView,
  SessionStatusView,
  TransactionDetailsView,
} from "./routes/_responses.ts";
export type {
  CatalogCurrency,
  CatalogNetwork,
  CatalogOptions,
  DestinationCurrency,
  DestinationNetwork,
  Extensible,
  SourceCurrency,
} from "./validation/catalog.ts";
export {
  createOnrampClient,
  type CreateSessionOptions,
  type OnrampClient,
  type OnrampClientOptions,
  STRIPE_API_BASE,
} from "./client/create_client.ts";
export type {
  CreateSessionParams,
  CryptoOnrampSession,
  CryptoOnrampSessionList,
  ListSessionsParams,
  OnrampApi,
  OnrampQuotes,
  QuoteParams,
} from "./client/types.ts";
export {
  StripeApiError,
  type StripeApiErrorInit,
  type StripeApiErrorType,
  type UpstreamFaultCode,
} from "./client/errors.ts";
