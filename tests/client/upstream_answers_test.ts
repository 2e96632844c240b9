/**
 * The client against answers no caller should get: redirects, oversized bodies, malformed 2xx
 * answers; against local failures that must not pass for Stripe's; and its two time bounds,
 * per attempt and per call.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  createClientWithSeams,
  createOnrampClient,
  DEFAULT_DEADLINE_MS,
  DEFAULT_TIMEOUT_MS,
  type OnrampClientOptions,
} from "../../client/create_client.ts";
import { StripeApiError } from "../../client/errors.ts";
import type { ClientSeams } from "../../client/retrying_fetch.ts";
import { fakeUpstream, quotesJson, sessionJson, stripeError } from "../_helpers/fake_upstream.ts";
import { generatedBody, gzipBomb, serveUpstream } from "../_helpers/http_upstream.ts";

const SECRET = "sk_test_51SecretKeyThatMustNeverLeak";

function clientWith(
  fetch: (request: Request) => Promise<Response>,
  options: Partial<OnrampClientOptions> = {},
  seams: ClientSeams = {},
) {
  return createClientWithSeams(
    { secretKey: SECRET, baseUrl: "https://stripe.test", ...options, fetch },
    { sleep: () => Promise.resolve(), random: () => 0.5, ...seams },
  );
}

async function refusal(call: () => Promise<unknown>, code: string): Promise<StripeApiError> {
  const error = await assertRejects(call, StripeApiError);
  assertEquals(
    [error.type, error.code, error.retryable],
    ["api_error", code, false],
    error.message,
  );
  return error;
}

// --- Redirects -------------------------------------------------------------------------------

Deno.test("the client sends every attempt with redirect: manual", async () => {
  const upstream = fakeUpstream(
    stripeError(500, { type: "api_error" }),
    Response.json(sessionJson()),
  );
  const modes: RequestRedirect[] = [];
  await clientWith((request) => (modes.push(request.redirect), upstream.fetch(request)))
    .createSession({});
  assertEquals(modes, ["manual", "manual"]);
});

for (const status of [300, 301, 302, 303, 304, 307, 308]) {
  Deno.test(`the client refuses an HTTP ${status} once, as upstream_redirect`, async () => {
    const upstream = fakeUpstream(
      new Response(null, { status, headers: { location: "https://elsewhere.test/v1/x" } }),
    );
    const error = await refusal(
      () => clientWith(upstream.fetch).createSession({}),
      "upstream_redirect",
    );
    assertEquals([error.statusCode, error.attempts, upstream.requests.length], [status, 1, 1]);
  });
}

Deno.test("the client refuses an answer that a platform fetch reached by following a redirect", async () => {
  // A platform's own fetch that drops the redirect mode and follows anyway.
  const followed = Response.json(sessionJson({ id: "cos_INVENTED" }));
  Object.defineProperty(followed, "redirected", { value: true });
  await refusal(
    () => clientWith(() => Promise.resolve(followed)).createSession({}),
    "upstream_redirect",
  );
  // A browser-style fetch makes a manual redirect opaque: status 0, no headers.
  const opaque = Response.json({});
  Object.defineProperty(opaque, "type", { value: "opaqueredirect" });
  await refusal(
    () => clientWith(() => Promise.resolve(opaque)).retrieveSession("cos_1"),
    "upstream_redirect",
  );
});

Deno.test("the client never follows a redirect of a real HTTP upstream to another host", async () => {
  const elsewhere = serveUpstream(() => Response.json(sessionJson({ id: "cos_INVENTED" })));
  const stripe = serveUpstream(() =>
    new Response(null, { status: 307, headers: { location: `${elsewhere.url}/v1/x` } })
  );
  try {
    // The real fetch, which follows redirects unless told not to.
    const client = createOnrampClient({ secretKey: SECRET, baseUrl: stripe.url });
    await refusal(() => client.createSession({ source_amount: "10" }), "upstream_redirect");
    assertEquals([stripe.requests.length, elsewhere.requests.length], [1, 0]);
  } finally {
    await stripe.close();
    await elsewhere.close();
  }
});

// --- Size ------------------------------------------------------------------------------------

Deno.test("the client refuses a declared Content-Length over maxResponseBytes before reading", async () => {
  let pulled = 0;
  const body = new ReadableStream({ pull: (c) => (pulled++, c.enqueue(new Uint8Array(10))) });
  const answer = new Response(body, { headers: { "content-length": "2000" } });
  const error = await refusal(
    () => clientWith(() => Promise.resolve(answer), { maxResponseBytes: 1000 }).createSession({}),
    "upstream_response_too_large",
  );
  assertEquals([error.statusCode, error.attempts], [200, 1]);
  assert(pulled <= 1, `read ${pulled} chunks of a body declared too large`);
});

Deno.test("the client stops reading a streamed body at maxResponseBytes and cancels it", async () => {
  let pulled = 0;
  let cancelled = false;
  const endless = new ReadableStream<Uint8Array>({
    pull: (c) => (pulled++, c.enqueue(new Uint8Array(100))),
    cancel: () => void (cancelled = true),
  });
  const upstream = fakeUpstream(() => new Response(endless, { status: 400 }));
  await refusal(
    () => clientWith(upstream.fetch, { maxResponseBytes: 1000 }).createSession({}),
    "upstream_response_too_large",
  );
  assert(cancelled, "the stream was not cancelled");
  assert(pulled <= 12, `read ${pulled} chunks of 100 bytes for a 1000-byte bound`);
  assertEquals(upstream.requests.length, 1, "an oversized answer is not retried");
});

Deno.test("the client accepts an answer of exactly maxResponseBytes", async () => {
  const text = JSON.stringify(sessionJson());
  const client = clientWith(
    () => Promise.resolve(new Response(text)),
    { maxResponseBytes: new TextEncoder().encode(text).length },
  );
  assertEquals((await client.createSession({})).id, "cos_test_123");
});

Deno.test("the client takes a network body of exactly maxResponseBytes, and refuses one byte more", async () => {
  const text = JSON.stringify(sessionJson());
  const size = new TextEncoder().encode(text).length;
  for (const chunked of [false, true]) {
    // Chunked: no Content-Length, so only the count can tell.
    const stripe = serveUpstream(() =>
      new Response(chunked ? new Blob([text]).stream() : text, {
        headers: { "content-type": "application/json" },
      })
    );
    try {
      const exact = createOnrampClient({
        secretKey: SECRET,
        baseUrl: stripe.url,
        maxResponseBytes: size,
      });
      assertEquals((await exact.createSession({})).id, "cos_test_123");
      const under = createOnrampClient({
        secretKey: SECRET,
        baseUrl: stripe.url,
        maxResponseBytes: size - 1,
      });
      await refusal(() => under.createSession({}), "upstream_response_too_large");
    } finally {
      await stripe.close();
    }
  }
});

Deno.test("the client counts a gzip answer's decoded bytes, so a bomb stops at the bound", async () => {
  const bomb = await gzipBomb(50 * 1024 * 1024);
  const stripe = serveUpstream(() =>
    new Response(bomb, { headers: { "content-encoding": "gzip" } })
  );
  try {
    const client = createOnrampClient({ secretKey: SECRET, baseUrl: stripe.url });
    const error = await refusal(() => client.listSessions(), "upstream_response_too_large");
    assertEquals(error.statusCode, 200);
  } finally {
    await stripe.close();
  }
});

Deno.test("the client reads a large but allowed body through a real upstream", async () => {
  const stripe = serveUpstream(() => new Response(generatedBody(900_000)));
  try {
    const client = createOnrampClient({ secretKey: SECRET, baseUrl: stripe.url });
    // Read whole, then refused for what it is: not a session (it has no object member).
    await refusal(() => client.createSession({}), "upstream_invalid_response");
  } finally {
    await stripe.close();
  }
});

// --- Answers ---------------------------------------------------------------------------------

const session = sessionJson();
const details = session.transaction_details as Record<string, unknown>;
const INVALID_SESSIONS: Array<[name: string, body: unknown]> = [
  ["{}", {}],
  ["an error-shaped 200", { error: { type: "api_error", message: "no" } }],
  ["null", null],
  ["an array", [session]],
  ["a number", 42],
  ["a session without id", sessionJson({ id: undefined })],
  ["an id that is not cos_…", sessionJson({ id: "pi_123" })],
  ["an id of just cos_", sessionJson({ id: "cos_" })],
  ["another object", sessionJson({ object: "payment_intent" })],
  ["no client_secret", sessionJson({ client_secret: undefined })],
  ["an empty client_secret", sessionJson({ client_secret: "" })],
  ["a created that is a string", sessionJson({ created: "1691010131" })],
  ["livemode null", sessionJson({ livemode: null })],
  ["a status that is not a string", sessionJson({ status: ["initialized"] })],
  ["no transaction_details", sessionJson({ transaction_details: undefined })],
  ["metadata with a number", sessionJson({ metadata: { order: 42 } })],
  ["redirect_url as a number", sessionJson({ redirect_url: 1 })],
];

// A session whose identity is sound is kept whatever its transaction_details hold: the route
// relays only the members that have their documented type (tests/routes/session_access_test.ts).
const LENIENT_DETAILS: Array<[name: string, details: unknown]> = [
  ["without destination_currency", { ...details, destination_currency: undefined }],
  ["with destination_networks as a string", { ...details, destination_networks: "ethereum" }],
  [
    "with fees of a numeric amount",
    { ...details, fees: { network_fee_amount: 1, transaction_fee_amount: null } },
  ],
  ["with a wallet that is a number", { ...details, wallet_addresses: { ethereum: 7 } }],
  ["that are null", null],
];

for (const [name, transaction_details] of LENIENT_DETAILS) {
  Deno.test(`createSession() keeps a session whose transaction_details ${name}`, async () => {
    const upstream = fakeUpstream(Response.json(sessionJson({ transaction_details })));
    const created = await clientWith(upstream.fetch).createSession({});
    assertEquals([created.id, upstream.requests.length], ["cos_test_123", 1]);
  });
}

for (const [name, body] of INVALID_SESSIONS) {
  Deno.test(`createSession() refuses ${name} as upstream_invalid_response, once`, async () => {
    const upstream = fakeUpstream(Response.json(body));
    const error = await refusal(
      () => clientWith(upstream.fetch).createSession({}),
      "upstream_invalid_response",
    );
    assertEquals([error.statusCode, upstream.requests.length], [200, 1]);
  });
}

Deno.test("createSession() refuses a 204 and an empty 200, neither as unreachable", async () => {
  for (const answer of [new Response(null, { status: 204 }), new Response("")]) {
    const upstream = fakeUpstream(answer);
    const error = await refusal(
      () => clientWith(upstream.fetch).createSession({}),
      "upstream_invalid_response",
    );
    assertEquals([error.statusCode, upstream.requests.length], [answer.status, 1]);
  }
});

Deno.test("the client names the member that is wrong, never the answer's content", async () => {
  const upstream = fakeUpstream(
    Response.json(sessionJson({ client_secret: undefined, note: "cos_x_secret_y" })),
  );
  const error = await refusal(
    () => clientWith(upstream.fetch).createSession({}),
    "upstream_invalid_response",
  );
  assertEquals(
    error.message,
    "Stripe answered HTTP 200 with an invalid crypto.onramp_session: client_secret is missing",
  );
});

Deno.test("the client accepts new statuses, networks, currencies and members", async () => {
  const novel = sessionJson({
    status: "quote_ready",
    kyc_details_provided: true,
    brand_new: { anything: [1, 2] },
    metadata: null,
    transaction_details: {
      ...details,
      destination_currency: "wld",
      destination_network: "worldchain",
      destination_networks: ["worldchain", "celo"],
      settlement_speed: "later",
      fees: { network_fee_amount: "0.01", transaction_fee_amount: null },
      wallet_addresses: { tempo: "0xabc", destination_tags: { stellar: null } },
      last_error: { code: "x" },
    },
  });
  const created = await clientWith(fakeUpstream(Response.json(novel)).fetch).createSession({});
  assertEquals(created.status, "quote_ready");
});

Deno.test("retrieveSession() and listSessions() accept sessions without client_secret", async () => {
  const bare = sessionJson({ client_secret: undefined });
  const client = clientWith(
    fakeUpstream(
      Response.json(bare),
      Response.json({
        object: "list",
        url: "/v1/crypto/onramp_sessions",
        has_more: false,
        data: [bare],
      }),
    ).fetch,
  );
  assertEquals((await client.retrieveSession("cos_test_123")).id, "cos_test_123");
  assertEquals((await client.listSessions()).data.length, 1);
});

Deno.test("retrieveSession(), listSessions() and getQuotes() refuse answers of the wrong shape", async () => {
  const list = { object: "list", url: "/v1/crypto/onramp_sessions", has_more: false, data: [] };
  const quote = {
    id: "8a3f",
    destination_amount: "0.1",
    destination_currency: "eth",
    destination_network: "ethereum",
    source_total_amount: "101.00",
    fees: { network_fee_monetary: "0.50", transaction_fee_monetary: null },
  };
  // Older answers leave object out: the first quotes checked have none.
  const quotes = quotesJson({
    object: undefined,
    destination_network_quotes: { ethereum: [quote], base_network: null, solana: [] },
  });
  const cases: Array<[name: string, call: "retrieve" | "list" | "quotes", body: unknown]> = [
    ["a retrieve of {}", "retrieve", {}],
    ["a retrieve of a list", "retrieve", list],
    ["a list without data", "list", { ...list, data: undefined }],
    ["a list of something else", "list", { ...list, data: [{ id: "ch_1" }] }],
    ["a list whose has_more is a string", "list", { ...list, has_more: "no" }],
    ["quotes of {}", "quotes", {}],
    ["quotes with rate_fetched_at as a string", "quotes", { ...quotes, rate_fetched_at: "now" }],
    ["quotes of another object", "quotes", { ...quotes, object: "crypto.onramp_session" }],
    [
      "quotes whose network holds an object",
      "quotes",
      { ...quotes, destination_network_quotes: { ethereum: quote } },
    ],
    [
      "a quote without fees",
      "quotes",
      { ...quotes, destination_network_quotes: { ethereum: [{ ...quote, fees: undefined }] } },
    ],
  ];
  for (const [name, call, body] of cases) {
    const client = clientWith(fakeUpstream(Response.json(body)).fetch);
    const run = call === "retrieve"
      ? () => client.retrieveSession("cos_1")
      : call === "list"
      ? () => client.listSessions()
      : () => client.getQuotes();
    const error = await assertRejects(run, StripeApiError);
    assertEquals(error.code, "upstream_invalid_response", `${name}: ${error.message}`);
  }
  // And the well-formed ones pass, with and without the optional object member.
  const client = clientWith(
    fakeUpstream(
      Response.json(quotes),
      Response.json({ ...quotes, object: "crypto.onramp.quotes" }),
      Response.json(list),
    ).fetch,
  );
  assertEquals((await client.getQuotes()).source_amount, "100.00");
  assertEquals((await client.getQuotes()).object, "crypto.onramp.quotes");
  assertEquals((await client.listSessions()).has_more, false);
});

Deno.test("the client refuses an error status without Stripe's envelope when it would relay it", async () => {
  for (
    const [status, body] of [[400, "Bad Request"], [404, "{}"], [402, '{"error":"x"}']] as const
  ) {
    const upstream = fakeUpstream(new Response(body, { status }));
    const error = await refusal(
      () => clientWith(upstream.fetch).retrieveSession("cos_1"),
      "upstream_invalid_response",
    );
    assertEquals(error.statusCode, status);
  }
});

// --- Local failures --------------------------------------------------------------------------

Deno.test("createSession() throws a TypeError naming a parameter with a lone surrogate, sending nothing", async () => {
  for (
    const [params, param] of [
      [{ wallet_addresses: { ethereum: "0x\ud800" } }, "wallet_addresses[ethereum]"],
      [{ metadata: { note: "a\udfffb" } }, "metadata[note]"],
    ] as const
  ) {
    const upstream = fakeUpstream(Response.json(sessionJson()));
    const error = await assertRejects(
      () => clientWith(upstream.fetch).createSession(params),
      TypeError,
    );
    assert(error.message.includes(`"${param}"`), error.message);
    assertEquals(upstream.requests.length, 0, "Stripe was contacted");
  }
});

Deno.test("retrieveSession() and listSessions() throw a TypeError for a lone surrogate, sending nothing", async () => {
  const upstream = fakeUpstream(Response.json(sessionJson()));
  const client = clientWith(upstream.fetch);
  const byId = await assertRejects(() => client.retrieveSession("cos_\ud800"), TypeError);
  assert(byId.message.includes("'id'"), byId.message);
  const byCursor = await assertRejects(
    () => client.listSessions({ starting_after: "cos_\udc00" }),
    TypeError,
  );
  assert(byCursor.message.includes('"starting_after"'), byCursor.message);
  assertEquals(upstream.requests.length, 0);
});

Deno.test("createSession() refuses an Idempotency-Key that no header can carry, sending nothing", async () => {
  const upstream = fakeUpstream(Response.json(sessionJson()));
  const error = await assertRejects(
    () => clientWith(upstream.fetch).createSession({}, { idempotencyKey: "clé\n" }),
    TypeError,
  );
  assert(error.message.includes("'idempotencyKey'"), error.message);
  assertEquals(upstream.requests.length, 0);
});

Deno.test("createOnrampClient() refuses a baseUrl that is not an http(s) URL", () => {
  for (const baseUrl of ["api.stripe.com", "ftp://stripe.test", "not a url"]) {
    const error = assertThrows(() => createOnrampClient({ secretKey: SECRET, baseUrl }), TypeError);
    assert(error.message.includes("'baseUrl'"), error.message);
  }
});

// --- Time bounds -----------------------------------------------------------------------------

/** A fetch whose attempts never answer, ending only at their abort. */
function silent(started: number[], now: () => number) {
  return (request: Request) => {
    started.push(now());
    return new Promise<Response>((_, reject) => {
      request.signal.addEventListener("abort", () => reject(request.signal.reason));
    });
  };
}

