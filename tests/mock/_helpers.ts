/**
 * Request builders and deterministic sources for the Stripe mock's tests.
 */
import { encodeStripeForm, type FormValue } from "../../client/form_body.ts";

/** Where the tests pretend Stripe lives. */
export const BASE = "https://api.stripe.test";
/** A key the mock accepts by default. */
export const KEY = "sk_test_mock";
/** The create path. */
export const SESSIONS = "/v1/crypto/onramp_sessions";

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence. */
export { seededRandom as seeded } from "../_helpers/seeded_random.ts";

/** A clock that starts at `startSeconds` and moves `stepSeconds` on every reading. */
export function steppingClock(startSeconds = 1_767_225_600, stepSeconds = 1): () => number {
  let seconds = startSeconds - stepSeconds;
  return () => (seconds += stepSeconds) * 1000;
}

/** Options of {@linkcode createRequest}. */
export interface CreateInit {
  /** The bearer key; `null` sends no Authorization header. */
  key?: string | null;
  idempotencyKey?: string;
  contentType?: string;
  signal?: AbortSignal;
}

/** A create request; `params` is encoded like the client does, or sent as is when a string. */
export function createRequest(
  params: Record<string, FormValue> | string = {},
  init: CreateInit = {},
): Request {
  const { key = KEY, idempotencyKey, contentType = "application/x-www-form-urlencoded" } = init;
  const headers: Record<string, string> = { "Content-Type": contentType };
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;
  const body = typeof params === "string" ? params : encodeStripeForm(params);
  return new Request(`${BASE}${SESSIONS}`, {
    method: "POST",
    headers,
    body,
    ...(init.signal && { signal: init.signal }),
  });
}

/** A GET of `path`, with `query` encoded like the client does. */
export function getRequest(
  path: string,
  query: Record<string, FormValue> | string = {},
  key: string | null = KEY,
): Request {
  const search = typeof query === "string" ? query : encodeStripeForm(query);
  return new Request(`${BASE}${path}${search ? `?${search}` : ""}`, {
    headers: key === null ? {} : { Authorization: `Bearer ${key}` },
  });
}

/** Stripe's error object, as the mock answers it. */
export interface ErrorJson {
  type: string;
  message: string;
  code?: string;
  param?: string;
}

/** Reads the error envelope of `res`. */
export async function errorOf(res: Response): Promise<ErrorJson> {
  const json = await res.json() as { error: ErrorJson };
  return json.error;
}

/** Reads a JSON body as a loose record. */
export async function jsonOf(res: Response): Promise<Record<string, unknown>> {
  return await res.json() as Record<string, unknown>;
}

/** The test helpers' path prefix. */
export const TEST_HELPERS = "/v1/test_helpers/crypto/onramp_sessions";

/** A test-helper call: `POST …/{id}/{action}` with `params` as a form. */
export function controlRequest(
  id: string,
  action: string,
  params: Record<string, FormValue> | string = {},
  init: { key?: string | null; idempotencyKey?: string } = {},
): Request {
  const { key = KEY, idempotencyKey } = init;
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;
  const body = typeof params === "string" ? params : encodeStripeForm(params);
  return new Request(`${BASE}${TEST_HELPERS}/${encodeURIComponent(id)}/${action}`, {
    method: "POST",
    headers,
    body,
  });
}
