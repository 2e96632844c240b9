/**
 * The life of a session in the mock: the statuses of
 * https://docs.stripe.com/api/crypto/onramp_sessions/object in the order a customer goes through
 * them (`initialized` → `requires_payment` → `fulfillment_processing` → `fulfillment_complete`),
 * or `rejected`, and the transaction hash a completed purchase gets.
 *
 * @module
 */
import type { CryptoOnrampSession } from "../client/types.ts";
import { randomHex, randomString } from "./_answers.ts";

/** The statuses of a purchase that goes through, in order. */
export const HAPPY_PATH: readonly string[] = [
  "initialized", // minted; the customer has not finished onboarding (KYC) yet
  "requires_payment", // onboarding done; the customer is at the payment step
  "fulfillment_processing", // paid; the crypto is on its way
  "fulfillment_complete", // delivered: final
];

/** Statuses after which a session never changes again. */
export const FINAL_STATUSES: readonly string[] = ["fulfillment_complete", "rejected"];

/**
 * Where Stripe can still decline the customer in the mock: during onboarding and at payment.
 * Once paid, the mock always delivers (a simplification: the docs say nothing of a refusal
 * after payment).
 */
const REJECTABLE: readonly string[] = ["initialized", "requires_payment"];

/** The status that follows `status` on the happy path, or `undefined` when there is none. */
export function nextStatus(status: string): string | undefined {
  const at = HAPPY_PATH.indexOf(status);
  return at === -1 ? undefined : HAPPY_PATH[at + 1];
}

/** Whether a session in `status` may still be rejected. */
export function canReject(status: string): boolean {
  return REJECTABLE.includes(status);
}

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/**
 * An on-chain-looking transaction hash for `network`: `0x` and 64 hex digits on EVM chains,
 * 64 hex digits on Bitcoin and Stellar, an 88-character base58 signature on Solana.
 *
 * @param network The session's destination network.
 * @param random The mock's random source.
 * @returns The hash.
 */
export function transactionHash(network: string, random: () => number): string {
  switch (network) {
    case "bitcoin":
    case "stellar":
      return randomHex(random, 64);
    case "solana":
      return randomString(random, 88, BASE58);
    default:
      return `0x${randomHex(random, 64)}`;
  }
}

/** A session moved to its next status, and what changed, as an event's `previous_attributes`. */
export interface Transition {
  /** The session as it is now. */
  readonly session: CryptoOnrampSession;
  /** The members that changed, with their values before the change. */
  readonly previous: Record<string, unknown>;
}

/**
 * Moves `session` to `status`; reaching `fulfillment_complete` sets `transaction_id`.
 *
 * @param session The session as it is.
 * @param status Its new status (checked by the caller).
 * @param random The mock's random source, for the hash.
 * @returns The new session (the old object is left as it was) and the changed members.
 */
export function moveTo(
  session: CryptoOnrampSession,
  status: string,
  random: () => number,
): Transition {
  const details = session.transaction_details;
  const previous: Record<string, unknown> = { status: session.status };
  let transactionDetails = details;
  if (status === "fulfillment_complete") {
    const network = details.destination_network ?? details.destination_networks?.[0] ??
      "ethereum";
    transactionDetails = { ...details, transaction_id: transactionHash(network, random) };
    previous.transaction_details = { transaction_id: details.transaction_id };
  }
  return {
    session: { ...session, status, transaction_details: transactionDetails },
    previous,
  };
}
