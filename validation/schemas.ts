/**
 * Zod schemas of what the browser may send: the shape of each parameter and header, documented
 * with {@linkcode documented} (the OpenAPI document reads it). Rules that relate several
 * parameters live in `rules.ts`.
 *
 * Written with `zod/mini`, whose functions a bundler keeps only when they are used (the full
 * `zod` API brings every string format and check along with any string). The schemas follow a
 * catalog ({@linkcode requestSchemas}) and are built on the first request that needs them,
 * once per catalog. Their TypeScript types are the built-in catalog's, checked against
 * `openapi.yaml`: a platform's extra values are strings the generated types do not know,
 * checked at start-up instead.
 *
 * @module
 */
import * as z from "zod/mini";
import type { CreateSessionParams, QuoteParams } from "../client/types.ts";
import type {
  Catalog,
  DESTINATION_CURRENCIES,
  DESTINATION_NETWORKS,
  SOURCE_CURRENCIES,
  WalletKey,
} from "./catalog.ts";

// Metadata limits: https://docs.stripe.com/metadata
const MAX_METADATA_KEYS = 50;
const MAX_METADATA_KEY_LENGTH = 40;
const MAX_METADATA_VALUE_LENGTH = 500;
// Generous bounds that keep hostile input small; Stripe's own limits are lower or unpublished.
const MAX_TEXT = 500;
const MAX_ADDRESS = 128;
const MAX_LIST = 20;

/** The header that carries a session's `client_secret`, lower case as Hono reads headers. */
export const CLIENT_SECRET_HEADER = "onramp-client-secret";

/**
 * Documents `schema`: its description and example appear in the OpenAPI document (zod's global
 * registry, which `z.toJSONSchema` reads). Returns the same schema.
 *
 * @example Document an amount
 * ```ts
 * import * as z from "zod/mini";
 * import { documented } from "./schemas.ts";
 *
 * const amount = documented(z.string(), { description: "Fiat amount.", example: "100.00" });
 * console.log(z.globalRegistry.get(amount)?.description); // "Fiat amount."
 * ```
 *
 * @param schema The schema to document.
 * @param meta Its `description`, `example` or any other JSON Schema keyword.
 * @returns `schema`.
 */
export function documented<T extends z.ZodMiniType>(schema: T, meta: z.core.GlobalMeta): T {
  z.globalRegistry.add(schema as z.core.$ZodType, meta);
  return schema;
}

// A lone UTF-16 surrogate ("\ud800") is not text: no UTF-8 encoding of it exists, so it could
// never reach Stripe intact. It is the sender's mistake, refused like any other bad value.
const wellFormed = () =>
  z.refine<string>((value) => value.isWellFormed(), {
    message: "must be well-formed Unicode text: it holds a lone surrogate",
  });

/** A free-text string: any text, but never a lone surrogate. */
const freeText = () => z.string().check(wellFormed());
const text = (max: number) => z.string().check(wellFormed(), z.minLength(1), z.maxLength(max));

const decimalString = () =>
  documented(
    z.string().check(
      z.maxLength(40),
      z.regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, {
        message: 'must be a decimal number written as a string, such as "100" or "0.05"',
      }),
    ),
    { example: "100.00" },
  );

const nonEmptyUnique = <T extends z.ZodMiniType<string>>(item: T, plural: string, max: number) =>
  documented(
    z.array(item).check(
      z.minLength(1, { message: "must not be empty: leave it out to allow every value" }),
      z.maxLength(max),
      z.refine<string[]>((list) => new Set(list).size === list.length, {
        message: "must not repeat a value",
      }),
    ),
    { description: `A non-empty list of ${plural}, without repeats.` },
  );

// A query parameter given once is a string: the same list schema takes it as a list of one.
const repeatable = <T extends z.ZodMiniType>(list: T) =>
  z.pipe(z.transform((value: unknown) => typeof value === "string" ? [value] : value), list);

const int = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

