/**
 * What of a Stripe session the browser gets. Nothing is relayed verbatim: each member is
 * picked by name and kept only when it has the type Stripe documents
 * (https://docs.stripe.com/api/crypto/onramp_sessions/object), so an unknown member, or a known
 * one of another type, is dropped rather than passed on, and never breaks the answer. Values
 * are not checked against the catalog: Stripe adds networks, currencies and statuses first.
 *
 * @module
 */
import type { CryptoOnrampSession } from "../client/types.ts";
import type {
  PublicSession,
  SessionFeesView,
  SessionStatusView,
  TransactionDetailsView,
} from "./_responses.ts";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isNullableString = (value: unknown): value is string | null =>
  value === null || typeof value === "string";

// A key of Stripe's `wallet_addresses`: a network's wallet key (`base_network`) or
// `destination_tags`. Anything else (`__proto__` included) is not a member Stripe documents.
const MEMBER_KEY = /^[a-z][a-z0-9_]{0,63}$/;

const STRING_MEMBERS = [
  "destination_amount",
  "destination_currency",
  "destination_network",
  "settlement_speed",
  "source_amount",
  "source_currency",
  "transaction_id",
  "wallet_address",
] as const;

const LIST_MEMBERS = ["destination_currencies", "destination_networks"] as const;

function nullableStringRecord(value: Json): Record<string, string | null> {
  return Object.fromEntries(
    Object.entries(value).filter(([key, member]) =>
      MEMBER_KEY.test(key) && key !== "destination_tags" && isNullableString(member)
    ),
  ) as Record<string, string | null>;
}

function walletAddressesOf(value: unknown): TransactionDetailsView["wallet_addresses"] | undefined {
  if (value === null) return null;
  if (!isObject(value)) return undefined;
  const wallets: NonNullable<TransactionDetailsView["wallet_addresses"]> = nullableStringRecord(
    value,
  );
  const tags = value.destination_tags;
  if (tags === null) wallets.destination_tags = null;
  else if (isObject(tags)) wallets.destination_tags = nullableStringRecord(tags);
  return wallets;
}

function feesOf(value: unknown): SessionFeesView | null | undefined {
  if (value === null) return null;
  if (!isObject(value)) return undefined;
  const fees: SessionFeesView = {};
  for (const key of ["network_fee_amount", "transaction_fee_amount"] as const) {
    if (isNullableString(value[key])) fees[key] = value[key];
  }
  return fees;
}

/**
 * Stripe's `transaction_details`, reduced to the members Stripe documents, each only when it
 * has the documented type.
 *
 * @param value What Stripe sent as `transaction_details` (anything).
 * @returns The members to relay; `{}` when `value` is not an object.
 */
export function toTransactionDetails(value: unknown): TransactionDetailsView {
  if (!isObject(value)) return {};
  const details: TransactionDetailsView = {};
  for (const key of STRING_MEMBERS) {
    if (isNullableString(value[key])) details[key] = value[key];
  }
  for (const key of LIST_MEMBERS) {
    const list = value[key];
    if (list === null) details[key] = null;
    else if (Array.isArray(list) && list.every((item) => typeof item === "string")) {
      details[key] = [...list];
    }
  }
  const lock = value.lock_wallet_address;
  if (lock === null || typeof lock === "boolean") details.lock_wallet_address = lock;
  const fees = feesOf(value.fees);
  if (fees !== undefined) details.fees = fees;
  const wallets = walletAddressesOf(value.wallet_addresses);
  if (wallets !== undefined) details.wallet_addresses = wallets;
  return details;
}

// The members every view needs: without them the answer is not a session at all, which the
// route reports as an upstream failure (502), not as a session.
function identityOf(session: unknown): SessionStatusView {
  const { id, status, livemode } = isObject(session) ? session : {};
  if (typeof id !== "string" || typeof status !== "string" || typeof livemode !== "boolean") {
    throw new TypeError(
      "Stripe answered a session without a string id and status and a boolean livemode",
    );
  }
  return { id, status, livemode };
}

/**
 * What anyone who knows a session's id may read: its id, status and mode. Not `redirect_url`
 * (the hosted onramp page drives the session, as `client_secret` does), not
 * `transaction_details` (its wallets, and `transaction_id`, the on-chain hash, lead to the
 * customer's wallet).
 *
 * @param session The session Stripe returned.
 * @returns The status view.
 * @throws {TypeError} When Stripe's answer has no string `id` and `status` or boolean `livemode`.
 */
export function toSessionStatus(session: CryptoOnrampSession): SessionStatusView {
  return identityOf(session);
}

/**
 * The view of the session's owner: the fields the widget and a status display need.
 * `client_secret` is included only on create: it unlocks the session (and its wallet
 * addresses), and on retrieve its owner already holds it.
 *
 * @param session The session Stripe returned.
 * @param withClientSecret Whether to include `client_secret`.
 * @returns The owner's view of the session.
 * @throws {TypeError} When Stripe's answer lacks what every view needs, or a `client_secret`
 * that was asked for.
 */
export function toPublicSession(
  session: CryptoOnrampSession,
  withClientSecret: boolean,
): PublicSession {
  const identity = identityOf(session);
  const raw = session as unknown as Json;
  if (withClientSecret && typeof raw.client_secret !== "string") {
    throw new TypeError("Stripe answered a new session without a string client_secret");
  }
  return {
    id: identity.id,
    ...(withClientSecret && { client_secret: raw.client_secret as string }),
    status: identity.status,
    livemode: identity.livemode,
    redirect_url: typeof raw.redirect_url === "string" ? raw.redirect_url : null,
    transaction_details: toTransactionDetails(raw.transaction_details),
  };
}
