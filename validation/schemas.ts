/**
 * Zod schemas of what the browser may send: the shape of each parameter, documented with
 * `.meta()` (read by the OpenAPI document). Rules that relate several parameters live in `rules.ts`.
 *
 * The schemas follow a catalog ({@linkcode requestSchemas}): the exported ones are those of the
 * built-in catalog, whose TypeScript types are checked against `openapi.yaml`; an app with a
 * `catalog` option builds its own once, at start-up, whose enums and wallet keys include the
 * platform's additions (their types stay the built-in ones: the extra values are strings the
 * generated types do not know, checked at start-up instead).
 *
 * @module
 */
import * as z from "zod";
import type { CreateSessionParams, QuoteParams } from "../client/types.ts";
import {
  BUILT_IN_CATALOG,
  type Catalog,
  type DESTINATION_CURRENCIES,
  type DESTINATION_NETWORKS,
  type SOURCE_CURRENCIES,
  type WalletKey,
} from "./catalog.ts";

// Metadata limits: https://docs.stripe.com/metadata
const MAX_METADATA_KEYS = 50;
const MAX_METADATA_KEY_LENGTH = 40;
const MAX_METADATA_VALUE_LENGTH = 500;
// Generous bounds that keep hostile input small; Stripe's own limits are lower or unpublished.
const MAX_TEXT = 500;
const MAX_ADDRESS = 128;
const MAX_LIST = 20;

/** A positive decimal amount written as a string, so no precision is lost. */
export const DecimalStringSchema = z.string()
  .max(40)
  .regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, {
    message: 'must be a decimal number written as a string, such as "100" or "0.05"',
  })
  .meta({ example: "100.00" });

const nonEmptyUnique = <T extends z.ZodType<string>>(item: T, plural: string, max: number) =>
  z.array(item)
    .min(1, { message: "must not be empty: leave it out to allow every value" })
    .max(max)
    .refine((list) => new Set(list).size === list.length, { message: "must not repeat a value" })
    .meta({ description: `A non-empty list of ${plural}, without repeats.` });

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
}).meta({
  description: "Customer details to pre-fill in the onramp's identity step.",
});

const walletAddress = () => text(MAX_ADDRESS);
const destinationTag = () => text(64);

/** The shape of `wallet_addresses` under the built-in catalog, for the types. */
type WalletShape =
  & { [K in WalletKey]: z.ZodOptional<z.ZodString> }
  & {
    destination_tags: z.ZodOptional<
      z.ZodObject<{ stellar: z.ZodOptional<z.ZodString> }, z.core.$strict>
    >;
  };

function walletAddressesSchema(catalog: Catalog) {
  // Built as a plain record, one key per network of the catalog: `hasOwn`-safe names only
  // (the catalog refuses anything but lower-case identifiers).
  const shape: Record<string, z.ZodType> = {};
  for (const network of catalog.networks) {
    const key = catalog.walletKeys.get(network)!;
    shape[key] = walletAddress().optional().meta({
      description: key === network
        ? `Address on ${network}.`
        : `Address on ${network}: the key is \`${key}\`, the network value is \`${network}\`.`,
    });
  }
  const tags: Record<string, z.ZodType> = {};
  for (const network of catalog.tagNetworks) tags[network] = destinationTag().optional();
  shape.destination_tags = z.strictObject(tags).optional().meta({
    description: `Destination tags of tag-based networks (${catalog.tagNetworks.join(", ")}).`,
  });
  return z.strictObject(shape as WalletShape).meta({
    description: "The customer's wallet for each network, suggested in the widget.",
    example: { ethereum: "0x742d35Cc6634C0532925a3b844Bc454e4438f44e" },
  });
}

const metadataRecord = z.record(
  freeText()
    .min(1)
    .max(MAX_METADATA_KEY_LENGTH)
    .regex(/^[^[\]]*$/, { message: "must not contain square brackets" }),
  freeText().max(MAX_METADATA_VALUE_LENGTH),
).refine((metadata) => Object.keys(metadata).length <= MAX_METADATA_KEYS, {
  message: `must have at most ${MAX_METADATA_KEYS} keys`,
});

