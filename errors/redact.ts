/**
 * The one home of redaction: every text that reaches the browser or a log from somewhere we do
 * not control (Stripe's messages, `Request-Id`s, error messages) passes through here first, so
 * no secret shape can slip past a second, weaker copy of the rules.
 *
 * A secret is redacted as a whole token: from a delimiter (whitespace, a quote, a bracket, `,`
 * or `;`) to the next, so `sk_live_abc123-def456` leaves nothing behind, nor does
 * `key=sk_live_…`. The shapes (https://docs.stripe.com/keys):
 * - API keys: secret `sk_`, restricted `rk_`, publishable `pk_` and ephemeral `ek_`, in live or
 *   test mode, including the masked form Stripe echoes in authentication errors
 *   (`sk_test_****1234`);
 * - webhook signing secrets, `whsec_…` (https://docs.stripe.com/webhooks#verify-events);
 * - client secrets, `…_secret_…`: a session's `cos_…_secret_…` as much as an intent's
 *   (docs/stripe-api-notes.md#session-object-and-statuses).
 *
 * @module
 */

/** The longest message relayed from Stripe to a caller, in UTF-16 code units. */
export const MAX_RELAYED_MESSAGE_LENGTH = 500;
/** The longest `code`, `param` or `Request-Id` relayed or logged, in UTF-16 code units. */
export const MAX_RELAYED_FIELD_LENGTH = 200;

// A token runs up to the next delimiter. Linear: each character is looked at once, and the
// shape tests below run on one token at a time, never backtracking across the text.
const TOKEN = /[^\s"'`<>()[\]{},;]+/g;
// Not preceded by a letter or digit, so "disk_test_" or "task_live_" are left alone.
const API_KEY = /(?:^|[^a-z0-9])(?:sk|rk|pk|ek)_(?:live|test)_/i;
const OTHER_SECRET = /(?:^|[^a-z0-9])whsec_|_secret_/i;

/**
 * Replaces every token shaped like a Stripe secret in `text`: API keys with `[redacted key]`,
 * webhook and client secrets with `[redacted secret]`.
 *
 * @example Redact a key with a dash in it, and a client secret
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { redactSecrets } from "./redact.ts";
 *
 * assertEquals(
 *   redactSecrets("Invalid key sk_live_abc123-def456 for cos_1_secret_x"),
 *   "Invalid key [redacted key] for [redacted secret]",
 * );
 * ```
 *
 * @param text Any text.
 * @returns The text with each secret-shaped token replaced.
 */
export function redactSecrets(text: string): string {
  // Every shape holds an underscore: most texts are returned without a scan.
  if (!text.includes("_")) return text;
  return text.replace(TOKEN, (token) => {
    if (API_KEY.test(token)) return "[redacted key]";
    return OTHER_SECRET.test(token) ? "[redacted secret]" : token;
  });
}

/**
 * Shortens `text` to at most `maxLength` code units, ending it with `…` when cut, and never
 * between the two halves of a surrogate pair.
 *
 * @param text Any text.
 * @param maxLength The longest result, at least 2.
 * @returns `text` itself when short enough, else its clipped start.
 */
export function clipText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let end = maxLength - 1;
  // Half a pair is not text: it would make the clipped string unencodable.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * Makes a text from outside safe to relay or log: secrets redacted, then clipped to
 * `maxLength`. Only a bounded start of a long text is scanned, so a multi-megabyte message
 * costs no more than a short one.
 *
 * @example Clip and redact an upstream message
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { safeText } from "./redact.ts";
 *
 * assertEquals(safeText("whsec_abc " + "x".repeat(100), 30), "[redacted secret] xxxxxxxxxxx…");
 * ```
 *
 * @param text Any text.
 * @param maxLength The longest result.
 * @returns The redacted, clipped text.
 */
export function safeText(text: string, maxLength: number): string {
  // Twice the bound leaves room for redaction to shorten the text. A token cut at this edge
  // is redacted if its shape survived the cut; if not, what is left of it holds no secret
  // (the secret part of every shape comes after the prefix that is tested).
  const start = text.length > 2 * maxLength ? text.slice(0, 2 * maxLength) : text;
  return clipText(redactSecrets(start), maxLength);
}
