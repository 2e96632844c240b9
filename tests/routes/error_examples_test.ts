/**
 * The OpenAPI document shows one example error per status; each must be an error the code
 * really answers: same type, code, param and retryable flag.
 */
import { assertEquals } from "@std/assert";
import { OnrampError } from "../../errors/onramp_error.ts";
import { documentedError, type ErrorStatus } from "../../openapi/response_schemas.ts";
import { fakeUpstream, stripeError } from "../_helpers/fake_upstream.ts";
import { errorOf, jsonPost, testApp } from "../_helpers/onramp_app.ts";
import { eventBody, signedDelivery, WEBHOOK_SECRET } from "../_helpers/webhook_events.ts";

const never = (req: Request) =>
  new Promise<Response>((_, reject) =>
    req.signal.addEventListener("abort", () => reject(req.signal.reason))
  );

// How to make the code answer each documented status.
const PROVOKE: Record<ErrorStatus, () => Promise<Response>> = {
  400: () =>
    testApp().request(
      "/onramp/sessions",
      jsonPost({ destination_amount: "0.1", destination_currency: "eth" }),
    ),
  401: () =>
    testApp({
      resolveCustomer: () => {
        throw new OnrampError(401, documentedError(401));
      },
    }).request("/onramp/sessions", jsonPost({})),
  403: () =>
    testApp().request(
      "/onramp/sessions",
      jsonPost({}, { origin: "https://evil.example" }),
    ),
  404: () =>
    testApp({
      upstream: fakeUpstream(stripeError(404, {
        type: "invalid_request_error",
        code: "resource_missing",
        param: "session",
        message: "No such crypto.onramp_session: 'cos_1NamBL2eZvKYlo2CP38sZVEW'",
      })),
    }).request("/onramp/sessions/cos_1NamBL2eZvKYlo2CP38sZVEW"),
  409: async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const app = testApp({
      seams: { now: () => 1_764_000_000_000 },
      webhooks: { secret: WEBHOOK_SECRET, onSessionUpdated: () => gate },
    });
    const first = app.request("/onramp/webhooks", await signedDelivery(eventBody()));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = await app.request("/onramp/webhooks", await signedDelivery(eventBody()));
    release();
    await first;
    return second;
  },
  413: () =>
    testApp().request("/onramp/sessions", jsonPost({ metadata: { a: "x".repeat(40_000) } })),
  415: () =>
    testApp().request("/onramp/sessions", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "{}",
    }),
  429: async () => {
    const app = testApp({ rateLimit: { limit: 1, windowMs: 60_000 } });
    await app.request("/onramp/quotes");
    return app.request("/onramp/quotes");
  },
  500: () =>
    testApp({
      resolveCustomer: () => ({ metadata: { "[bad]": "key" } }),
    }).request("/onramp/sessions", jsonPost({})),
  502: () =>
    testApp({
      upstream: fakeUpstream(stripeError(500, { type: "api_error", message: "down" })),
    }).request("/onramp/sessions", jsonPost({})),
  503: () =>
    testApp({
      upstream: fakeUpstream(
        stripeError(429, { type: "invalid_request_error", code: "rate_limit", message: "slow" }),
      ),
    }).request("/onramp/sessions", jsonPost({})),
  504: () =>
    testApp({ timeoutMs: 10, maxNetworkRetries: 0, upstream: { requests: [], fetch: never } })
      .request("/onramp/sessions", jsonPost({})),
};

for (const [status, provoke] of Object.entries(PROVOKE)) {
  Deno.test(`the documented ${status} example is an error the routes really answer`, async () => {
    const res = await provoke();
    assertEquals(res.status, Number(status));
    const { type, code, param, retryable } = await errorOf(res);
    const documented = documentedError(Number(status) as ErrorStatus);
    assertEquals(
      { type, code, param, retryable },
      {
        type: documented.type,
        code: documented.code,
        param: documented.param,
        retryable: documented.retryable,
      },
    );
  });
}
