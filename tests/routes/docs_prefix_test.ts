import { assert, assertEquals } from "@std/assert";
import { Hono } from "hono";
import { cryptoOnramp } from "../../routes/onramp_app.ts";
import { neverCalled } from "../_helpers/fake_upstream.ts";
import { SECRET_KEY } from "../_helpers/onramp_app.ts";
import { serveApp } from "../_helpers/served_app.ts";

// A URL path as RFC 3986 writes it: pchar and "/", every "%" starting an escape.
const URL_PATH = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

// Segments a tenant-scoped mount (`/t/:tenant`) hands the prefix, as raw request targets.
const TENANTS = [
  "a",
  "%ZZ",
  "%E0%A4%A",
  "a%20b%22",
  "%3Cscript%3E",
  "%25",
  "%F0%9F%98%80",
  "%ED%A0%80",
  "a%2Fb",
  "'quote'",
  "%00",
];

Deno.test("docs under a mount with a parameter name a valid URL path as server and link", async () => {
  const app = new Hono().route(
    "/t/:tenant",
    cryptoOnramp({ stripeSecretKey: SECRET_KEY, fetch: neverCalled }),
  );
  const server = serveApp(app.fetch);
  try {
    for (const tenant of TENANTS) {
      const spec = await fetch(`${server.url}/t/${tenant}/openapi.json`);
      assertEquals(spec.status, 200, tenant);
      const prefix: string = (await spec.json()).servers[0].url;
      assert(URL_PATH.test(prefix), `${tenant}: server URL ${JSON.stringify(prefix)}`);
      assert(prefix.startsWith("/t/"), `${tenant}: ${prefix}`);
      // Resolving it gives the same path back: it is already a URL path, not a decoded one.
      assertEquals(new URL(prefix, server.url).pathname, prefix, tenant);
      const page = await fetch(`${server.url}/t/${tenant}/docs`);
      assertEquals(page.status, 200, tenant);
      const href = /href="([^"]*openapi\.json)"/.exec(await page.text())?.[1];
      assertEquals(
        href?.replaceAll("&#39;", "'").replaceAll("&amp;", "&"),
        `${prefix}/openapi.json`,
      );
    }
  } finally {
    await server.close();
  }
});
