/**
 * In-process cost of one `POST /sessions`, with no sockets: the bare passthrough as a
 * function (JSON → form → injected fetch → response) against `cryptoOnramp()` through
 * `app.fetch()`, as `Deno.serve`, workerd and `@hono/node-server` call it, both on an upstream
 * that answers at once and both given the same fresh `Request`. The difference is the
 * middleware's own work per request. `app.request()`, Hono's test helper, is measured too
 * (reported only): given an init, it first copies the `Request`, which no server does.
 *
 * The subjects take turns in rounds of `perRound` requests each, in an order that rotates
 * every round, after three rounds of warm-up, so that a slow moment of a shared machine (or
 * the garbage one subject leaves) falls on all of them alike. Prints one JSON object: each
 * subject's mean µs per request in every measured round.
 *
 * Run: `deno run -A dev/bench/proxy_bench.ts [rounds=15] [perRound=2000]` (`deno task bench`
 * runs it and reports the median of the per-round ratios).
 *
 * @module
 */
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { barePassthrough, type BarePassthroughOptions } from "./bare_passthrough.ts";
import { CUSTOMER_IP, instantUpstream, SECRET_KEY, sessionRequest } from "./_fixtures.ts";

/** What the script prints: µs per request of each subject, one entry per measured round. */
export interface ProxyBenchRounds {
  bare: number[];
  onramp: number[];
  /** Through `app.request()`, which copies the `Request` first. */
  helper: number[];
}

const UPSTREAM = "http://127.0.0.1:1/v1/crypto/onramp_sessions";
const URL_IN = "http://localhost/sessions";
const WARMUP_ROUNDS = 3;
const bareOptions: BarePassthroughOptions = {
  url: UPSTREAM,
  authorization: `Bearer ${SECRET_KEY}`,
  fetch: instantUpstream,
};
const app = cryptoOnramp({
  stripeSecretKey: SECRET_KEY,
  stripeApiBase: "http://127.0.0.1:1",
  fetch: instantUpstream,
});
// What Deno.serve hands Hono as env; the middleware reads the peer address from it.
const connInfo = { remoteAddr: { hostname: CUSTOMER_IP, port: 1, transport: "tcp" as const } };

async function expectSession(response: Response): Promise<void> {
  const body = await response.text();
  if (response.status !== 200 || !body.includes('"client_secret"')) {
    throw new Error(`Expected a session: got HTTP ${response.status} ${body.slice(0, 200)}`);
  }
}

const SUBJECTS: Record<keyof ProxyBenchRounds, () => Promise<Response>> = {
  bare: () => barePassthrough(sessionRequest(URL_IN), CUSTOMER_IP, bareOptions),
  onramp: async () => await app.fetch(sessionRequest(URL_IN), connInfo),
  helper: async () => await app.request(sessionRequest(URL_IN), {}, connInfo),
};

/**
 * Measures the subjects in turns.
 *
 * @param rounds Measured rounds.
 * @param perRound Requests of each subject per round.
 * @returns Each subject's µs per request, per round.
 */
export async function measureRounds(rounds: number, perRound: number): Promise<ProxyBenchRounds> {
  const result: ProxyBenchRounds = { bare: [], onramp: [], helper: [] };
  const names = Object.keys(SUBJECTS) as (keyof ProxyBenchRounds)[];
  for (let round = -WARMUP_ROUNDS; round < rounds; round++) {
    // Rotated, then reversed: each subject takes each place, and follows each other one.
    const start = ((round % names.length) + names.length) % names.length;
    const rotated = [...names.slice(start), ...names.slice(0, start)];
    const order = Math.floor(round / names.length) % 2 === 0 ? rotated : rotated.reverse();
    for (const name of order) {
      const subject = SUBJECTS[name];
      const started = performance.now();
      for (let i = 0; i < perRound; i++) await expectSession(await subject());
      if (round >= 0) result[name].push((performance.now() - started) * 1000 / perRound);
    }
  }
  return result;
}

if (import.meta.main) {
  const [rounds = "15", perRound = "2000"] = Deno.args;
  console.log(JSON.stringify(await measureRounds(Number(rounds), Number(perRound))));
}
