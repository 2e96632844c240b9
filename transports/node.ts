/**
 * A transport for Node.js: Stripe's API over undici's connection pool with keep-alive
 * connections, for the `fetch` option of `cryptoOnramp()` and `createOnrampClient()`. Node's
 * own `fetch` costs several times the CPU of the whole middleware per call, and `node:http`
 * about twice what undici's dispatcher does; this one sends the client's calls through the
 * dispatcher from their parts, and hands the client the answer's bytes, without a web
 * `Request` or `Response` being built. It is the package's `./node` entry point
 * (`@onramp/edge/node`): it imports `node:*` and `undici`, and no other entry point imports it.
 *
 * ```ts
 * import { Hono } from "hono";
 * import { cryptoOnramp } from "../mod.ts";
 * import { createNodeFetch } from "./node.ts";
 *
 * const app = new Hono();
 * app.route(
 *   "/onramp",
 *   cryptoOnramp({ stripeSecretKey: "sk_test_123", fetch: createNodeFetch() }),
 * );
 * ```
 *
 * Every guarantee of the client holds as with `fetch`: each attempt's timeout and the call's
 * deadline abort the request (headers or body), the body is counted as it arrives (decoded, for
 * a `gzip`, `deflate` or `br` answer) and cut at `maxResponseBytes`, and a redirect is never
 * followed: it comes back as the 3xx it is, which the client refuses.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { Agent, type Dispatcher, fetch as undiciFetch } from "undici";
import {
  type AnswerHead,
  type AnswerHeaders,
  type Outbound,
  PARTS_EXCHANGE,
  type PendingExchange,
  type ReadAnswer,
} from "../client/_transport.ts";

/** Options of {@linkcode createNodeFetch}. */
export interface NodeFetchOptions {
  /**
   * The most connections open to one host at a time; requests beyond it wait for a free one.
   *
   * @default {Infinity}
   */
  maxSockets?: number;
  /**
   * How long an idle connection is kept for the next request, in milliseconds. Keep it under
   * the server's own idle timeout, so that a request is never sent on a connection the server
   * is closing.
   *
   * @default {15000}
   */
  idleTimeoutMs?: number;
}

/** The `fetch` that {@linkcode createNodeFetch} returns. */
export interface NodeFetch {
  /**
   * Sends one request, as `fetch` does, except that a redirect is never followed.
   *
   * @param request The request; its `signal` ends it.
   * @returns The answer, its body streamed.
   */
  (request: Request): Promise<Response>;
  /**
   * Closes the pool: idle connections at once, open ones when their request ends.
   *
   * @returns Once every connection is closed.
   */
  close(): Promise<void>;
}

// Node keeps a header it received more than once as an array (`set-cookie`), or joined.
type NodeHeaderValue = string | string[] | undefined;

/** An answer's headers as undici parsed them (names in lower case), read as `Headers` reads. */
class NodeAnswerHeaders implements AnswerHeaders {
  readonly #headers: Readonly<Record<string, NodeHeaderValue>>;

