/**
 * A bounded load test over loopback: the real Deno entry in its own process, Stripe played by
 * the mock over HTTP. Zero errors, memory that does not grow past a stated bound, and every
 * session accounted for. `SOAK_SECONDS` (the heavy task sets 60) adds a soak phase.
 */
import { assert, assertEquals } from "@std/assert";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import { memoryMb } from "../_helpers/http_upstream.ts";
import { spawnDemoOnMock } from "../_helpers/spawn_server.ts";

const CONCURRENT = Number(Deno.env.get("LOAD_CONCURRENT") ?? 1000);
const SOAK_SECONDS = Number(Deno.env.get("SOAK_SECONDS") ?? 0);
const SECRET = "sk_test_LoadSecretThatMustNeverBePrinted";
// The stated bounds: the server's RSS stays under 512 MB while 1,000 requests are in flight
// (sockets, buffers and a V8 heap sized for that burst), and over a soak it levels off,
// growing less than 48 MB from the soak's start to its end. The proxy keeps no state per
// request, so real growth would be a leak.
const PEAK_RSS_BOUND_MB = 512;
const SOAK_GROWTH_BOUND_MB = 48;

async function mint(url: string, i: number): Promise<{ status: number; id?: string }> {
  const res = await fetch(`${url}/onramp/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": `load-${i}` },
    body: JSON.stringify({ source_amount: "100", destination_networks: ["ethereum"] }),
  });
  const body = await res.json();
  return { status: res.status, id: body.id };
}

async function burst(url: string, from: number, count: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const results = await Promise.all(Array.from({ length: count }, (_, i) => mint(url, from + i)));
  for (const { status } of results) statuses.set(status, (statuses.get(status) ?? 0) + 1);
  return statuses;
}

Deno.test("load: 1,000 concurrent creations over loopback, no errors, bounded memory, all accounted", async () => {
  const mock = createStripeMock();
  const server = await spawnDemoOnMock(mock, SECRET);
  try {
    let sent = 0;
    const started = performance.now();
    const rounds = 3;
    let peak = 0;
    for (let round = 0; round < rounds; round++) {
      const statuses = await burst(server.url, sent, CONCURRENT);
      sent += CONCURRENT;
      assertEquals(Object.fromEntries(statuses), { 200: CONCURRENT }, `round ${round}`);
      peak = Math.max(peak, memoryMb(server.pid).rss);
    }
    const seconds = (performance.now() - started) / 1000;

    // Soak: steady load; memory must level off rather than climb with the request count.
    const soakStart = memoryMb(server.pid).rss;
    let soakEnd = soakStart;
    let soakRequests = 0;
    const deadline = performance.now() + SOAK_SECONDS * 1000;
    while (performance.now() < deadline) {
      const statuses = await burst(server.url, sent, 200);
      sent += 200;
      soakRequests += 200;
      assertEquals(Object.fromEntries(statuses), { 200: 200 });
      soakEnd = memoryMb(server.pid).rss;
      peak = Math.max(peak, soakEnd);
    }
    console.log(
      `load: ${rounds} × ${CONCURRENT} concurrent in ${seconds.toFixed(1)} s, 0 errors, peak RSS ` +
        `${peak.toFixed(0)} MB; soak ${soakRequests} requests in ${SOAK_SECONDS} s, RSS ` +
        `${soakStart.toFixed(0)} → ${soakEnd.toFixed(0)} MB`,
    );
    assert(peak < PEAK_RSS_BOUND_MB, `peak RSS ${peak.toFixed(0)} MB`);
    assert(
      soakEnd - soakStart < SOAK_GROWTH_BOUND_MB,
      `RSS grew ${(soakEnd - soakStart).toFixed(0)} MB`,
    );
    // Every request is one session, none twice.
    assertEquals(mock.sessions().length, sent);
    assertEquals(new Set(mock.sessions().map((record) => record.session.id)).size, sent);
    assert([...mock.createsByIdempotencyKey().values()].every((creates) => creates === 1));
    assert(!server.output().includes(SECRET), "the server printed its secret key");
  } finally {
    await server.stop();
  }
});
