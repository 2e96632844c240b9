/**
 * What one attempt sends and gets back, in parts: the client's own calls go through
 * openapi-fetch without a web `Request` or `Response` being built for them, except the one
 * `Request` per attempt that a `fetch` transport needs. A transport that can take the parts
 * directly (`transports/node.ts`) skips that one too.
 *
 * @module
 */

/** The request of one call, as openapi-fetch built it: sent as it is on every attempt. */
export interface Outbound {
  /** The full URL, query included. */
  readonly url: string;
  /** `GET`, `POST`, … */
  readonly method: string;
  /** Every header, already checked by `Headers` (openapi-fetch builds them with it). */
  readonly headers: Headers;
  /** The encoded body, or `undefined` for none. */
  readonly body: string | Uint8Array<ArrayBuffer> | undefined;
}

/** An answer's headers: what a `Headers` offers for reading them. */
export interface AnswerHeaders extends Iterable<[string, string]> {
  /**
   * One header's value, several ones joined with ", ", as `Headers.get` reads it.
   *
   * @param name The header's name, in any case.
   * @returns Its value, or `null` when absent.
   */
  get(name: string): string | null;
}

/** What the retry decision and the errors read of an answer. */
export interface AnswerHead {
  /** The HTTP status (0 for a browser's opaque redirect). */
  readonly status: number;
  /** A 2xx status. */
  readonly ok: boolean;
  /** The answer's headers. */
  readonly headers: AnswerHeaders;
  /** The status line's text, when the transport keeps it. */
  readonly statusText?: string;
  /** Reached by following a redirect (a `fetch` that ignores `redirect: "manual"`). */
  readonly redirected?: boolean;
  /** `"opaqueredirect"` for a manual redirect as a browser's `fetch` reports it. */
  readonly type?: string;
}

/** An answer whose body was read within the bound, or found over it. */
export interface ReadAnswer {
  readonly head: AnswerHead;
  /** The whole body; `undefined` when it was larger than the bound (and was not read). */
  readonly body: Uint8Array<ArrayBuffer> | undefined;
}

/** One exchange under way: its answer to come, and the way to end it early. */
export interface PendingExchange {
  /** The answer, its body read within the bound; rejects when no answer came back. */
  readonly answer: Promise<ReadAnswer>;
  /**
   * Ends the exchange at once (the attempt's time is up): whatever is under way, request or
   * body, is torn down and `answer` rejects.
   */
  cancel(): void;
}

/**
 * Sends one attempt from its parts and reads the answer within `maxResponseBytes`. It must
 * never follow a redirect (a 3xx is returned as it is, its body unread), and it rejects, as
 * `fetch` does, when no answer came back. Ending it early is a call, not an `AbortSignal`: no
 * signal, listener or web object is needed for it.
 */
export type PartsExchange = (request: Outbound, maxResponseBytes: number) => PendingExchange;

/**
 * The key under which a `fetch` function may carry a {@linkcode PartsExchange}: the client uses
 * it instead of building a `Request` for the function. Registered globally, so that two copies
 * of the module (an npm package bundled twice) still recognise each other's transports.
 *
 * @example Carry a parts exchange on a fetch function
 * ```ts
 * import { PARTS_EXCHANGE, type PartsExchange } from "./_transport.ts";
 *
 * const exchange: PartsExchange = () => ({
 *   answer: Promise.resolve({ head: { status: 204, ok: true, headers: new Headers() }, body: new Uint8Array(0) }),
 *   cancel() {},
 * });
 * const send = Object.assign((request: Request) => fetch(request), { [PARTS_EXCHANGE]: exchange });
 * ```
 */
export const PARTS_EXCHANGE: unique symbol = Symbol.for("@onramp/edge.partsExchange");

/**
 * The parts exchange a `fetch` function carries, if any.
 *
 * @example A plain fetch carries none
 * ```ts
 * import { partsExchangeOf } from "./_transport.ts";
 *
 * console.log(partsExchangeOf(fetch)); // undefined
 * ```
 *
 * @param send A `fetch`-like function.
 * @returns Its {@linkcode PartsExchange}, or `undefined`.
 */
export function partsExchangeOf(send: unknown): PartsExchange | undefined {
  const exchange = (send as { [PARTS_EXCHANGE]?: unknown } | undefined)?.[PARTS_EXCHANGE];
  return typeof exchange === "function" ? exchange as PartsExchange : undefined;
}