// zod's records skip a `__proto__` key on purpose, so it would vanish without a word; refuse
// it instead, naming it, so that nothing the browser sent is silently lost.
const MetadataSchema = z.preprocess((value, ctx) => {
  if (typeof value === "object" && value !== null && Object.hasOwn(value, "__proto__")) {
    ctx.addIssue({
      code: "custom",
      path: ["__proto__"],
      message: "must not be __proto__, which cannot be stored safely: pick another key",
      input: value,
    });
  }
  return value;
}, metadataRecord).meta({
  type: "object",
  description: "Up to 50 keys of at most 40 characters, values of at most 500 characters. " +
    "An empty value unsets a key.",
  additionalProperties: { type: "string", maxLength: MAX_METADATA_VALUE_LENGTH },
  maxProperties: MAX_METADATA_KEYS,
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

// The schemas of one catalog. Their types are the built-in catalog's (the casts below): what
// the extra values of a platform's catalog are is known at start-up only.
function buildSchemas(catalog: Catalog) {
  const networkSchema = z.enum(catalog.networks as typeof DESTINATION_NETWORKS).meta({
    description: "A crypto network the onramp delivers on.",
    example: "ethereum",
  });
  const currencySchema = z.enum(catalog.currencies as typeof DESTINATION_CURRENCIES).meta({
    description: "A cryptocurrency the customer can buy.",
    example: "eth",
  });
  const fiatSchema = z.enum(catalog.sourceCurrencies as typeof SOURCE_CURRENCIES).meta({
    description: "The fiat currency the customer pays with.",
    example: "usd",
  });
  const maxNetworks = Math.max(MAX_LIST, catalog.networks.length);
  const maxCurrencies = Math.max(MAX_LIST, catalog.currencies.length);

  const createSessionBody = z.strictObject({
    source_amount: DecimalStringSchema.optional().meta({
      description: "Fiat amount to pre-fill, at most 2 decimals. Excludes `destination_amount`.",
      example: "100.00",
    }),
    source_currency: fiatSchema.optional(),
    destination_amount: DecimalStringSchema.optional().meta({
      description: "Crypto amount to pre-fill, within the currency's precision. Needs " +
        "`destination_currency` and `destination_network`; excludes `source_amount`.",
      example: "0.1",
    }),
    destination_currency: currencySchema.optional(),
    destination_network: networkSchema.optional(),
    destination_currencies: nonEmptyUnique(currencySchema, "currencies", maxCurrencies).optional()
      .meta({ example: ["eth", "usdc"] }),
    destination_networks: nonEmptyUnique(networkSchema, "networks", maxNetworks).optional()
      .meta({ example: ["ethereum", "base"] }),
    wallet_addresses: walletAddressesSchema(catalog).optional(),
    lock_wallet_address: z.boolean().optional(),
    kyc_details: KycDetailsSchema.optional(),
    metadata: z.union([MetadataSchema, z.literal("")]).optional(),
  }).meta({
    description: "The onramp session to create. Every field is optional; the platform's policy " +
      "decides which ones the browser may set.",
    example: CREATE_SESSION_EXAMPLE,
  });

  const customerData = createSessionBody.pick({
    wallet_addresses: true,
    kyc_details: true,
    metadata: true,
  });

  const quoteQuery = z.strictObject({
    source_currency: fiatSchema.optional().meta({
      description: "The fiat currency to quote in; Stripe's default is usd.",
    }),
    source_amount: DecimalStringSchema.optional().meta({
      description: "The fiat amount to quote, at most 2 decimals; Stripe's default is 100.00. " +
        "Excludes `destination_amount`.",
    }),
    destination_amount: DecimalStringSchema.optional().meta({
      description: "The crypto amount to quote instead; needs exactly one destination currency " +
        "and one destination network.",
    }),
    destination_currencies: z.preprocess(
      (value) => typeof value === "string" ? [value] : value,
      nonEmptyUnique(currencySchema, "currencies", maxCurrencies),
    ).optional().meta({
      description: "Repeat the parameter for several values: " +
        "`destination_currencies=eth&destination_currencies=usdc`.",
    }),
    destination_networks: z.preprocess(
      (value) => typeof value === "string" ? [value] : value,
      nonEmptyUnique(networkSchema, "networks", maxNetworks),
    ).optional().meta({
      description: "Repeat the parameter for several values: " +
        "`destination_networks=ethereum&destination_networks=solana`.",
    }),
  });

  /** The named schemas of the OpenAPI document that this catalog shapes. */
  const components: Record<string, z.ZodType> = {
    DecimalString: DecimalStringSchema,
    SourceCurrency: fiatSchema,
    DestinationCurrency: currencySchema,
    DestinationNetwork: networkSchema,
    WalletAddresses: createSessionBody.shape.wallet_addresses.unwrap(),
    KycDetails: KycDetailsSchema,
    Metadata: MetadataSchema,
  };

  return { createSessionBody, customerData, quoteQuery, components };
}

/** The request schemas of one catalog. */
export type RequestSchemas = ReturnType<typeof buildSchemas>;

const schemasByCatalog = new WeakMap<Catalog, RequestSchemas>();

/**
 * The request schemas that follow `catalog`: its networks, currencies and fiat currencies as
 * enums, its wallet keys and tag networks in `wallet_addresses`. Built once per catalog.
 *
 * @param catalog The effective catalog.
 * @returns The create body, customer data and quotes query schemas.
 */
export function requestSchemas(catalog: Catalog): RequestSchemas {
  let schemas = schemasByCatalog.get(catalog);
  if (schemas === undefined) {
    schemas = buildSchemas(catalog);
    schemasByCatalog.set(catalog, schemas);
  }
  return schemas;
}

const BUILT_IN_SCHEMAS = requestSchemas(BUILT_IN_CATALOG);

/** The body of `POST /sessions` under the built-in catalog: Stripe's create parameters but `customer_ip_address`. */
export const CreateSessionBodySchema: RequestSchemas["createSessionBody"] =
  BUILT_IN_SCHEMAS.createSessionBody;

/** Customer data a platform's `resolveCustomer` hook may supply, under the built-in catalog. */
export const CustomerDataSchema: RequestSchemas["customerData"] = BUILT_IN_SCHEMAS.customerData;

/** The query of `GET /quotes`, under the built-in catalog. */
export const QuoteQuerySchema: RequestSchemas["quoteQuery"] = BUILT_IN_SCHEMAS.quoteQuery;

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

/** A validated quotes query. */
export type QuoteQuery = ParsedJson<z.output<typeof QuoteQuerySchema>>;
const _queryFitsUpstream = (query: QuoteQuery): QuoteParams => query;
const _queryHasNoForeignKeys: NoForeignKeys<QuoteQuery, QuoteParams> = true;

/** A session id in a path. */
export const SessionIdSchema = z.string().regex(/^cos_[A-Za-z0-9_]{1,200}$/, {
  message: "must be an onramp session id starting with cos_",
}).meta({ example: "cos_1NamBL2eZvKYlo2CP38sZVEW" });

/** The path parameters of `GET /sessions/{id}`. */
export const SessionPathSchema: z.ZodObject<{ id: typeof SessionIdSchema }> = z.object({
  id: SessionIdSchema,
});
