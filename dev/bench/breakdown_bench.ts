/**
 * Where the middleware's in-process time goes: the same request through layers that add one
 * piece at a time, then each piece on its own. Every group has the bare passthrough function
 * as its baseline, so the ratios read as "how many bare requests this costs".
 *
 * Run: `deno bench dev/bench/breakdown_bench.ts` (`deno task bench` runs it once and reports it).
 *
 * @module
 */
import * as z from "zod/mini";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createOnrampClient } from "../../client/create_client.ts";
import { encodeStripeForm } from "../../client/form_body.ts";
import { createRetryingFetch } from "../../client/retrying_fetch.ts";
import { resolveForwardedFor } from "../../ip/forwarded_for.ts";
import { customerIp } from "../../ip/customer_ip.ts";
import { compileTrustedProxies } from "../../ip/trusted_proxies.ts";
import { applyPolicy } from "../../validation/policy.ts";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { toPublicSession } from "../../routes/public_session.ts";
import { findCreateSessionViolation } from "../../validation/rules.ts";
import { BUILT_IN_CATALOG } from "../../validation/catalog.ts";
import { type CreateSessionBody, requestSchemas } from "../../validation/schemas.ts";
import { barePassthrough, toFormBody } from "./bare_passthrough.ts";
import {
  CUSTOMER_IP,
  instantUpstream,
  REQUEST_BODY,
  SECRET_KEY,
  SESSION_JSON,
  sessionRequest,
} from "./_fixtures.ts";

const UPSTREAM_BASE = "http://127.0.0.1:1";
const UPSTREAM = `${UPSTREAM_BASE}/v1/crypto/onramp_sessions`;
const URL_IN = "http://localhost/sessions";
const connInfo = { remoteAddr: { hostname: CUSTOMER_IP, port: 1, transport: "tcp" as const } };
const bareOptions = {
  url: UPSTREAM,
  authorization: `Bearer ${SECRET_KEY}`,
  fetch: instantUpstream,
};
const BODY = JSON.parse(REQUEST_BODY) as CreateSessionBody;
const SESSION = JSON.parse(SESSION_JSON);
const PUBLIC_SESSION = toPublicSession(SESSION, true);

async function consume(response: Response): Promise<void> {
  if (response.status !== 200) throw new Error(`Expected 200: got ${response.status}`);
  await response.arrayBuffer();
}

function bareBaseline(group: string): void {
  Deno.bench({
    name: "bare passthrough function",
    group,
    baseline: true,
    async fn() {
      await consume(await barePassthrough(sessionRequest(URL_IN), CUSTOMER_IP, bareOptions));
    },
  });
}

// ---------------------------------------------------------------- layers

const LAYERS = "layers: app.request() up to the full middleware";

const plainHono = new Hono().post("/sessions", async (c) => {
  await c.req.json();
  return c.json(PUBLIC_SESSION);
});

const honoWithMiddleware = new Hono()
  .use("*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
  })
  .use("*", customerIp())
  .use("/sessions", bodyLimit({ maxSize: 32_768 }))
  .post("/sessions", async (c) => {
    await c.req.json();
    return c.json(PUBLIC_SESSION);
  });

const { createSessionBody: CreateSessionBodySchema, idempotencyHeader: IdempotencyHeaderSchema } =
  requestSchemas(BUILT_IN_CATALOG);
const looseSchema = z.looseObject({});
const looseBody = new Hono().post("/sessions", async (c) => {
  if (!looseSchema.safeParse(await c.req.json()).success) throw new Error("invalid");
  return c.json(PUBLIC_SESSION, 200);
});

const realSchemas = new Hono().post("/sessions", async (c) => {
  const header = { "idempotency-key": c.req.header("idempotency-key") };
  if (!IdempotencyHeaderSchema.safeParse(header).success) throw new Error("invalid header");
  if (!CreateSessionBodySchema.safeParse(await c.req.json()).success) throw new Error("invalid");
  return c.json(PUBLIC_SESSION, 200);
});

const onramp = cryptoOnramp({
  stripeSecretKey: SECRET_KEY,
  stripeApiBase: UPSTREAM_BASE,
  fetch: instantUpstream,
});

