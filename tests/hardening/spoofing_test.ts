/**
 * Spoofing: forwarding headers are believed only through configured proxies, and then only the
 * right hop counts; headers the proxy never trusts stay ignored whatever is configured.
 */
import { assertEquals } from "@std/assert";
import { formOf, jsonPost, testApp } from "../_helpers/onramp_app.ts";

const SPOOFS: Record<string, string>[] = [
  { "x-forwarded-for": "6.6.6.6" },
  { "x-forwarded-for": "6.6.6.6, 7.7.7.7" },
  { "x-real-ip": "6.6.6.6" },
  { forwarded: "for=6.6.6.6;proto=https" },
  { "cf-connecting-ip": "6.6.6.6" },
  { "true-client-ip": "6.6.6.6" },
  { "x-client-ip": "6.6.6.6" },
  { "fastly-client-ip": "6.6.6.6" },
];

async function ipSent(
  options: Parameters<typeof testApp>[0],
  peer: string,
  headers: Record<string, string>,
) {
  const app = testApp(options);
  const res = await app.request("/onramp/sessions", jsonPost({}, headers), peer);
  assertEquals(res.status, 200, await res.clone().text());
  return formOf(app.upstream).customer_ip_address;
}

for (const headers of SPOOFS) {
  Deno.test(`spoofing: ${Object.keys(headers)[0]} is ignored with no trusted proxy`, async () => {
    assertEquals(await ipSent({}, "198.51.100.23", headers), "198.51.100.23");
  });
}

Deno.test("spoofing: behind one trusted proxy, a client-sent X-Forwarded-For entry is not believed", async () => {
  // The load balancer (10.0.0.5) appends the address it saw; the client prepended 6.6.6.6.
  const headers = { "x-forwarded-for": "6.6.6.6, 198.51.100.23" };
  assertEquals(
    await ipSent({ trustedProxies: ["10.0.0.0/8"] }, "10.0.0.5", headers),
    "198.51.100.23",
  );
  assertEquals(await ipSent({ trustedProxies: 1 }, "10.0.0.5", headers), "198.51.100.23");
});

Deno.test("spoofing: trusted proxies never make X-Real-IP or Forwarded believed", async () => {
  const headers = {
    "x-real-ip": "6.6.6.6",
    forwarded: "for=6.6.6.6",
    "x-forwarded-for": "198.51.100.23",
  };
  assertEquals(await ipSent({ trustedProxies: 1 }, "10.0.0.5", headers), "198.51.100.23");
});

Deno.test("spoofing: a request from outside the trusted ranges cannot claim a forwarded address", async () => {
  const headers = { "x-forwarded-for": "6.6.6.6" };
  assertEquals(
    await ipSent({ trustedProxies: ["10.0.0.0/8"] }, "203.0.113.50", headers),
    "203.0.113.50",
  );
});