const kycDetails = () =>
  documented(
    z.strictObject({
      email: z.optional(z.email().check(z.maxLength(MAX_TEXT), wellFormed())),
      first_name: z.optional(text(MAX_TEXT)),
      last_name: z.optional(text(MAX_TEXT)),
      dob: z.optional(z.strictObject({
        day: int(1, 31),
        month: int(1, 12),
        year: int(1900, 2100),
      })),
      address: z.optional(z.strictObject({
        country: z.optional(
          z.string().check(
            z.regex(/^[A-Z]{2}$/, { message: "must be an ISO 3166-1 alpha-2 code" }),
          ),
        ),
        line1: z.optional(text(MAX_TEXT)),
        line2: z.optional(text(MAX_TEXT)),
        city: z.optional(text(MAX_TEXT)),
        state: z.optional(text(MAX_TEXT)),
        postal_code: z.optional(text(64)),
      })),
    }),
    { description: "Customer details to pre-fill in the onramp's identity step." },
  );

/** The shape of `wallet_addresses` under the built-in catalog, for the types. */
type WalletShape =
  & { [K in WalletKey]: z.ZodMiniOptional<z.ZodMiniString<string>> }
  & {
    destination_tags: z.ZodMiniOptional<
      z.ZodMiniObject<{ stellar: z.ZodMiniOptional<z.ZodMiniString<string>> }, z.core.$strict>
    >;
  };

function walletAddresses(catalog: Catalog) {
  // Built as a plain record, one key per network of the catalog: `hasOwn`-safe names only
  // (the catalog refuses anything but lower-case identifiers).
  const shape: Record<string, z.ZodMiniType> = {};
  for (const network of catalog.networks) {
    const key = catalog.walletKeys.get(network)!;
    shape[key] = documented(z.optional(text(MAX_ADDRESS)), {
      description: key === network
        ? `Address on ${network}.`
        : `Address on ${network}: the key is \`${key}\`, the network value is \`${network}\`.`,
    });
  }
  const tags: Record<string, z.ZodMiniType> = {};
  for (const network of catalog.tagNetworks) tags[network] = z.optional(text(64));
  shape.destination_tags = documented(z.optional(z.strictObject(tags)), {
    description: `Destination tags of tag-based networks (${catalog.tagNetworks.join(", ")}).`,
  });
  return documented(z.strictObject(shape as WalletShape), {
    description: "The customer's wallet for each network, suggested in the widget.",
    example: { ethereum: "0x742d35Cc6634C0532925a3b844Bc454e4438f44e" },
  });
}

function metadata() {
  const record = z.record(
    freeText().check(
      z.minLength(1),
      z.maxLength(MAX_METADATA_KEY_LENGTH),
      z.regex(/^[^[\]]*$/, { message: "must not contain square brackets" }),
    ),
    freeText().check(z.maxLength(MAX_METADATA_VALUE_LENGTH)),
  ).check(
    z.refine<Record<string, string>>((value) => Object.keys(value).length <= MAX_METADATA_KEYS, {
      message: `must have at most ${MAX_METADATA_KEYS} keys`,
    }),
  );
  // zod's records skip a `__proto__` key on purpose, so it would vanish without a word; refuse
  // it instead, naming it, so that nothing the browser sent is silently lost.
  const noProtoKey = z.unknown().check(
    z.refine(
      (value) =>
        !(typeof value === "object" && value !== null && Object.hasOwn(value, "__proto__")),
      {
        path: ["__proto__"],
        message: "must not be __proto__, which cannot be stored safely: pick another key",
      },
    ),
  );
  return documented(z.pipe(noProtoKey, record), {
    type: "object",
    description: "Up to 50 keys of at most 40 characters, values of at most 500 characters. " +
      "An empty value unsets a key.",
    additionalProperties: { type: "string", maxLength: MAX_METADATA_VALUE_LENGTH },
    maxProperties: MAX_METADATA_KEYS,
    example: { order_id: "6735" },
  });
}