bareBaseline(LAYERS);
Deno.bench({
  name: "Hono: parse JSON, answer a fixed session",
  group: LAYERS,
  async fn() {
    await consume(await plainHono.request(sessionRequest(URL_IN), {}, connInfo));
  },
});
Deno.bench({
  name: "Hono + no-store headers + customerIp() + bodyLimit()",
  group: LAYERS,
  async fn() {
    await consume(await honoWithMiddleware.request(sessionRequest(URL_IN), {}, connInfo));
  },
});
Deno.bench({
  name: "Hono route, z.looseObject({}) body parsed in the handler",
  group: LAYERS,
  async fn() {
    await consume(await looseBody.request(sessionRequest(URL_IN), {}, connInfo));
  },
});
Deno.bench({
  name: "Hono route, the real body + header schemas parsed in the handler",
  group: LAYERS,
  async fn() {
    await consume(await realSchemas.request(sessionRequest(URL_IN), {}, connInfo));
  },
});
Deno.bench({
  name: "cryptoOnramp() in full",
  group: LAYERS,
  async fn() {
    await consume(await onramp.request(sessionRequest(URL_IN), {}, connInfo));
  },
});

// ---------------------------------------------------------------- pieces

const PIECES = "pieces, each alone";
const trustNone = compileTrustedProxies(undefined);
const client = createOnrampClient({
  secretKey: SECRET_KEY,
  baseUrl: UPSTREAM_BASE,
  fetch: instantUpstream,
});
const retrying = createRetryingFetch({
  timeoutMs: 10_000,
  deadlineMs: 25_000,
  maxNetworkRetries: 2,
  maxRetryAfterMs: 5_000,
  maxResponseBytes: 1_048_576,
  fetch: instantUpstream,
});
const formRequest = () =>
  new Request(UPSTREAM, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: toFormBody({ ...BODY, customer_ip_address: CUSTOMER_IP }),
  });

bareBaseline(PIECES);
Deno.bench({
  name: "new Request() + request.json() of the browser body",
  group: PIECES,
  async fn() {
    await sessionRequest(URL_IN).json();
  },
});
Deno.bench({
  name: "zod: CreateSessionBodySchema.safeParse()",
  group: PIECES,
  fn() {
    if (!CreateSessionBodySchema.safeParse(BODY).success) throw new Error("invalid");
  },
});
Deno.bench({
  name: "zod: IdempotencyHeaderSchema.safeParse()",
  group: PIECES,
  fn() {
    if (!IdempotencyHeaderSchema.safeParse({ "content-type": "application/json" }).success) {
      throw new Error("invalid");
    }
  },
});
Deno.bench({
  name: "applyPolicy() + findCreateSessionViolation()",
  group: PIECES,
  fn() {
    if (findCreateSessionViolation(applyPolicy(BODY, {}, {}))) throw new Error("violation");
  },
});
Deno.bench({
  name: "resolveForwardedFor() (normalizeIp of the peer)",
  group: PIECES,
  fn() {
    if (resolveForwardedFor({ peer: CUSTOMER_IP, forwardedFor: null }, trustNone) === undefined) {
      throw new Error("no ip");
    }
  },
});
Deno.bench({
  name: "encodeStripeForm()",
  group: PIECES,
  fn() {
    encodeStripeForm({ ...BODY, customer_ip_address: CUSTOMER_IP });
  },
});
Deno.bench({
  name: "toFormBody() (bare's URLSearchParams encoder)",
  group: PIECES,
  fn() {
    toFormBody({ ...BODY, customer_ip_address: CUSTOMER_IP });
  },
});
Deno.bench({
  name: "crypto.randomUUID() (Idempotency-Key)",
  group: PIECES,
  fn() {
    crypto.randomUUID();
  },
});
Deno.bench({
  name: "instant fetch of a form Request (the bare upstream leg)",
  group: PIECES,
  async fn() {
    await consume(await instantUpstream(formRequest()));
  },
});
Deno.bench({
  name: "createRetryingFetch() around the instant fetch",
  group: PIECES,
  async fn() {
    await consume(await retrying(formRequest()));
  },
});
Deno.bench({
  name: "client.createSession() (openapi-fetch + retries + form + key)",
  group: PIECES,
  async fn() {
    await client.createSession({ ...BODY, customer_ip_address: CUSTOMER_IP });
  },
});
Deno.bench({
  name: "toPublicSession() + JSON response",
  group: PIECES,
  async fn() {
    await Response.json(toPublicSession(SESSION, true)).arrayBuffer();
  },
});