/** setTimeout, recording each delay asked for and firing at once: time passes on a fake clock. */
async function withInstantTimers<T>(clock: { ms: number }, run: (delays: number[]) => Promise<T>) {
  const original = globalThis.setTimeout;
  const delays: number[] = [];
  globalThis.setTimeout = ((handler: () => void, ms = 0) => {
    delays.push(ms);
    return original(() => {
      clock.ms += ms;
      handler();
    }, 0);
  }) as typeof setTimeout;
  try {
    return await run(delays);
  } finally {
    globalThis.setTimeout = original;
  }
}

Deno.test("the client defaults to attempts of 10 s within a 25 s deadline", async () => {
  assertEquals([DEFAULT_TIMEOUT_MS, DEFAULT_DEADLINE_MS], [10_000, 25_000]);
  const clock = { ms: 0 };
  const started: number[] = [];
  const sleeps: number[] = [];
  const client = clientWith(silent(started, () => clock.ms), {}, {
    now: () => clock.ms,
    sleep: (ms) => (sleeps.push(ms), clock.ms += ms, Promise.resolve()),
  });
  const error = await withInstantTimers(clock, async (delays) => {
    const error = await assertRejects(() => client.createSession({}), StripeApiError);
    // 10 s, a 375 ms backoff, 10 s, a 750 ms backoff, then only what is left: 3,875 ms.
    assertEquals(delays, [10_000, 10_000, 3_875]);
    return error;
  });
  assertEquals(sleeps, [375, 750]);
  assertEquals(started, [0, 10_375, 21_125]);
  assertEquals([error.code, error.attempts, error.retryable], ["timeout", 3, true]);
  assert(error.message.includes("deadline"), error.message);
});

