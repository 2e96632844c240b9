/**
 * Zod schemas of what the browser may send: the shape of each parameter, documented with
 * `.openapi()`. Rules that relate several parameters live in `rules.ts`.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import type { CreateSessionParams, QuoteParams } from "../client/types.ts";
import { DESTINATION_CURRENCIES, DESTINATION_NETWORKS, SOURCE_CURRENCIES } from "./catalog.ts";

// Metadata limits: https://docs.stripe.com/metadata
const MAX_METADATA_KEYS = 50;
const MAX_METADATA_KEY_LENGTH = 40;
const MAX_METADATA_VALUE_LENGTH = 500;
// Generous bounds that keep hostile input small; Stripe's own limits are lower or unpublished.
const MAX_TEXT = 500;
const MAX_ADDRESS = 128;

/** A crypto network. */
export const DestinationNetworkSchema = z.enum(DESTINATION_NETWORKS).openapi("DestinationNetwork", {
  description: "A crypto network the onramp delivers on.",
  example: "ethereum",
});

/** A cryptocurrency. */
export const DestinationCurrencySchema = z.enum(DESTINATION_CURRENCIES).openapi(
  "DestinationCurrency",
  { description: "A cryptocurrency the customer can buy.", example: "eth" },
);

/** A fiat currency. */
export const SourceCurrencySchema = z.enum(SOURCE_CURRENCIES).openapi("SourceCurrency", {
  description: "The fiat currency the customer pays with.",
  example: "usd",
});

/** A positive decimal amount written as a string, so no precision is lost. */
export const DecimalStringSchema = z.string()
  .max(40)
  .regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, {
    message: 'must be a decimal number written as a string, such as "100" or "0.05"',
  })
  .openapi("DecimalString", { example: "100.00" });

const nonEmptyUnique = <T extends z.ZodType<string>>(item: T, plural: string) =>
  z.array(item)
    .min(1, { message: "must not be empty: leave it out to allow every value" })
    .max(20)
    .refine((list) => new Set(list).size === list.length, { message: "must not repeat a value" })
    .openapi({ description: `A non-empty list of ${plural}, without repeats.` });

// A lone UTF-16 surrogate ("\ud800") is not text: no UTF-8 encoding of it exists, so it could
// never reach Stripe intact. It is the sender's mistake, refused like any other bad value.
const WELL_FORMED = { message: "must be well-formed Unicode text: it holds a lone surrogate" };
const isWellFormed = (value: string) => value.isWellFormed();

/** A free-text string: any text, but never a lone surrogate. */
const freeText = () => z.string().refine(isWellFormed, WELL_FORMED);
const text = (max: number) => freeText().min(1).max(max);

const KycDetailsSchema = z.strictObject({
  email: z.email().max(MAX_TEXT).refine(isWellFormed, WELL_FORMED).optional(),
  first_name: text(MAX_TEXT).optional(),
  last_name: text(MAX_TEXT).optional(),
  dob: z.strictObject({
    day: z.int().min(1).max(31),
    month: z.int().min(1).max(12),
    year: z.int().min(1900).max(2100),
  }).optional(),
  address: z.strictObject({
    country: z.string().regex(/^[A-Z]{2}$/, { message: "must be an ISO 3166-1 alpha-2 code" })
      .optional(),
    line1: text(MAX_TEXT).optional(),
    line2: text(MAX_TEXT).optional(),
    city: text(MAX_TEXT).optional(),
    state: text(MAX_TEXT).optional(),
    postal_code: text(64).optional(),
  }).optional(),
}).openapi("KycDetails", {
  description: "Customer details to pre-fill in the onramp's identity step.",
});

const walletAddress = text(MAX_ADDRESS);

const WalletAddressesSchema = z.strictObject({
  avalanche: walletAddress.optional(),
  base_network: walletAddress.optional().openapi({
    description: "Address on Base: the key is `base_network`, the network value is `base`.",
  }),
  bitcoin: walletAddress.optional(),
  ethereum: walletAddress.optional(),
  polygon: walletAddress.optional(),
  solana: walletAddress.optional(),
  stellar: walletAddress.optional(),
  destination_tags: z.strictObject({ stellar: text(64).optional() }).optional().openapi({
    description: "Destination tags of tag-based networks; only `stellar` has one.",
  }),
}).openapi("WalletAddresses", {
  description: "The customer's wallet for each network, suggested in the widget.",
  example: { ethereum: "0x742d35Cc6634C0532925a3b844Bc454e4438f44e" },
});

const MetadataSchema = z.record(
  freeText()
    .min(1)
    .max(MAX_METADATA_KEY_LENGTH)
    .regex(/^[^[\]]*$/, { message: "must not contain square brackets" }),
  freeText().max(MAX_METADATA_VALUE_LENGTH),
).refine((metadata) => Object.keys(metadata).length <= MAX_METADATA_KEYS, {
  message: `must have at most ${MAX_METADATA_KEYS} keys`,
}).openapi("Metadata", {
  description: "Up to 50 keys of at most 40 characters, values of at most 500 characters. " +
    "An empty value unsets a key.",
  example: { order_id: "6735" },
});

/** An example create body, shown in the OpenAPI document. */
export const CREATE_SESSION_EXAMPLE: Readonly<Record<string, unknown>> = {
  source_amount: "100.00",
  source_currency: "usd",
  destination_currency: "eth",
  destination_network: "ethereum",
  destination_networks: ["ethereum", "base"],
};

