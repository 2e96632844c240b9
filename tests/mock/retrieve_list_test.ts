import { assertEquals, assertStringIncludes } from "@std/assert";
import { createStripeMock, type StripeMock } from "../../mock/stripe_mock.ts";
import {
  BASE,
  createRequest,
  errorOf,
  getRequest,
  jsonOf,
  KEY,
  SESSIONS,
  steppingClock,
} from "./_helpers.ts";

interface ListJson {
  object: string;
  url: string;
  has_more: boolean;
  data: { id: string; created: number }[];
}

async function list(mock: StripeMock, query: Record<string, unknown> | string = {}) {
  const res = await mock.fetch(getRequest(SESSIONS, query as Record<string, string>));
  assertEquals(res.status, 200);
  return await res.json() as ListJson;
}

// Seven sessions, one second apart: s0 (oldest) … s6 (newest); even ones on ethereum/eth.
async function sevenSessions(): Promise<{ mock: StripeMock; ids: string[] }> {
  const mock = createStripeMock({ now: steppingClock(1_000_000) });
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const params = i % 2 === 0
      ? { destination_currency: "eth", destination_network: "ethereum" }
      : { destination_currency: "sol", destination_network: "solana" };
    ids.push((await jsonOf(await mock.fetch(createRequest(params)))).id as string);
  }
  return { mock, ids };
}

Deno.test("GET /v1/crypto/onramp_sessions/{id} returns the stored session", async () => {
  const mock = createStripeMock();
  const created = await (await mock.fetch(createRequest({ source_amount: "20" }))).text();
  const id = (JSON.parse(created) as { id: string }).id;
  const res = await mock.fetch(getRequest(`${SESSIONS}/${encodeURIComponent(id)}`));
  assertEquals(res.status, 200);
  assertEquals(await res.text(), created);
});

Deno.test("GET /v1/crypto/onramp_sessions/{id} answers 404 resource_missing for an unknown id", async () => {
  const res = await createStripeMock().fetch(getRequest(`${SESSIONS}/cos_nope%20x`));
  assertEquals(res.status, 404);
  const error = await errorOf(res);
  assertEquals([error.type, error.code, error.param], [
    "invalid_request_error",
    "resource_missing",
    "session",
  ]);
  assertStringIncludes(error.message, "'cos_nope x'");
});

Deno.test("GET /v1/crypto/onramp_sessions lists newest first, 10 by default", async () => {
  const { mock, ids } = await sevenSessions();
  const page = await list(mock);
  assertEquals(page.object, "list");
  assertEquals(page.url, "/v1/crypto/onramp_sessions");
  assertEquals(page.has_more, false);
  assertEquals(page.data.map((s) => s.id), [...ids].reverse());
});

Deno.test("GET /v1/crypto/onramp_sessions pages forward with starting_after and back with ending_before", async () => {
  const { mock, ids } = await sevenSessions();
  const newestFirst = [...ids].reverse();
  const first = await list(mock, { limit: "3" });
  assertEquals(first.data.map((s) => s.id), newestFirst.slice(0, 3));
  assertEquals(first.has_more, true);
  const second = await list(mock, { limit: "3", starting_after: newestFirst[2] });
  assertEquals(second.data.map((s) => s.id), newestFirst.slice(3, 6));
  assertEquals(second.has_more, true);
  const last = await list(mock, { limit: "3", starting_after: newestFirst[5] });
  assertEquals(last.data.map((s) => s.id), newestFirst.slice(6));
  assertEquals(last.has_more, false);
  const back = await list(mock, { limit: "2", ending_before: newestFirst[5] });
  assertEquals(back.data.map((s) => s.id), newestFirst.slice(3, 5));
  assertEquals(back.has_more, true);
});

Deno.test("GET /v1/crypto/onramp_sessions filters by currency, network, status and created", async () => {
  const { mock, ids } = await sevenSessions();
  const eth = await list(mock, { destination_currency: "eth" });
  assertEquals(eth.data.map((s) => s.id), [ids[6], ids[4], ids[2], ids[0]]);
  const solana = await list(mock, { destination_network: "solana", limit: "2" });
  assertEquals(solana.data.map((s) => s.id), [ids[5], ids[3]]);
  assertEquals(solana.has_more, true);
  assertEquals((await list(mock, { status: "initialized" })).data.length, 7);
  assertEquals((await list(mock, { status: "fulfillment_complete" })).data.length, 0);
  const window = await list(mock, "created[gte]=1000002&created[lt]=1000005");
  assertEquals(window.data.map((s) => s.id), [ids[4], ids[3], ids[2]]);
  const exact = await list(mock, { created: "1000001" });
  assertEquals(exact.data.map((s) => s.id), [ids[1]]);
  const filteredPage = await list(mock, { destination_currency: "eth", starting_after: ids[5] });
  assertEquals(filteredPage.data.map((s) => s.id), [ids[4], ids[2], ids[0]]);
});

Deno.test("GET /v1/crypto/onramp_sessions refuses bad list parameters", async () => {
  const { mock, ids } = await sevenSessions();
  const cases: [string, string, string][] = [
    ["limit=0", "limit", "parameter_invalid_integer"],
    ["limit=101", "limit", "parameter_invalid_integer"],
    ["limit=ten", "limit", "parameter_invalid_integer"],
    ["status=done", "status", "parameter_invalid"],
    ["destination_network=dogechain", "destination_network", "parameter_invalid"],
    ["created[after]=1", "created[after]", "parameter_unknown"],
    ["colour=blue", "colour", "parameter_unknown"],
    ["starting_after=cos_missing", "starting_after", "resource_missing"],
    [`starting_after=${ids[0]}&ending_before=${ids[1]}`, "ending_before", "parameter_invalid"],
  ];
  for (const [query, param, code] of cases) {
    const res = await mock.fetch(getRequest(SESSIONS, query));
    assertEquals(res.status, 400, query);
    const error = await errorOf(res);
    assertEquals([error.param, error.code], [param, code], query);
  }
});

Deno.test("createStripeMock() answers an unknown path or method with Stripe's 404", async () => {
  const mock = createStripeMock();
  const requests = [
    getRequest("/v1/crypto/onramp/quotes"),
    getRequest(`${SESSIONS}/cos_1/quote`),
    new Request(`${BASE}${SESSIONS}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${KEY}` },
    }),
    new Request(`${BASE}/v1/crypto/onramp_quotes`, {
      method: "POST",
      headers: { Authorization: `Bearer ${KEY}` },
    }),
  ];
  for (const request of requests) {
    const res = await mock.fetch(request);
    assertEquals(res.status, 404, `${request.method} ${request.url}`);
    const error = await errorOf(res);
    assertEquals(error.type, "invalid_request_error");
    assertStringIncludes(error.message, `Unrecognized request URL (${request.method}: `);
  }
});
