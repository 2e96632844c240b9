/**
 * `GET /v1/crypto/onramp_sessions` in the mock: filters, cursors and pages, newest first
 * (https://docs.stripe.com/api/crypto/onramp_sessions/list).
 *
 * @module
 */
import type {
  CryptoOnrampSession,
  CryptoOnrampSessionList,
  ListSessionsParams,
} from "../client/types.ts";
import { BUILT_IN_CATALOG, type Catalog } from "../validation/catalog.ts";
import { invalidParam, unknownParam } from "./_answers.ts";
import type { FormNode, FormObject } from "./form_parse.ts";

type SessionStatus = NonNullable<ListSessionsParams["status"]>;

// A mapped type, so a status added to openapi.yaml fails to compile until it is listed here.
const STATUSES: { readonly [S in SessionStatus]: true } = {
  initialized: true,
  rejected: true,
  requires_payment: true,
  fulfillment_processing: true,
  fulfillment_complete: true,
};

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
const RANGE_KEYS = ["gt", "gte", "lt", "lte"] as const;
type Range = Partial<Record<(typeof RANGE_KEYS)[number], number>>;

function integer(param: string, value: FormNode): number {
  if (typeof value !== "string" || !/^-?[0-9]{1,15}$/.test(value)) {
    throw invalidParam(param, "parameter_invalid_integer", `Invalid integer: ${param}`);
  }
  return Number(value);
}

function oneOf(param: string, value: FormNode | undefined, allowed: readonly string[]) {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !allowed.includes(value)) {
    throw invalidParam(
      param,
      "parameter_invalid",
      `Invalid ${param}: must be one of ${allowed.join(", ")}`,
    );
  }
  return value;
}

function cursor(param: string, value: FormNode | undefined): string | undefined {
  if (value !== undefined && typeof value !== "string") {
    throw invalidParam(param, "parameter_invalid", `Invalid ${param}: must be a session id`);
  }
  return value;
}

function createdRange(value: FormNode | undefined): Range {
  if (value === undefined) return {};
  if (typeof value === "string") {
    const exact = integer("created", value);
    return { gte: exact, lte: exact };
  }
  if (Array.isArray(value)) {
    throw invalidParam(
      "created",
      "parameter_invalid",
      "Invalid created: must be an integer or a hash",
    );
  }
  const range: Range = {};
  for (const [key, bound] of Object.entries(value)) {
    const name = `created[${key}]`;
    if (!(RANGE_KEYS as readonly string[]).includes(key)) throw unknownParam(name);
    range[key as keyof Range] = integer(name, bound);
  }
  return range;
}

const KNOWN_PARAMS = new Set([
  "limit",
  "starting_after",
  "ending_before",
  "created",
  "status",
  "destination_currency",
  "destination_network",
  "expand",
]);

/**
 * Answers one page of sessions.
 *
 * @param sessions Every session, in creation order.
 * @param query The parsed query string.
 * @param catalog The networks and currencies the filters may name.
 * @returns The list object.
 * @throws {RejectedRequest} 400 for an unknown or invalid parameter, both cursors, or a cursor
 * that names no session.
 */
export function listSessions(
  sessions: readonly CryptoOnrampSession[],
  query: FormObject,
  catalog: Catalog = BUILT_IN_CATALOG,
): CryptoOnrampSessionList {
  for (const name of Object.keys(query)) if (!KNOWN_PARAMS.has(name)) throw unknownParam(name);
  const limit = query.limit === undefined ? DEFAULT_LIMIT : integer("limit", query.limit);
  if (limit < 1 || limit > MAX_LIMIT) {
    throw invalidParam(
      "limit",
      "parameter_invalid_integer",
      `Invalid limit: must be between 1 and ${MAX_LIMIT}, current value is ${limit}`,
    );
  }
  const startingAfter = cursor("starting_after", query.starting_after);
  const endingBefore = cursor("ending_before", query.ending_before);
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw invalidParam(
      "ending_before",
      "parameter_invalid",
      "You may only specify one of these parameters: ending_before, starting_after",
    );
  }
  const status = oneOf("status", query.status, Object.keys(STATUSES));
  const currency = oneOf(
    "destination_currency",
    query.destination_currency,
    catalog.currencies,
  );
  const network = oneOf("destination_network", query.destination_network, catalog.networks);
  const { gt, gte, lt, lte } = createdRange(query.created);

  const matches = (s: CryptoOnrampSession) =>
    (status === undefined || s.status === status) &&
    (currency === undefined || s.transaction_details.destination_currency === currency) &&
    (network === undefined || s.transaction_details.destination_network === network) &&
    (gt === undefined || s.created > gt) && (gte === undefined || s.created >= gte) &&
    (lt === undefined || s.created < lt) && (lte === undefined || s.created <= lte);

  const newestFirst = [...sessions].reverse();
  const cursorId = startingAfter ?? endingBefore;
  const at = cursorId === undefined ? -1 : newestFirst.findIndex((s) => s.id === cursorId);
  if (cursorId !== undefined && at === -1) {
    // A cursor is a parameter, not the resource of the path: 400, as Stripe answers it.
    throw invalidParam(
      startingAfter === undefined ? "ending_before" : "starting_after",
      "resource_missing",
      `No such crypto.onramp_session: '${cursorId.slice(0, 100)}'`,
    );
  }
  let data: CryptoOnrampSession[];
  let hasMore: boolean;
  if (endingBefore !== undefined) {
    const newer = newestFirst.slice(0, at).filter(matches);
    data = newer.slice(-limit);
    hasMore = newer.length > limit;
  } else {
    const older = newestFirst.slice(at + 1).filter(matches);
    data = older.slice(0, limit);
    hasMore = older.length > limit;
  }
  return { object: "list", url: "/v1/crypto/onramp_sessions", has_more: hasMore, data };
}
