/**
 * Verifies Stripe's webhook signatures with Web Crypto, so it runs unchanged on Deno, Cloudflare
 * Workers, Node and Bun (https://docs.stripe.com/webhooks#verify-events).
 *
 * Stripe signs each delivery with the endpoint's secret (`whsec_…`): the `Stripe-Signature`
 * header carries `t=<unix seconds>` and one `v1=<hex>` per active secret, the hex being
 * HMAC-SHA256, keyed with the whole secret string, over `"<t>.<raw body>"`. The check runs on the
 * raw request bytes: JSON parsed and serialized again would not match. Stripe's official Node
 * library (`stripe.webhooks.constructEventAsync`) is the oracle the tests hold this to.
 *
 * @module
 */

/** How far, in seconds, a signature's timestamp may be from now. @default 300 */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The most `v1` entries read from one header: a real one has one per active secret. */
const MAX_SIGNATURES = 8;
/** A longer header is not Stripe's: a few entries of 64 hex digits each. */
const MAX_HEADER_LENGTH = 2_048;
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const UNIX_SECONDS = /^[0-9]{1,12}$/;
const SECRET = /^whsec_\S+$/;

/** Why a delivery was refused: a message that says what to check, and nothing of the secret. */
export type VerificationFailure =
  | "missing_body"
  | "missing_header"
  | "malformed_header"
  | "no_v1_signature"
  | "timestamp_outside_tolerance"
  | "no_matching_signature";

/** The outcome of {@linkcode SignatureVerifier.verify}. */
export type VerificationResult =
  | { readonly ok: true; readonly timestamp: number }
  | { readonly ok: false; readonly failure: VerificationFailure; readonly message: string };

/** Checks deliveries against the endpoint's secrets; see {@linkcode createSignatureVerifier}. */
export interface SignatureVerifier {
  /**
   * Verifies one delivery.
   *
   * @param rawBody The request body exactly as received.
   * @param header The `Stripe-Signature` header, or `undefined` when absent.
   * @param nowMs The current time, in milliseconds since the epoch.
   * @returns The signed timestamp, or why the delivery is refused.
   */
  verify(
    rawBody: Uint8Array,
    header: string | undefined,
    nowMs: number,
  ): Promise<VerificationResult>;
}

/**
 * Checks the endpoint secrets at start-up: each must be a `whsec_…` string without whitespace
 * (a pasted secret with a trailing newline never verifies anything, and fails late and silently).
 * The message never echoes a secret.
 *
 * @param secrets One secret, or several while a secret is being rolled.
 * @returns The secrets as a non-empty list.
 * @throws {TypeError} When the list is empty or a secret is not a `whsec_…` string.
 */
export function checkWebhookSecrets(secrets: string | readonly string[]): readonly string[] {
  const list = typeof secrets === "string" ? [secrets] : [...(secrets ?? [])];
  if (list.length === 0) {
    throw new TypeError(
      "Cannot create onramp handler as 'webhooks.secret' is empty: give the endpoint's whsec_… secret",
    );
  }
  list.forEach((secret, index) => {
    if (typeof secret !== "string" || !SECRET.test(secret)) {
      const where = list.length === 1 ? "webhooks.secret" : `webhooks.secret[${index}]`;
      const why = typeof secret === "string" && /\s/.test(secret)
        ? "contains whitespace (often a pasted newline)"
        : "is not a webhook signing secret: expected whsec_…";
      throw new TypeError(`Cannot create onramp handler as '${where}' ${why}`);
    }
  });
  return list;
}

interface ParsedHeader {
  timestamp: number;
  signatures: Uint8Array[];
}

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

