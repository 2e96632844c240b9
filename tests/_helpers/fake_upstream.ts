/**
 * A stand-in for Stripe's HTTP API as a plain `fetch` function: it records every request and
 * answers from a script. Nothing is mocked inside the client; only the transport is replaced.
 */

/** One request the fake upstream received, with its body already read. */
export interface SeenRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

/** Reads `request` whole into a {@linkcode SeenRequest}. */
export async function recordRequest(request: Request): Promise<SeenRequest> {
  return {
    method: request.method,
    url: new URL(request.url),
    headers: request.headers,
    body: await request.text(),
  };
}

/** A scripted answer: a response, or a thrown error (a dropped connection). */
export type Answer = Response | Error | ((request: SeenRequest) => Response | Promise<Response>);

/** A recording fake `fetch`. */
export interface FakeUpstream {
  fetch: (request: Request) => Promise<Response>;
  requests: SeenRequest[];
}

/**
 * Answers request n with `answers[n]` (the last one repeats).
 *
 * @param answers The scripted answers, in order.
 */
export function fakeUpstream(...answers: Answer[]): FakeUpstream {
  const requests: SeenRequest[] = [];
  return {
    requests,
    async fetch(request) {
      const seen = await recordRequest(request);
      requests.push(seen);
      const answer = answers[Math.min(requests.length, answers.length) - 1];
      if (answer === undefined) throw new Error("fakeUpstream was given no answers");
      if (answer instanceof Error) throw answer;
      if (typeof answer === "function") return await answer(seen);
      return answer.clone();
    },
  };
}

/** A fetch that fails the test if anything calls it: proves Stripe was never contacted. */
export function neverCalled(): Promise<Response> {
  throw new Error("Stripe must not be called here");
}

/** A Stripe-shaped error response. */
export function stripeError(
  status: number,
  error: Record<string, string>,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ error }, { status, headers: { "request-id": "req_test123", ...headers } });
}

/** A minimal valid `crypto.onramp_session`. */
export function sessionJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "cos_test_123",
    object: "crypto.onramp_session",
    client_secret: "cos_test_123_secret_abc",
    created: 1691010131,
    kyc_details_provided: false,
    livemode: false,
    metadata: {},
    redirect_url: null,
    status: "initialized",
    transaction_details: {
      destination_amount: null,
      destination_currencies: ["eth", "usdc"],
      destination_currency: null,
      destination_network: null,
      destination_networks: ["ethereum"],
      fees: null,
      lock_wallet_address: false,
      source_amount: null,
      source_currency: null,
      transaction_id: null,
      wallet_address: null,
      wallet_addresses: null,
    },
    ...overrides,
  };
}

/** A minimal valid `crypto.onramp.quotes`. */
export function quotesJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "f".repeat(64),
    object: "crypto.onramp.quotes",
    destination_network_quotes: { ethereum: [], solana: null },
    livemode: false,
    rate_fetched_at: 1674265506.3408287,
    source_amount: "100.00",
    source_currency: "usd",
    ...overrides,
  };
}

/** Answers each path with a valid object of its kind: quotes, or a session. */
export function validAnswer(request: SeenRequest): Response {
  return Response.json(
    request.url.pathname === "/v1/crypto/onramp_quotes" ? quotesJson() : sessionJson(),
  );
}

/** Records the waits asked for instead of waiting. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: (ms) => (waits.push(ms), Promise.resolve()) };
}
