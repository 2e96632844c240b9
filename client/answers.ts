/**
 * What each answer of Stripe must hold before the client returns it: every required member of
 * the object, with its type, as `openapi.yaml` describes it (the types generated from it are
 * in `generated/stripe_onramp.ts`, named in `types.ts`). A compile-time guard ties each field
 * table below to its generated type, so neither can gain or lose a member alone.
 *
 * Lenient where Stripe changes without notice: extra members are ignored, a session's
 * `transaction_details` is left to the projection that relays it, and currencies,
 * networks, statuses and settlement speeds are open strings (docs/stripe-api-notes.md#answers,
 * docs/stripe-api-notes.md#currencies-networks-and-pairs). Strict where the
 * caller relies on the answer: an object of the wrong kind, a missing id or `client_secret`,
 * or a member of the wrong type is refused.
 *
 * @module
 */
import type { components } from "../generated/stripe_onramp.ts";
import type { CryptoOnrampSession, CryptoOnrampSessionList, OnrampQuotes } from "./types.ts";

/**
 * Checks one value: `undefined` when it fits, else what is wrong, naming the member in Stripe's
 * bracket notation (`transaction_details[fees]`).
 *
 * @internal
 */
type Check = (value: unknown, path: string) => string | undefined;

/**
 * One check for every member of `T`, optional ones included.
 *
 * @internal
 */
type Fields<T> = { readonly [K in keyof T]-?: Check };

/** The kind of object an answer must be, and the check that says whether it is. */
export interface AnswerShape {
  /** What the answer is, for messages: `crypto.onramp_session`, `list`, `crypto.onramp.quotes`. */
  readonly object: string;
  /**
   * Checks a parsed answer.
   *
   * @param value The answer's parsed JSON.
   * @returns `undefined` when it fits, else the first thing wrong with it.
   */
  readonly problem: (value: unknown) => string | undefined;
}

const named = (path: string) => path === "" ? "the answer" : path;

function leaf(expected: string, fits: (value: unknown) => boolean): Check {
  return (value, path) => fits(value) ? undefined : `${named(path)} must be ${expected}`;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const string = leaf("a string", (value) => typeof value === "string");
const nonEmptyString = leaf(
  "a non-empty string",
  (value) => typeof value === "string" && value !== "",
);
const nullableString = leaf(
  "a string or null",
  (value) => value === null || typeof value === "string",
);
const boolean = leaf("a boolean", (value) => typeof value === "boolean");
const number = leaf("a number", (value) => typeof value === "number" && Number.isFinite(value));

function literal(expected: string): Check {
  return leaf(JSON.stringify(expected), (value) => value === expected);
}

function prefixed(prefix: string): Check {
  return leaf(
    `a string starting with ${prefix}`,
    (value) =>
      typeof value === "string" && value.startsWith(prefix) && value.length > prefix.length,
  );
}

function optional(check: Check): Check {
  return (value, path) => value === undefined ? undefined : check(value, path);
}

function nullable(check: Check): Check {
  return (value, path) => value === null ? undefined : check(value, path);
}

const member = (path: string, key: string | number) => path === "" ? `${key}` : `${path}[${key}]`;

function array(item: Check): Check {
  return (value, path) => {
    if (!Array.isArray(value)) return `${named(path)} must be an array`;
    for (let i = 0; i < value.length; i++) {
      const problem = item(value[i], member(path, i));
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

// An object with the given members; any other member is checked with `rest` when given (maps
// such as metadata and wallets, whose keys are open), and otherwise ignored.
function object(fields: Readonly<Record<string, Check>>, rest?: Check): Check {
  const entries = Object.entries(fields);
  return (value, path) => {
    if (!isObject(value)) return `${named(path)} must be an object`;
    for (const [key, check] of entries) {
      const problem = check(value[key], member(path, key));
      if (problem !== undefined) {
        return Object.hasOwn(value, key) ? problem : `${member(path, key)} is missing`;
      }
    }
    if (rest === undefined) return undefined;
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(fields, key)) continue;
      const problem = rest(value[key], member(path, key));
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

const record = (values: Check) => object({}, values);

type Schemas = components["schemas"];

// Present, whatever its value: what is known of it, with the documented type, is picked out
// where it is relayed (routes/public_session.ts), so a new fee shape, a mistyped member or even
// a null never breaks a session whose identity is sound.
const present = leaf("present", (value) => value !== undefined);

function sessionFields(clientSecret: Check) {
  return {
    id: prefixed("cos_"),
    object: literal("crypto.onramp_session"),
    client_secret: clientSecret,
    created: number,
    kyc_details_provided: optional(boolean),
    livemode: boolean,
    metadata: optional(nullable(record(string))),
    redirect_url: optional(nullableString),
    status: string,
    transaction_details: present,
  } satisfies Fields<CryptoOnrampSession>;
}

// A create's answer is only of use with its client_secret, which mounts the widget. A retrieve
// or a list needs no secret, so one left out there is no reason to refuse the session.
const createdSession = object(sessionFields(nonEmptyString));
const session = object(sessionFields(optional(string)));

const sessionList = object(
  {
    object: literal("list"),
    url: string,
    has_more: boolean,
    data: array(session),
  } satisfies Fields<CryptoOnrampSessionList>,
);

const networkQuote = object(
  {
    id: string,
    destination_amount: string,
    destination_currency: string,
    destination_network: string,
    source_total_amount: string,
    // Fees change shape without notice: each documented member is checked only when present.
    fees: nullable(object(
      {
        network_fee_monetary: optional(nullableString),
        transaction_fee_monetary: optional(nullableString),
      } satisfies Fields<Schemas["NetworkQuote"]["fees"]>,
    )),
  } satisfies Fields<Schemas["NetworkQuote"]>,
);

const quotes = object(
  {
    id: string,
    // Older answers leave it out (docs/stripe-api-notes.md#quotes).
    object: optional(literal("crypto.onramp.quotes")),
    destination_network_quotes: nullable(record(nullable(array(networkQuote)))),
    livemode: boolean,
    rate_fetched_at: number,
    source_amount: string,
    source_currency: string,
  } satisfies Fields<OnrampQuotes>,
);

function shape(name: string, check: Check): AnswerShape {
  return { object: name, problem: (value) => check(value, "") };
}

/** A create's answer: a `crypto.onramp_session` with its `client_secret`. */
export const CREATED_SESSION: AnswerShape = shape("crypto.onramp_session", createdSession);
/** A retrieve's answer: a `crypto.onramp_session`. */
export const SESSION: AnswerShape = shape("crypto.onramp_session", session);
/** A list's answer: a `list` of `crypto.onramp_session`s. */
export const SESSION_LIST: AnswerShape = shape("list", sessionList);
/** A quotes answer: `crypto.onramp.quotes`. */
export const QUOTES: AnswerShape = shape("crypto.onramp.quotes", quotes);
