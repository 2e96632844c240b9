/**
 * What the runnable server checks before it listens, so that a misconfiguration is named at
 * start-up instead of surfacing as a customer's 502: that Stripe's API (`STRIPE_API_BASE`) can
 * be reached at all. Runtime-neutral: each entry calls it with its own `fetch`.
 *
 * @module
 */
import { STRIPE_API_BASE } from "../client/create_client.ts";
import type { ServerConfig } from "./config.ts";

/** How long the start-up probe of `STRIPE_API_BASE` may take. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Fails when `STRIPE_API_BASE`, set explicitly with a real key, cannot be reached: nothing
 * answers there (a wrong host or port, a DNS name that does not resolve). Any HTTP answer, a
 * 404 included, proves the host is there; the key is never sent.
 *
 * @param config The settings read from the environment.
 * @param send The runtime's `fetch`.
 * @throws {Error} Naming the setting and why it cannot be reached.
 */
export async function assertStripeReachable(
  config: ServerConfig,
  send: (request: Request) => Promise<Response> = fetch,
): Promise<void> {
  if (config.secretKey === undefined || config.apiBase === undefined) return;
  const base = config.apiBase;
  try {
    const res = await send(
      new Request(base, { method: "HEAD", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }),
    );
    await res.body?.cancel();
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message.split("\n")[0]}` : "";
    throw new Error(
      `Cannot start the onramp server as 'STRIPE_API_BASE' (${base}) cannot be reached (${why}): ` +
        `check the setting, or unset it to use ${STRIPE_API_BASE}`,
    );
  }
}
