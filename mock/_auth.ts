/**
 * The mock's API-key check: `Authorization: Bearer <key>`, or basic auth with the key as the
 * user name (`curl -u sk_test_…:`), as Stripe accepts both
 * (https://docs.stripe.com/api/authentication).
 *
 * @module
 */
import { errorAnswer, RejectedRequest } from "./_answers.ts";

/** Any test-mode secret or restricted key, what the mock accepts by default. */
export const TEST_KEY: RegExp = /^(?:sk|rk)_test_[A-Za-z0-9_]+$/;

function readKey(authorization: string | null): string | undefined {
  const [scheme, credentials, ...rest] = (authorization ?? "").trim().split(/\s+/);
  if (credentials === undefined || rest.length > 0) return undefined;
  if (/^bearer$/i.test(scheme ?? "")) return credentials;
  if (!/^basic$/i.test(scheme ?? "")) return undefined;
  try {
    const user = atob(credentials).split(":")[0];
    return user === "" ? undefined : user;
  } catch {
    return undefined; // not base64
  }
}

/**
 * Masks a key as Stripe does in its 401 message (`sk_test_****1234`), but shows the last four
 * characters only when at least eight others stay hidden, so a short key is never echoed whole.
 *
 * @param key The key received.
 * @returns The masked key.
 */
export function maskKey(key: string): string {
  const prefix = /^[a-z]{2,3}_(?:test|live)_/.exec(key)?.[0] ?? "";
  const secret = key.slice(prefix.length, prefix.length + 200);
  const shown = secret.length >= 12 ? secret.slice(-4) : "";
  return prefix + "*".repeat(secret.length - shown.length) + shown;
}

/**
 * Checks the request's key.
 *
 * @param headers The request headers.
 * @param accepts Whether a key is one the mock knows.
 * @throws {RejectedRequest} 401 when the key is missing or unknown.
 */
export function authenticate(headers: Headers, accepts: (key: string) => boolean): void {
  const key = readKey(headers.get("authorization"));
  if (key === undefined) {
    throw new RejectedRequest(errorAnswer(401, {
      type: "invalid_request_error",
      message: "You did not provide an API key. Provide your secret key in the Authorization " +
        "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    }, { "WWW-Authenticate": 'Basic realm="Stripe"' }));
  }
  if (!accepts(key)) {
    throw new RejectedRequest(errorAnswer(401, {
      type: "invalid_request_error",
      message: `Invalid API Key provided: ${maskKey(key)}`,
    }, { "WWW-Authenticate": 'Basic realm="Stripe"' }));
  }
}