/** Every parameter of a create the browser could send: Stripe's, but `customer_ip_address`. */
export const CREATE_BODY_FIELDS = [
  "source_amount",
  "source_currency",
  "destination_amount",
  "destination_currency",
  "destination_network",
  "destination_currencies",
  "destination_networks",
  "wallet_addresses",
  "lock_wallet_address",
  "kyc_details",
  "metadata",
] as const satisfies readonly (keyof CreateSessionBody)[];
// Fails to compile when Stripe's create gains a parameter this list (and so the schema) lacks.
const _everyFieldListed: Exclude<keyof CreateSessionBody, typeof CREATE_BODY_FIELDS[number]> =
  undefined as never;

/** An example create body, shown in the OpenAPI document. */
export const CREATE_SESSION_EXAMPLE: Readonly<Record<string, unknown>> = {
  source_amount: "100.00",
  source_currency: "usd",
  destination_currency: "eth",
  destination_network: "ethereum",
  destination_networks: ["ethereum", "base"],
};

/** The session id the OpenAPI document's examples use. */
export const EXAMPLE_SESSION_ID = "cos_1NamBL2eZvKYlo2CP38sZVEW";

// `build`'s value, built on the first call and kept: a create builds only what a create checks.
function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

// An object whose members are what `builders` build, each built the first time it is read.
function lazyMembers<T extends Record<string, () => unknown>>(
  builders: T,
): { readonly [K in keyof T]: ReturnType<T[K]> } {
  const members = {};
  for (const [key, build] of Object.entries(builders)) {
    Object.defineProperty(members, key, { get: once(build), enumerable: true });
  }
  return members as { readonly [K in keyof T]: ReturnType<T[K]> };
}

// Calls each builder of `builders`: a shape of schemas from a record of their builders.
function buildEach<T extends Record<string, () => unknown>>(
  builders: T,
): { [K in keyof T]: ReturnType<T[K]> } {
  const built: Partial<{ [K in keyof T]: ReturnType<T[K]> }> = {};
  for (const key of Object.keys(builders) as (keyof T)[]) {
    built[key] = builders[key]!() as ReturnType<T[typeof key]>;
  }
  return built as { [K in keyof T]: ReturnType<T[K]> };
}

const CREATE_BODY_META = {
  description: "The onramp session to create. Every field is optional; the platform's " +
    "policy decides which ones the browser may set.",
  example: CREATE_SESSION_EXAMPLE,
};