  constructor(headers: Readonly<Record<string, NodeHeaderValue>>) {
    this.#headers = headers;
  }

  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (const name of Object.keys(this.#headers).sort()) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }
}

function checkOptions(options: NodeFetchOptions): void {
  const { maxSockets, idleTimeoutMs } = options;
  if (
    maxSockets !== undefined && maxSockets !== Infinity &&
    !(Number.isInteger(maxSockets) && maxSockets > 0)
  ) {
    throw new RangeError(
      `Cannot create Node fetch as 'maxSockets' must be a positive integer or Infinity: current value is ${maxSockets}`,
    );
  }
  if (idleTimeoutMs !== undefined && !(Number.isInteger(idleTimeoutMs) && idleTimeoutMs > 0)) {
    throw new RangeError(
      `Cannot create Node fetch as 'idleTimeoutMs' must be a positive integer: current value is ${idleTimeoutMs}`,
    );
  }
}

// A content-coded body is decoded as `fetch` decodes it, so the bound counts what it expands
// to (https://fetch.spec.whatwg.org/#http-network-fetch). Other codings pass as they came.
function decoderFor(coding: NodeHeaderValue): Transform | undefined {
  const name = (Array.isArray(coding) ? coding.join(",") : coding)?.trim().toLowerCase();
  if (name === "gzip" || name === "x-gzip") return createGunzip();
  if (name === "deflate") return createInflate();
  if (name === "br") return createBrotliDecompress();
  return undefined;
}

// "https://api.stripe.com/v1/x?y" → origin and request target.
const ORIGIN = /^(https?:\/\/[^/?#]+)([^#]*)/i;

function split(url: string): { origin: string; path: string } {
  const match = ORIGIN.exec(url);
  if (match === null) {
    throw new TypeError("Cannot fetch as the URL is not an http or https URL");
  }
  return { origin: match[1]!, path: match[2] || "/" };
}

// Reads one answer within `maxBytes`, as undici's dispatcher hands it over: the head, then
// the body chunk by chunk, counted (decoded) as they arrive.
class AnswerReader implements Dispatcher.DispatchHandler {
  readonly answer: Promise<ReadAnswer>;
  #resolve!: (answer: ReadAnswer) => void;
  #reject!: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #cancelled = false;
  #settled = false;
  #head: AnswerHead | undefined;
  #decoder: Transform | undefined;
  #chunks: Uint8Array[] = [];
  #length = 0;

  constructor(readonly maxBytes: number) {
    this.answer = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  cancel(): void {
    this.#cancelled = true;
    this.#controller?.abort(new Error("The exchange was cancelled"));
    this.#decoder?.destroy();
    this.#fail(new Error("The exchange was cancelled"));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#cancelled) controller.abort(new Error("The exchange was cancelled"));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, NodeHeaderValue>,
    statusMessage?: string,
  ): void {
    // An informational answer (100 Continue) precedes the real one.
    if (statusCode < 200 && statusCode !== 0) return;
    const head: AnswerHead = {
      status: statusCode,
      ok: statusCode >= 200 && statusCode < 300,
      statusText: statusMessage ?? "",
      headers: new NodeAnswerHeaders(headers),
    };
    this.#head = head;
    const declared = Number(headers["content-length"] ?? NaN);
    if (statusCode >= 300 && statusCode < 400) {
      // Never followed, never read: whatever sits at the other end is not Stripe.
      this.#finish({ head, body: new Uint8Array(0) }, controller);
    } else if (declared > this.maxBytes) {
      // Declared too large: refused before a byte is read (decoding only makes it larger).
      this.#finish({ head, body: undefined }, controller);
    } else {
      const decoder = decoderFor(headers["content-encoding"]);
      if (decoder !== undefined) {
        this.#decoder = decoder;
        decoder.on("data", (chunk: Uint8Array) => this.#take(chunk));
        decoder.once("error", (error) => {
          // A broken coding is no answer; the rest of the body is not wanted either.
          this.#controller?.abort(error);
          this.#fail(error);
        });
        decoder.once("end", () => this.#complete());
      }
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    if (this.#decoder !== undefined) this.#decoder.write(chunk);
    else this.#take(chunk);
  }

  onResponseEnd(): void {
    if (this.#decoder !== undefined) this.#decoder.end();
    else this.#complete();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#decoder?.destroy();
    this.#fail(error);
  }

  #take(chunk: Uint8Array): void {
    if (this.#settled) return;
    this.#length += chunk.byteLength;
    if (this.#length > this.maxBytes) {
      // Counted as it arrives: a large or endless body costs at most the bound.
      this.#decoder?.destroy();
      this.#finish({ head: this.#head!, body: undefined }, this.#controller);
      return;
    }
    this.#chunks.push(chunk);
  }

  #complete(): void {
    if (this.#settled) return;
    // Copied out into one buffer, so that no view keeps a larger buffer of the socket alive.
    const bytes = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    this.#finish({ head: this.#head!, body: bytes });
  }

  // Resolves; with `controller`, also ends the exchange (the rest of the body is not wanted).
  #finish(answer: ReadAnswer, controller?: Dispatcher.DispatchController): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#chunks = [];
    this.#resolve(answer);
    controller?.abort(new Error("The rest of the body is not read"));
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#chunks = [];
    this.#reject(error);
  }
}

/**
 * Creates a `fetch` for Node.js on undici's connection pool, with its own keep-alive
 * connections. Pass it as the `fetch` option; the client then sends its calls through the pool
 * from their parts, and reads each answer within its bound.
 *
 * @example Keep at most 64 connections to Stripe
 * ```ts
 * import { createOnrampClient } from "../mod.ts";
 * import { createNodeFetch } from "./node.ts";
 *
 * const fetch = createNodeFetch({ maxSockets: 64 });
 * const client = createOnrampClient({ secretKey: "sk_test_123", fetch });
 * await fetch.close();
 * ```
 *
 * @param [options={}] Pool settings.
 * @param [options.maxSockets=Infinity] The most connections per host.
 * @param [options.idleTimeoutMs=15000] How long an idle connection is kept.
 * @returns The fetch, with `close()` to close its connections.
 * @throws {RangeError} When an option is not a positive integer.
 */
export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  checkOptions(options);
  const { maxSockets = Infinity, idleTimeoutMs = 15_000 } = options;
  const agent = new Agent({
    ...(maxSockets !== Infinity && { connections: maxSockets }),
    keepAliveTimeout: idleTimeoutMs,
    keepAliveMaxTimeout: idleTimeoutMs,
    // The client bounds every attempt itself, headers and body alike.
    headersTimeout: 0,
    bodyTimeout: 0,
  });

  // The client's door: the request from its parts, the answer read within the bound; `cancel`
  // ends whatever is under way, request or body.
  function exchange(request: Outbound, maxResponseBytes: number): PendingExchange {
    const { origin, path } = split(request.url);
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) headers[name] = value;
    const reader = new AnswerReader(maxResponseBytes);
    agent.dispatch({
      origin,
      path,
      method: request.method as Dispatcher.HttpMethod,
      headers,
      body: request.body ?? null,
    }, reader);
    return { answer: reader.answer, cancel: () => reader.cancel() };
  }

  const nodeFetch = async function nodeFetch(request: Request): Promise<Response> {
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: [...request.headers],
      body: hasBody ? new Uint8Array(await request.arrayBuffer()) : null,
      signal: request.signal,
      redirect: "manual",
      dispatcher: agent,
    });
    // As the runtime's own Response, so that callers' `instanceof Response` holds.
    return new Response(response.body as ReadableStream<Uint8Array> | null, {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
    });
  } as NodeFetch;
  Object.defineProperty(nodeFetch, PARTS_EXCHANGE, { value: exchange });
  nodeFetch.close = () => agent.close();
  return nodeFetch;
}
