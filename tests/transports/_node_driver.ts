/**
 * Runs client calls through `createNodeFetch()` in a real Node.js process, for
 * `node_test.ts`: bundled by the test, run with `node`, given one JSON argument
 * (`{ baseUrl, secretKey, calls, options }`), it makes `calls` creates one after the other and
 * prints one `RESULT {…}` line: each call's session id or error fields, and the time taken.
 */
import process from "node:process";
import { createClientWithSeams, type OnrampClientOptions } from "../../client/create_client.ts";
import { StripeApiError } from "../../client/errors.ts";
import { createNodeFetch } from "../../transports/node.ts";

interface Config {
  baseUrl: string;
  secretKey: string;
  calls: number;
  options: Partial<OnrampClientOptions>;
}

const config = JSON.parse(process.argv[2] ?? "{}") as Config;
const fetch = createNodeFetch();
// No backoff waits: the time bounds under test are the attempt's and the call's.
const client = createClientWithSeams(
  { secretKey: config.secretKey, baseUrl: config.baseUrl, ...config.options, fetch },
  { sleep: () => Promise.resolve() },
);
const results: unknown[] = [];
const started = performance.now();
for (let call = 0; call < config.calls; call++) {
  try {
    results.push({ id: (await client.createSession({ source_amount: "10" })).id });
  } catch (error) {
    if (!(error instanceof StripeApiError)) throw error;
    results.push({
      error: {
        type: error.type,
        code: error.code,
        statusCode: error.statusCode,
        attempts: error.attempts,
        retryable: error.retryable,
        text: `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`,
      },
    });
  }
}
const elapsedMs = performance.now() - started;
await fetch.close();
console.log(`RESULT ${JSON.stringify({ results, elapsedMs })}`);