// The schemas of one catalog, each built the first time it is read (its parts too, once for all
// the schemas that share them). Their types are the built-in catalog's (the casts below): what
// the extra values of a platform's catalog are is known at start-up only.
function buildSchemas(catalog: Catalog) {
  const network = once(() =>
    documented(z.enum(catalog.networks as typeof DESTINATION_NETWORKS), {
      description: "A crypto network the onramp delivers on.",
      example: "ethereum",
    })
  );
  const currency = once(() =>
    documented(z.enum(catalog.currencies as typeof DESTINATION_CURRENCIES), {
      description: "A cryptocurrency the customer can buy.",
      example: "eth",
    })
  );
  const fiat = once(() =>
    documented(z.enum(catalog.sourceCurrencies as typeof SOURCE_CURRENCIES), {
      description: "The fiat currency the customer pays with.",
      example: "usd",
    })
  );
  const maxNetworks = Math.max(MAX_LIST, catalog.networks.length);
  const maxCurrencies = Math.max(MAX_LIST, catalog.currencies.length);
  const decimal = once(decimalString);
  const wallets = once(() => walletAddresses(catalog));
  const kyc = once(kycDetails);
  const metadataSchema = once(metadata);

  // One schema per create parameter, each built when first read: a browser that may send four
  // fields gets a body schema of those four, never built from the others.
  const createFields = {
    source_amount: once(() =>
      documented(z.optional(decimal()), {
        description: "Fiat amount to pre-fill, at most 2 decimals. Excludes `destination_amount`.",
        example: "100.00",
      })
    ),
    source_currency: once(() => z.optional(fiat())),
    destination_amount: once(() =>
      documented(z.optional(decimal()), {
        description: "Crypto amount to pre-fill, within the currency's precision. Needs " +
          "`destination_currency` and `destination_network`; excludes `source_amount`.",
        example: "0.1",
      })
    ),
    destination_currency: once(() => z.optional(currency())),
    destination_network: once(() => z.optional(network())),
    destination_currencies: once(() =>
      documented(
        z.optional(nonEmptyUnique(currency(), "currencies", maxCurrencies)),
        { example: ["eth", "usdc"] },
      )
    ),
    destination_networks: once(() =>
      documented(
        z.optional(nonEmptyUnique(network(), "networks", maxNetworks)),
        { example: ["ethereum", "base"] },
      )
    ),
    wallet_addresses: once(() => z.optional(wallets())),
    lock_wallet_address: once(() => z.optional(z.boolean())),
    kyc_details: once(() => z.optional(kyc())),
    metadata: once(() => z.optional(z.union([metadataSchema(), z.literal("")]))),
  } satisfies Record<typeof CREATE_BODY_FIELDS[number], () => z.ZodMiniType>;

  const createSessionBody = once(() =>
    documented(z.strictObject(buildEach(createFields)), CREATE_BODY_META)
  );

  // The create body narrowed to `fields`, in their order, with the example to match. Its type is
  // the full body's: a subset of an all-optional object has the same output with keys missing.
  const createBodyFor = (fields: readonly (typeof CREATE_BODY_FIELDS[number])[]) => {
    const shape = Object.fromEntries(fields.map((field) => [field, createFields[field]()]));
    const example = Object.fromEntries(
      Object.entries(CREATE_SESSION_EXAMPLE).filter(([field]) =>
        (fields as readonly string[]).includes(field)
      ),
    );
    return documented(z.strictObject(shape), {
      ...CREATE_BODY_META,
      example,
    }) as never as ReturnType<
      typeof createSessionBody
    >;
  };

  const customerData = () =>
    z.pick(createSessionBody(), {
      wallet_addresses: true,
      kyc_details: true,
      metadata: true,
    });

  const quoteQuery = () =>
    z.strictObject({
      source_currency: documented(z.optional(fiat()), {
        description: "The fiat currency to quote in; Stripe's default is usd.",
      }),
      source_amount: documented(z.optional(decimal()), {
        description: "The fiat amount to quote, at most 2 decimals; Stripe's default is 100.00. " +
          "Excludes `destination_amount`.",
      }),
      destination_amount: documented(z.optional(decimal()), {
        description: "The crypto amount to quote instead; needs exactly one destination currency " +
          "and one destination network.",
      }),
      destination_currencies: documented(
        z.optional(repeatable(nonEmptyUnique(currency(), "currencies", maxCurrencies))),
        {
          description: "Repeat the parameter for several values: " +
            "`destination_currencies=eth&destination_currencies=usdc`.",
        },
      ),
      destination_networks: documented(
        z.optional(repeatable(nonEmptyUnique(network(), "networks", maxNetworks))),
        {
          description: "Repeat the parameter for several values: " +
            "`destination_networks=ethereum&destination_networks=solana`.",
        },
      ),
    });

  /** The path of `GET /sessions/{id}`. */
  const sessionPath = () =>
    z.object({
      id: documented(
        z.string().check(z.regex(/^cos_[A-Za-z0-9_]{1,200}$/, {
          message: "must be an onramp session id starting with cos_",
        })),
        { example: EXAMPLE_SESSION_ID },
      ),
    });

  /** The optional `Idempotency-Key` header of a create. */
  const idempotencyHeader = () =>
    z.object({
      "idempotency-key": documented(
        z.optional(
          z.string().check(
            z.minLength(1),
            z.maxLength(255),
            z.regex(/^[\x21-\x7e]+$/, { message: "must be 1 to 255 visible ASCII characters" }),
          ),
        ),
        {
          description: "Send the same key when repeating a request (a double click, a retry " +
            "after a network error) and get the same session back instead of a second one.",
          example: "checkout-7f3c2a",
        },
      ),
    });

  /** The optional `Onramp-Client-Secret` header of a retrieve. */
  const clientSecretHeader = () =>
    z.object({
      [CLIENT_SECRET_HEADER]: documented(
        z.optional(
          z.string().check(z.regex(/^[\x21-\x7e]{1,500}$/, {
            message: "must be the session's client_secret (1 to 500 visible ASCII characters)",
          })),
        ),
        {
          description: "The session's `client_secret`, as `POST /sessions` returned it: with " +
            "it, the answer is the full session; without it, the status only. Never put it in " +
            "the URL.",
          example: `${EXAMPLE_SESSION_ID}_secret_B5faamUkzHbcpjy6NndGq1mMZGGCo8FhK2P`,
        },
      ),
    });

  /** The named schemas of the OpenAPI document that this catalog shapes. */
  const components = (): Record<string, z.ZodMiniType> => ({
    DecimalString: decimal(),
    SourceCurrency: fiat(),
    DestinationCurrency: currency(),
    DestinationNetwork: network(),
    WalletAddresses: wallets(),
    KycDetails: kyc(),
    Metadata: metadataSchema(),
  });

  return Object.assign(
    lazyMembers({
      createSessionBody,
      customerData,
      quoteQuery,
      sessionPath,
      idempotencyHeader,
      clientSecretHeader,
      components,
    }),
    { createBodyFor },
  );
}