/** The body of `POST /sessions`: Stripe's create parameters but `customer_ip_address`. */
export const CreateSessionBodySchema = z.strictObject({
  source_amount: DecimalStringSchema.optional().openapi({
    description: "Fiat amount to pre-fill, at most 2 decimals. Excludes `destination_amount`.",
    example: "100.00",
  }),
  source_currency: SourceCurrencySchema.optional(),
  destination_amount: DecimalStringSchema.optional().openapi({
    description: "Crypto amount to pre-fill, within the currency's precision. Needs " +
      "`destination_currency` and `destination_network`; excludes `source_amount`.",
    example: "0.1",
  }),
  destination_currency: DestinationCurrencySchema.optional(),
  destination_network: DestinationNetworkSchema.optional(),
  destination_currencies: nonEmptyUnique(DestinationCurrencySchema, "currencies").optional()
    .openapi({ example: ["eth", "usdc"] }),
  destination_networks: nonEmptyUnique(DestinationNetworkSchema, "networks").optional()
    .openapi({ example: ["ethereum", "base"] }),
  wallet_addresses: WalletAddressesSchema.optional(),
  lock_wallet_address: z.boolean().optional(),
  kyc_details: KycDetailsSchema.optional(),
  metadata: z.union([MetadataSchema, z.literal("")]).optional(),
}).openapi("CreateSessionRequest", {
  description: "The onramp session to create. Every field is optional; the platform's policy " +
    "decides which ones the browser may set.",
  example: CREATE_SESSION_EXAMPLE,
});

/** Customer data a platform's `resolveCustomer` hook may supply. */
export const CustomerDataSchema = CreateSessionBodySchema.pick({
  wallet_addresses: true,
  kyc_details: true,
  metadata: true,
});

/**
 * `T` with `undefined` taken out of every optional member, deeply: what a schema's output parsed
 * from JSON really holds (JSON has no `undefined`, and zod leaves absent keys out), in the form
 * the generated types expect under `exactOptionalPropertyTypes`.
 */
export type ParsedJson<T> = T extends readonly (infer Item)[] ? ParsedJson<Item>[]
  : T extends object ? { [K in keyof T]: ParsedJson<Exclude<T[K], undefined>> }
  : T;

/**
 * A type cast, and nothing else: types a schema's output as the {@linkcode ParsedJson} it is.
 * Nothing changes at run time.
 *
 * @param value A value a schema produced from JSON (or from a parsed form).
 * @returns The same value.
 */
export function asParsedJson<T>(value: T): ParsedJson<T> {
  return value as ParsedJson<T>;
}

/**
 * `true` when every key of `Inner`, at every depth, is also a key of `Outer`. Assignability
 * alone misses this: an object type with an extra member is still assignable.
 */
type NoForeignKeys<Inner, Outer> = Inner extends readonly (infer Item)[]
  ? NoForeignKeys<Item, Extract<Outer, readonly unknown[]>[number]>
  : Inner extends object
    ? [Exclude<keyof Inner, keyof Extract<Outer, object>>] extends [never] ? EveryTrue<
        {
          [K in keyof Inner]-?: NoForeignKeys<
            Inner[K],
            Extract<Outer, object>[K & keyof Extract<Outer, object>]
          >;
        }
      >
    : false
  : true;
type EveryTrue<T> = T[keyof T] extends true ? true : false;

/**
 * A create body as the browser may send it: the upstream create parameters (generated from
 * `openapi.yaml`) but `customer_ip_address`, which the server sets.
 */
export type CreateSessionBody = Omit<CreateSessionParams, "customer_ip_address">;
type ParsedCreateBody = ParsedJson<z.output<typeof CreateSessionBodySchema>>;
// Single source of truth: these fail to compile if the browser-facing schema accepts a value or
// a key, at any depth, that the upstream spec (openapi.yaml, via generated/) would not.
const _bodyFitsUpstream = (body: ParsedCreateBody): CreateSessionBody => body;
const _bodyHasNoForeignKeys: NoForeignKeys<ParsedCreateBody, CreateSessionBody> = true;

/** The query of `GET /quotes`. */
export const QuoteQuerySchema = z.strictObject({
  source_currency: SourceCurrencySchema.optional().openapi({
    description: "The fiat currency to quote in; Stripe's default is usd.",
  }),
  source_amount: DecimalStringSchema.optional().openapi({
    description: "The fiat amount to quote, at most 2 decimals; Stripe's default is 100.00. " +
      "Excludes `destination_amount`.",
  }),
  destination_amount: DecimalStringSchema.optional().openapi({
    description: "The crypto amount to quote instead; needs exactly one destination currency " +
      "and one destination network.",
  }),
  destination_currencies: z.preprocess(
    (value) => typeof value === "string" ? [value] : value,
    nonEmptyUnique(DestinationCurrencySchema, "currencies"),
  ).optional().openapi({
    description: "Repeat the parameter for several values: " +
      "`destination_currencies=eth&destination_currencies=usdc`.",
  }),
  destination_networks: z.preprocess(
    (value) => typeof value === "string" ? [value] : value,
    nonEmptyUnique(DestinationNetworkSchema, "networks"),
  ).optional().openapi({
    description: "Repeat the parameter for several values: " +
      "`destination_networks=ethereum&destination_networks=solana`.",
  }),
});

/** A validated quotes query. */
export type QuoteQuery = ParsedJson<z.output<typeof QuoteQuerySchema>>;
const _queryFitsUpstream = (query: QuoteQuery): QuoteParams => query;
const _queryHasNoForeignKeys: NoForeignKeys<QuoteQuery, QuoteParams> = true;

/** A session id in a path. */
export const SessionIdSchema = z.string().regex(/^cos_[A-Za-z0-9_]{1,200}$/, {
  message: "must be an onramp session id starting with cos_",
}).openapi({ param: { name: "id", in: "path" }, example: "cos_1NamBL2eZvKYlo2CP38sZVEW" });
