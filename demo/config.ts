/**
 * The server's settings, read from environment variables on any runtime.
 *
 * @module
 */
import { assertPositiveInteger } from "../errors/option_checks.ts";

/** What the runnable server needs to know. */
export interface ServerConfig {
  /** `STRIPE_SECRET_KEY`; absent means "run on the embedded mock". */
  secretKey: string | undefined;
  /** `STRIPE_API_BASE`. @default {"https://api.stripe.com"} */
  apiBase: string | undefined;
  /** `STRIPE_API_VERSION`, sent as `Stripe-Version`. */
  apiVersion: string | undefined;
  /** `STRIPE_PUBLISHABLE_KEY`: when set, the demo page mounts Stripe's onramp widget. */
  publishableKey: string | undefined;
  /** `TRUSTED_PROXIES`: a hop count, or comma-separated CIDRs. */
  trustedProxies: number | string[] | undefined;
  /** `RATE_LIMIT_PER_MINUTE`: requests each customer IP may make per minute on the API routes. */
  rateLimitPerMinute: number | undefined;
  /**
   * `STRIPE_WEBHOOK_SECRET`: the webhook endpoint's `whsec_…` signing secret, or several,
   * comma-separated, while one is rolled. Set whenever `secretKey` is; the embedded mock signs
   * with a secret of its own.
   */
  webhookSecrets: string[] | undefined;
}

const nonEmpty = (value: string | undefined) =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

const WEBHOOK_SECRET = /^whsec_\S+$/;

// Required with a real key: without it Stripe's events could not be verified, and the server
// would learn nothing of how a purchase ended. The message never holds the value.
function readWebhookSecrets(
  value: string | undefined,
  secretKey: string | undefined,
): string[] | undefined {
  if (value === undefined) {
    if (secretKey === undefined) return undefined;
    throw new TypeError(
      "Cannot start the onramp server as 'STRIPE_WEBHOOK_SECRET' must be set with " +
        "STRIPE_SECRET_KEY: give the webhook endpoint's whsec_… signing secret (from the " +
        "Dashboard, or the one `stripe listen` prints)",
    );
  }
  const secrets = value.split(",").map((entry) => entry.trim());
  const bad = secrets.findIndex((secret) => !WEBHOOK_SECRET.test(secret));
  if (bad !== -1) {
    const which = secrets.length === 1 ? "" : ` (entry ${bad + 1} of ${secrets.length})`;
    throw new TypeError(
      `Cannot start the onramp server as 'STRIPE_WEBHOOK_SECRET'${which} is not a whsec_… ` +
        "signing secret: separate several with commas, nothing else",
    );
  }
  return secrets;
}

/**
 * Reads the settings from a variable lookup (`Deno.env.get`, `process.env`, a Worker's `env`).
 *
 * @param get Looks a variable up by name.
 * @returns The settings.
 * @throws {TypeError} When the publishable key is not a `pk_…` key, or the webhook secret is
 * missing with a secret key or is not `whsec_…`.
 * @throws {RangeError} When the rate limit is not a positive integer.
 */
export function readServerConfig(get: (name: string) => string | undefined): ServerConfig {
  const publishableKey = nonEmpty(get("STRIPE_PUBLISHABLE_KEY"));
  if (publishableKey !== undefined && !/^pk_(live|test)_\w+$/.test(publishableKey)) {
    throw new TypeError(
      "Cannot start the onramp server as 'STRIPE_PUBLISHABLE_KEY' is not a pk_live_… or pk_test_… key",
    );
  }
  const proxies = nonEmpty(get("TRUSTED_PROXIES"));
  const perMinute = nonEmpty(get("RATE_LIMIT_PER_MINUTE"));
  if (perMinute !== undefined) {
    assertPositiveInteger(
      "onramp server",
      "RATE_LIMIT_PER_MINUTE",
      /^\d+$/.test(perMinute) ? Number(perMinute) : perMinute,
    );
  }
  const secretKey = nonEmpty(get("STRIPE_SECRET_KEY"));
  return {
    secretKey,
    apiBase: nonEmpty(get("STRIPE_API_BASE")),
    apiVersion: nonEmpty(get("STRIPE_API_VERSION")),
    publishableKey,
    trustedProxies: proxies === undefined
      ? undefined
      : /^\d+$/.test(proxies)
      ? Number(proxies)
      : proxies.split(",").map((entry) => entry.trim()),
    rateLimitPerMinute: perMinute === undefined ? undefined : Number(perMinute),
    webhookSecrets: readWebhookSecrets(nonEmpty(get("STRIPE_WEBHOOK_SECRET")), secretKey),
  };
}