// `t=…,v1=…[,v1=…]`; other schemes (`v0`, a future `v2`) are ignored, as Stripe's libraries do.
function parseHeader(header: string): ParsedHeader | VerificationFailure {
  if (header.length > MAX_HEADER_LENGTH) return "malformed_header";
  let timestamp: number | undefined;
  let hasV1 = false;
  const signatures: Uint8Array[] = [];
  for (const item of header.split(",")) {
    const equals = item.indexOf("=");
    if (equals === -1) continue;
    const key = item.slice(0, equals).trim();
    const value = item.slice(equals + 1).trim();
    if (key === "t") {
      // Exactly one timestamp, in plain digits: two of them would make the check ambiguous.
      if (timestamp !== undefined || !UNIX_SECONDS.test(value)) return "malformed_header";
      timestamp = Number(value);
    } else if (key === "v1") {
      // A v1 that is not 64 hex digits is still a v1 signature: one that matches nothing, as
      // stripe-node finds it ("No signatures found matching the expected signature").
      hasV1 = true;
      if (HEX_SHA256.test(value) && signatures.length < MAX_SIGNATURES) {
        signatures.push(hexToBytes(value));
      }
    }
  }
  if (timestamp === undefined) return "malformed_header";
  if (!hasV1) return "no_v1_signature";
  return { timestamp, signatures };
}

// Compares every byte whatever the first difference, so the time taken says nothing about how
// much of a forged signature was right.
function equalInConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

const MESSAGES: Record<VerificationFailure, string> = {
  missing_body: "The request has no body: Stripe always sends the event",
  missing_header:
    "The request has no Stripe-Signature header: only Stripe's deliveries are accepted",
  malformed_header:
    "The Stripe-Signature header is malformed: expected t=<timestamp>,v1=<signature>",
  no_v1_signature: "The Stripe-Signature header holds no v1 signature",
  timestamp_outside_tolerance:
    "The signature's timestamp is outside the tolerance: check the server's clock, or this is a replay",
  no_matching_signature:
    "No signature matches the payload: check the endpoint's signing secret, and that the raw body reaches the route unchanged",
};

function refused(failure: VerificationFailure): VerificationResult {
  return { ok: false, failure, message: MESSAGES[failure] };
}

/**
 * Creates the verifier of an endpoint's deliveries. The secrets' HMAC keys are imported on the
 * first delivery (Web Crypto is asynchronous, and Workers allow no async work at start-up), then
 * kept.
 *
 * A delivery is accepted when its timestamp is within `toleranceSeconds` of now, in either
 * direction (Stripe's Node library only refuses old ones; a timestamp far in the future would
 * stretch the window in which a captured delivery can be replayed), and any `v1` signature
 * matches any secret.
 *
 * @example Verify a delivery
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createSignatureVerifier } from "./signature.ts";
 *
 * const verifier = createSignatureVerifier(["whsec_test_secret"], 300);
 * const body = new TextEncoder().encode('{"id":"evt_1"}');
 * const result = await verifier.verify(body, "t=1700000000,v1=00", 1_700_000_000_000);
 * assertEquals(result.ok, false); // a v1 that is not 64 hex digits matches nothing
 * ```
 *
 * @param secrets Checked `whsec_…` secrets (see {@linkcode checkWebhookSecrets}).
 * @param toleranceSeconds How far the timestamp may be from now.
 * @returns The verifier.
 */
export function createSignatureVerifier(
  secrets: readonly string[],
  toleranceSeconds: number,
): SignatureVerifier {
  let keys: Promise<CryptoKey[]> | undefined;
  const encoder = new TextEncoder();
  const importKeys = () =>
    Promise.all(secrets.map((secret) =>
      crypto.subtle.importKey(
        "raw",
        encoder.encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      )
    ));
  return {
    async verify(rawBody, header, nowMs) {
      if (rawBody.length === 0) return refused("missing_body");
      if (header === undefined || header.trim() === "") return refused("missing_header");
      const parsed = parseHeader(header);
      if (typeof parsed === "string") return refused(parsed);
      if (Math.abs(Math.floor(nowMs / 1000) - parsed.timestamp) > toleranceSeconds) {
        return refused("timestamp_outside_tolerance");
      }
      const prefix = encoder.encode(`${parsed.timestamp}.`);
      const signed = new Uint8Array(prefix.length + rawBody.length);
      signed.set(prefix);
      signed.set(rawBody, prefix.length);
      keys ??= importKeys();
      for (const key of await keys) {
        const expected = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed));
        if (parsed.signatures.some((signature) => equalInConstantTime(signature, expected))) {
          return { ok: true, timestamp: parsed.timestamp };
        }
      }
      return refused("no_matching_signature");
    },
  };
}
