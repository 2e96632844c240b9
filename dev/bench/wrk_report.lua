-- wrk script of the load runs: POSTs the benchmark body and prints one JSON line at the end
-- ("BENCH_JSON {...}") that dev/bench/_load.ts parses. Latencies are in microseconds. Keep the
-- body in step with REQUEST_BODY in dev/bench/_fixtures.ts. wrk counts answers of 400 and above
-- as status errors (httpErrors). No response() hook: defining one would make wrk hand every
-- response to Lua, which would slow the generator down.
wrk.method = "POST"
wrk.body = '{"source_amount":"100","destination_networks":["ethereum"],"destination_currency":"eth"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["CF-Connecting-IP"] = "203.0.113.7"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"httpErrors":%d,"socketErrors":%d,"timeouts":%d,' ..
      '"p50Us":%d,"p99Us":%d,"meanUs":%.1f,"maxUs":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
