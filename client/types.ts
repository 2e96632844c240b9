/**
 * The client's public types, named after the objects and parameters of `openapi.yaml`: each is a
 * view into the types `openapi-typescript` generated from it, so none can drift from the spec.
 *
 * @module
 */
import type { Client } from "openapi-fetch";
import type { components, paths } from "../generated/stripe_onramp.ts";

/**
 * The schemas generated from `openapi.yaml` (`components["schemas"]` of `generated/`).
 *
 * @internal
 */
type Schemas = components["schemas"];

/**
 * The paths generated from `openapi.yaml` (`paths` of `generated/`).
 *
 * @internal
 */
type Paths = paths;

/**
 * openapi-fetch's typed client (`Client` from `openapi-fetch`) of the onramp paths.
 *
 * @internal
 */
type OpenApiFetchClient = Client<Paths>;

/** Parameters of a create call, exactly as `openapi.yaml` describes them. */
export type CreateSessionParams = Schemas["CreateOnrampSessionParams"];
/** A `crypto.onramp_session` object. */
export type CryptoOnrampSession = Schemas["CryptoOnrampSession"];
/** A page of sessions. */
export type CryptoOnrampSessionList = Schemas["CryptoOnrampSessionList"];
/** The estimated quotes for every currency–network pair. */
export type OnrampQuotes = Schemas["OnrampQuotes"];
/** Filters and cursors of a list call. */
export type ListSessionsParams = NonNullable<
  Paths["/v1/crypto/onramp_sessions"]["get"]["parameters"]["query"]
>;
/** Parameters of a quotes call. */
export type QuoteParams = NonNullable<
  Paths["/v1/crypto/onramp_quotes"]["get"]["parameters"]["query"]
>;
/** The `openapi-fetch` client of the onramp paths, for calls the client's methods do not cover. */
export type OnrampApi = OpenApiFetchClient;
