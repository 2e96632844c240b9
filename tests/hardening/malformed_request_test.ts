/**
 * Malformed request metadata (Host, request target, Origin) sent as raw bytes to the real demo
 * server: never a 5xx, always a Stripe-shaped 4xx (or Deno's own bare 400 for what its HTTP
 * parser refuses before our code runs).
 */
import { assert, assertEquals } from "@std/assert";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import { headerOf, type RawResponse, type RawTarget, sendRaw } from "../_helpers/raw_http.ts";
import { spawnDemoOnMock } from "../_helpers/spawn_server.ts";

const SECRET = "sk_test_MalformedRequestSecretNeverShown";

// Each makes `new URL("http://" + host + path)` throw, or names no real host.
const BAD_HOSTS = [
  "a:b:c",
  "[::1",
  "x:99999",
  "a b",
  "x/y",
  "x?y#z",
  "user@x",
  "[::1]:99999",
  "\xff\xfe",
  "1.2.3.4:0x50",
  "%zz",
  ":80",
];

const ROUTES: [method: string, path: string, body?: string][] = [
  ["GET", "/onramp/quotes"],
  ["POST", "/onramp/sessions", "{}"],
  ["GET", "/onramp/sessions/cos_123"],
  ["GET", "/onramp/openapi.json"],
  ["GET", "/onramp/docs"],
  ["GET", "/onramp/no-such-route"],
];

function request(method: string, path: string, headers: Record<string, string>, body = "") {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  const framing = body === ""
    ? ""
    : `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n`;
  return `${method} ${path} HTTP/1.1\r\n${lines}${framing}Connection: close\r\n\r\n${body}`;
}

/** A Stripe-shaped error of ours, with its status. */
function assertStripeError(res: RawResponse, context: string): { code?: string } {
  assert(res.status >= 400 && res.status < 500, `${res.status} for ${context}: ${res.body}`);
  assert(headerOf(res, "content-type")?.startsWith("application/json"), context);
  const { error } = JSON.parse(res.body);
  assert(typeof error?.message === "string" && error.message !== "", `${context}: ${res.body}`);
  assert(["invalid_request_error", "api_error"].includes(error.type), `${context}: ${res.body}`);
  return error;
}

interface DemoServer {
  target: RawTarget;
  /** Requests that reached the mock Stripe since the server listened (not its start-up probe). */
  upstreamRequests(): number;
  output(): string;
}

// The real demo server, on a mock Stripe served over HTTP that counts what reaches it.
async function withDemoServer(run: (server: DemoServer) => Promise<void>): Promise<void> {
  const server = await spawnDemoOnMock(createStripeMock({ secretKeys: [SECRET] }), SECRET);
  try {
    const target = { hostname: "127.0.0.1", port: Number(new URL(server.url).port) };
    await run({ target, upstreamRequests: server.upstreamRequests, output: server.output });
    assert(!server.output().includes(SECRET), "the key was printed");
  } finally {
    await server.stop();
  }
}

Deno.test("malformed Host with any Origin is a Stripe-shaped 403 on every route, never a 500", async () => {
  await withDemoServer(async ({ target, upstreamRequests, output }) => {
    for (const host of BAD_HOSTS) {
      // The Origin a same-origin page would send if the Host were real, and a foreign one.
      for (const origin of [`http://${host}`, "https://shop.example"]) {
        for (const [method, path, body] of ROUTES) {
          const context = `${method} ${path} Host ${JSON.stringify(host)} Origin ${origin}`;
          const res = await sendRaw(
            target,
            request(method, path, { Host: host, Origin: origin }, body),
          );
          assert(!res.raw.includes(SECRET), `the key leaked for ${context}`);
          if (
            res.status === 400 && res.body === "" && headerOf(res, "content-type") === undefined
          ) {
            continue; // Deno's HTTP parser refused it before our code ran
          }
          const error = assertStripeError(res, context);
          // Deno glues Host into the URL, so a slash in it moves the path off the mount point.
          const expected = host.includes("/")
            ? [404, "resource_missing"]
            : [403, "origin_not_allowed"];
          assertEquals([res.status, error.code], expected, context);
        }
      }
    }
    assertEquals(upstreamRequests(), 0, "a refused request reached Stripe");
    assert(!output().includes('"status":500'), output());
  });
});

Deno.test("odd Content-Type spellings are one clear Stripe-shaped 415 over real HTTP", async () => {
  await withDemoServer(async ({ target, upstreamRequests }) => {
    for (
      const type of [
        "application/json;",
        "application/json ; charset=utf-8",
        "application/json; a",
        "text/plain",
      ]
    ) {
      const body = "{}";
      const res = await sendRaw(
        target,
        `POST /onramp/sessions HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${type}\r\n` +
          `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      const error = assertStripeError(res, type);
      assertEquals([res.status, error.code], [415, "unsupported_media_type"], type);
    }
    assertEquals(upstreamRequests(), 0, "a refused request reached Stripe");
  });
});
