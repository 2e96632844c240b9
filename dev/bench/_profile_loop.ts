/**
 * The workload of `cpu_profile.ts`: `cryptoOnramp()` through `app.fetch()`, as a server calls
 * it, on an instant upstream, in a loop. Started paused under the inspector; prints
 * `PROFILE_DONE` when the measured loop ends and then idles until the profiler has been read
 * and it is stopped.
 *
 * Arguments: the number of measured requests (default 20000).
 *
 * @module
 */
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { CUSTOMER_IP, instantUpstream, SECRET_KEY, sessionRequest } from "./_fixtures.ts";

const requests = Number(Deno.args[0] ?? 20_000);
const app = cryptoOnramp({
  stripeSecretKey: SECRET_KEY,
  stripeApiBase: "http://127.0.0.1:1",
  fetch: instantUpstream,
});
const connInfo = { remoteAddr: { hostname: CUSTOMER_IP, port: 1, transport: "tcp" as const } };

async function once(): Promise<void> {
  const res = await app.fetch(sessionRequest("http://localhost/sessions"), connInfo);
  if (res.status !== 200) throw new Error(`Expected 200: got ${res.status}`);
  await res.arrayBuffer();
}

const started = performance.now();
for (let i = 0; i < requests; i++) await once();
const elapsedMs = performance.now() - started;
console.log(`PROFILE_DONE ${requests} ${(elapsedMs * 1000 / requests).toFixed(1)}`);
// Stay alive (bounded) until the driver has stopped the profiler and ends this process.
await new Promise((resolve) => setTimeout(resolve, 60_000));
