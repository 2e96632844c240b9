/**
 * The fallback load generator, for machines without `wrk`: runs autocannon once and prints
 * the same `BENCH_JSON {...}` line as `wrk_report.lua`. autocannon keeps whole milliseconds
 * in its latency histogram, so its percentiles are coarse; prefer wrk.
 *
 * Usage: `node dev/bench/autocannon_run.mjs '{"url":…,"connections":32,"seconds":10,"body":…,"headers":{…}}'`
 */
import autocannon from "autocannon";
import process from "node:process";

const { url, connections, seconds, body, headers } = JSON.parse(process.argv[2] ?? "{}");
const result = await autocannon({
  url,
  connections,
  duration: seconds,
  method: "POST",
  body,
  headers,
  timeout: 5,
});
console.log(`BENCH_JSON ${
  JSON.stringify({
    requests: result.requests.total,
    durationUs: Math.round(result.duration * 1e6),
    httpErrors: result.non2xx,
    socketErrors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    p50Us: result.latency.p50 * 1000,
    p99Us: result.latency.p99 * 1000,
    meanUs: result.latency.mean * 1000,
    maxUs: result.latency.max * 1000,
  })
}`);
