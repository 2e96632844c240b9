import { assertEquals } from "@std/assert";
import { errorOf, formOf, jsonPost, testApp } from "../_helpers/onramp_app.ts";

async function ipSentToStripe(
  options: Parameters<typeof testApp>[0],
  peer: string,
  headers: Record<string, string> = {},
): Promise<string | undefined> {
  const { request, upstream } = testApp(options);
  const res = await request("/onramp/sessions", jsonPost({}, headers), peer);
  assertEquals(res.status, 200, JSON.stringify(await res.clone().json()));
  return formOf(upstream).customer_ip_address;
}

Deno.test("customer IP is the Deno connection's peer address", async () => {
  assertEquals(await ipSentToStripe({}, "198.51.100.23"), "198.51.100.23");
});

Deno.test("customer IP ignores spoofed forwarding headers by default", async () => {
  const spoofs = {
    "x-forwarded-for": "6.6.6.6",
    "x-real-ip": "6.6.6.6",
    forwarded: "for=6.6.6.6",
    "cf-connecting-ip": "6.6.6.6", // only believed on Cloudflare Workers
    "true-client-ip": "6.6.6.6",
  };
  assertEquals(await ipSentToStripe({}, "198.51.100.23", spoofs), "198.51.100.23");
});

Deno.test("customer IP normalises IPv4-mapped IPv6 and compresses IPv6", async () => {
  assertEquals(await ipSentToStripe({}, "::ffff:203.0.113.9"), "203.0.113.9");
  assertEquals(await ipSentToStripe({}, "2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
});

Deno.test("customer IP walks X-Forwarded-For through a trusted hop count", async () => {
  const headers = { "x-forwarded-for": "6.6.6.6, 198.51.100.23, 203.0.113.10" };
  // peer 10.0.0.5 (load balancer) and 203.0.113.10 (CDN) are the two trusted hops.
  assertEquals(await ipSentToStripe({ trustedProxies: 2 }, "10.0.0.5", headers), "198.51.100.23");
});

Deno.test("customer IP walks X-Forwarded-For through trusted CIDRs only", async () => {
  const headers = { "x-forwarded-for": "6.6.6.6, 198.51.100.23, 10.1.2.3" };
  const options = { trustedProxies: ["10.0.0.0/8"] };
  assertEquals(await ipSentToStripe(options, "10.0.0.5", headers), "198.51.100.23");
  // A peer outside the trusted ranges is the client: its header is not read.
  assertEquals(await ipSentToStripe(options, "192.0.2.1", headers), "192.0.2.1");
});

Deno.test("customer IP comes from getClientIp when the platform supplies it", async () => {
  const options = { getClientIp: () => "::ffff:192.0.2.44" };
  assertEquals(await ipSentToStripe(options, "10.0.0.5"), "192.0.2.44");
});

Deno.test("customer IP: no valid address refuses the request by default, naming the parameter", async () => {
  for (const getClientIp of [() => undefined, () => "not-an-ip", () => "0.0.0.0"]) {
    const { request, upstream } = testApp({ getClientIp });
    const res = await request("/onramp/sessions", jsonPost({}));
    assertEquals(res.status, 400);
    const error = await errorOf(res);
    assertEquals([error.param, error.code], ["customer_ip_address", "customer_ip_address_unknown"]);
    assertEquals(upstream.requests.length, 0);
  }
});

Deno.test("customer IP: a garbage hop inside the trusted walk is not skipped", async () => {
  const { request, upstream } = testApp({ trustedProxies: 2 });
  const res = await request(
    "/onramp/sessions",
    jsonPost({}, { "x-forwarded-for": "198.51.100.23, evil" }),
    "10.0.0.5",
  );
  assertEquals(res.status, 400);
  assertEquals(upstream.requests.length, 0);
});

Deno.test("customer IP: onMissingIp 'omit' creates the session without an address", async () => {
  const { request, upstream } = testApp({ getClientIp: () => undefined, onMissingIp: "omit" });
  assertEquals((await request("/onramp/sessions", jsonPost({}))).status, 200);
  assertEquals(formOf(upstream).customer_ip_address, undefined);
});

Deno.test("customer IP: app.request() without connection info refuses rather than guessing", async () => {
  const { Hono } = await import("hono");
  const { cryptoOnramp } = await import("../../routes/onramp_app.ts");
  const app = new Hono().route("/onramp", cryptoOnramp({ stripeSecretKey: "sk_test_x" }));
  const res = await app.request("/onramp/sessions", jsonPost({}));
  assertEquals(res.status, 400);
  assertEquals((await errorOf(res)).param, "customer_ip_address");
});
