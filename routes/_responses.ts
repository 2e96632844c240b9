/**
 * What the routes answer, as TypeScript types: the session the browser gets and what a session
 * id alone reveals. Their documented schemas live in `openapi/response_schemas.ts`, which holds
 * itself to these types.
 *
 * @module
 */

/** A session's fees, as Stripe reports them once known: each member a decimal string or null. */
export interface SessionFeesView {
  /** What the blockchain charges (gas or miner fee), in the fiat currency. */
  network_fee_amount?: string | null;
  /** Stripe's processing fee, in the fiat currency. */
  transaction_fee_amount?: string | null;
}

/**
 * The members of Stripe's `transaction_details` the proxy relays: each only when it has the
 * type Stripe documents (https://docs.stripe.com/api/crypto/onramp_sessions/object); an
 * unknown member, or one of another type, is left out.
 */
export interface TransactionDetailsView {
  /** The crypto amount to deliver, e.g. `"0.100000000000000000"`. */
  destination_amount?: string | null;
  /** The cryptocurrencies the customer may choose from. */
  destination_currencies?: string[] | null;
  /** The chosen cryptocurrency. */
  destination_currency?: string | null;
  /** The chosen network. */
  destination_network?: string | null;
  /** The networks the customer may choose from. */
  destination_networks?: string[] | null;
  /** The fees, once known. */
  fees?: SessionFeesView | null;
  /** Whether the customer is kept from changing the suggested wallet. */
  lock_wallet_address?: boolean | null;
  /** `instant` or `standard` (preview). */
  settlement_speed?: string | null;
  /** The fiat amount, fees excluded. */
  source_amount?: string | null;
  /** The fiat currency. */
  source_currency?: string | null;
  /** The on-chain transaction hash, once delivered. */
  transaction_id?: string | null;
  /** The wallet the crypto is sent to. */
  wallet_address?: string | null;
  /** The suggested wallet of each network (Base's key is `base_network`), and `destination_tags`. */
  wallet_addresses?: Record<string, string | null | Record<string, string | null>> | null;
}

/** A session as its owner receives it: on create, or with its `client_secret` on retrieve. */
export interface PublicSession {
  /** The session id, `cos_…`. */
  id: string;
  /** Mounts the onramp widget; returned on create only. */
  client_secret?: string;
  /** `initialized`, `rejected`, `requires_payment`, `fulfillment_processing`, `fulfillment_complete`, or a newer value. */
  status: string;
  /** Whether the session is live (not test mode). */
  livemode: boolean;
  /** Stripe's hosted onramp page for this session, if any: it drives the session, like `client_secret`. */
  redirect_url: string | null;
  /** Amounts, currencies, networks, fees and wallets of the transaction. */
  transaction_details: TransactionDetailsView;
}

/** What a session id alone reveals: where the session is, nothing about the customer. */
export interface SessionStatusView {
  /** The session id, `cos_…`. */
  id: string;
  /** The session's status (an open string). */
  status: string;
  /** Whether the session is live (not test mode). */
  livemode: boolean;
}