Deno.test("each attempt's timeout is the smaller of timeoutMs and what is left of deadlineMs", async () => {
  const clock = { ms: 0 };
  const started: number[] = [];
  const client = clientWith(silent(started, () => clock.ms), {
    timeoutMs: 30_000,
    deadlineMs: 1_000,
  }, { now: () => clock.ms });
  await withInstantTimers(clock, async (delays) => {
    const error = await assertRejects(() => client.createSession({}), StripeApiError);
    assertEquals(delays, [1_000], "one attempt, cut at the deadline, and no retry after it");
    assertEquals([error.code, error.attempts, error.retryable], ["timeout", 1, true]);
  });
});

Deno.test("the client makes no retry whose backoff would end at or after the deadline", async () => {
  const clock = { ms: 0 };
  const upstream = fakeUpstream(stripeError(500, { type: "api_error" }));
  const sleeps: number[] = [];
  const client = clientWith(upstream.fetch, { deadlineMs: 1_000, maxNetworkRetries: 5 }, {
    now: () => clock.ms,
    sleep: (ms) => (sleeps.push(ms), clock.ms += ms, Promise.resolve()),
  });
  const error = await assertRejects(() => client.createSession({}), StripeApiError);
  // Waits of 375 and 750 ms: the second would end at 1,125 ms, past the deadline.
  assertEquals([sleeps, upstream.requests.length], [[375], 2]);
  assertEquals([error.statusCode, error.retryable], [500, true]);
});

Deno.test("the client makes no retry once a late timer has passed the deadline", async () => {
  const clock = { ms: 0 };
  const upstream = fakeUpstream(stripeError(500, { type: "api_error" }));
  // The backoff asked for is 375 ms, but the timer fires 700 ms late.
  const client = clientWith(upstream.fetch, { deadlineMs: 1_000 }, {
    now: () => clock.ms,
    sleep: (ms) => (clock.ms += ms + 700, Promise.resolve()),
  });
  const error = await assertRejects(() => client.createSession({}), StripeApiError);
  assertEquals([upstream.requests.length, error.retryable], [1, true]);
});

Deno.test("createOnrampClient() names a bad deadlineMs or maxResponseBytes", () => {
  for (const [name, value] of [["deadlineMs", 0], ["maxResponseBytes", -1], ["deadlineMs", 1.5]]) {
    const error = assertThrows(
      () => createOnrampClient({ secretKey: SECRET, [name as string]: value }),
      RangeError,
    );
    assert(error.message.includes(`'${name}'`), error.message);
  }
});
