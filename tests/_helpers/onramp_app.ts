/**
 * Builds a platform app with the onramp sub-app mounted at `/onramp`, talking to a recording
 * fake Stripe, with a logger that keeps every entry for inspection.
 */
import { Hono } from "hono";
import type { ClientSeams } from "../../client/retrying_fetch.ts";
import { type CryptoOnrampOptions, cryptoOnrampWithSeams } from "../../routes/onramp_app.ts";
import type { LogEntry } from "../../errors/logger.ts";
import { type FakeUpstream, fakeUpstream, validAnswer } from "./fake_upstream.ts";

/** The secret key every test app uses; tests scan outputs for it. */
export const SECRET_KEY = "sk_test_51TopSecretKeyNeverInAnyResponse";

/** What Deno.serve hands Hono as `env`: the connection's peer. */
export function denoConn(hostname: string): { remoteAddr: Deno.NetAddr } {
  return { remoteAddr: { hostname, port: 50000, transport: "tcp" } };
}

/** A test app, its fake upstream and its log. */
export interface TestApp {
  /** Sends a request as if from `ip` (the socket peer), through the platform's app. */
  request(path: string, init?: RequestInit, ip?: string): Promise<Response>;
  upstream: FakeUpstream;
  logs: LogEntry[];
}

/** Options of a test app: the sub-app's, bar the key, plus its fake Stripe and seams. */
export type TestAppOptions = Partial<CryptoOnrampOptions> & {
  /** The fake Stripe (it is the app's `fetch`). */
  upstream?: FakeUpstream;
  /** The client's clock, timer and jitter; the timer never waits unless replaced. */
  seams?: ClientSeams;
};

/**
 * A platform's Hono app with `cryptoOnramp(options)` at `/onramp`, its fake Stripe and the log
 * it writes to: what every way of running a test app (in-process, over HTTP) shares.
 *
 * @param options Options beside the key.
 */
export function testPlatform(options: TestAppOptions = {}): {
  platform: Hono;
  upstream: FakeUpstream;
  logs: LogEntry[];
} {
  const { upstream = fakeUpstream(validAnswer), seams, ...rest } = options;
  const logs: LogEntry[] = [];
  const platform = new Hono().route(
    "/onramp",
    cryptoOnrampWithSeams({
      stripeSecretKey: SECRET_KEY,
      stripeApiBase: "https://stripe.test",
      logger: (entry) => logs.push(entry),
      ...rest,
      fetch: upstream.fetch,
    }, { sleep: () => Promise.resolve(), ...seams }),
  );
  return { platform, upstream, logs };
}

/**
 * Mounts `cryptoOnramp(options)` at `/onramp` in a plain Hono app, with no real backoff.
 *
 * @param options Options beside the key; `upstream` replaces the default fake Stripe (it is
 * the app's `fetch`), `seams` the client's clock, timer and jitter.
 */
export function testApp(
  options: TestAppOptions = {},
): TestApp {
  const { platform, upstream, logs } = testPlatform(options);
  return {
    upstream,
    logs,
    request: (path, init, ip = "203.0.113.7") =>
      Promise.resolve(platform.request(path, init, denoConn(ip))),
  };
}

/** A JSON POST with the given body. */
export function jsonPost(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** The form fields of the n-th request Stripe received. */
export function formOf(upstream: FakeUpstream, n = 0): Record<string, string> {
  const seen = upstream.requests[n];
  if (seen === undefined) throw new Error(`Stripe received no request #${n}`);
  return Object.fromEntries(new URLSearchParams(seen.body));
}

/** The `error` member of an error response. */
export async function errorOf(res: Response): Promise<Record<string, unknown>> {
  const body = await res.json();
  return body.error;
}