/** The request schemas of one catalog. */
export type RequestSchemas = ReturnType<typeof buildSchemas>;

/** The create body's schema: Stripe's create parameters but `customer_ip_address`. */
export type CreateSessionBodySchema = RequestSchemas["createSessionBody"];

const schemasByCatalog = new WeakMap<Catalog, RequestSchemas>();

/**
 * The request schemas that follow `catalog`: its networks, currencies and fiat currencies as
 * enums, its wallet keys and tag networks in `wallet_addresses`. Each schema is built the first
 * time it is read, once per catalog, then kept.
 *
 * @example Check a create body against the built-in catalog
 * ```ts
 * import { BUILT_IN_CATALOG } from "./catalog.ts";
 * import { requestSchemas } from "./schemas.ts";
 *
 * const { createSessionBody } = requestSchemas(BUILT_IN_CATALOG);
 * console.log(createSessionBody.safeParse({ destination_network: "ethereum" }).success); // true
 * ```
 *
 * @param catalog The effective catalog.
 * @returns The create body, customer data, quotes query, path and header schemas, and the
 * named schemas the OpenAPI document lists.
 */
export function requestSchemas(catalog: Catalog): RequestSchemas {
  let schemas = schemasByCatalog.get(catalog);
  if (schemas === undefined) {
    schemas = buildSchemas(catalog);
    schemasByCatalog.set(catalog, schemas);
  }
  return schemas;
}

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
type ParsedCreateBody = ParsedJson<z.output<CreateSessionBodySchema>>;
// Single source of truth: these fail to compile if the browser-facing schema accepts a value or
// a key, at any depth, that the upstream spec (openapi.yaml, via generated/) would not.
const _bodyFitsUpstream = (body: ParsedCreateBody): CreateSessionBody => body;
const _bodyHasNoForeignKeys: NoForeignKeys<ParsedCreateBody, CreateSessionBody> = true;

/** A validated quotes query. */
export type QuoteQuery = ParsedJson<z.output<RequestSchemas["quoteQuery"]>>;
const _queryFitsUpstream = (query: QuoteQuery): QuoteParams => query;
const _queryHasNoForeignKeys: NoForeignKeys<QuoteQuery, QuoteParams> = true;
