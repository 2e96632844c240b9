import { assertEquals, assertThrows } from "@std/assert";
import { readServerConfig } from "../../demo/config.ts";

const from = (vars: Record<string, string>) => readServerConfig((name) => vars[name]);

Deno.test("readServerConfig() reads every variable, trimmed, and treats blanks as unset", () => {
  const config = from({
    STRIPE_SECRET_KEY: " sk_test_123 ",
    STRIPE_API_BASE: "http://127.0.0.1:12111",
    STRIPE_API_VERSION: "",
    TRUSTED_PROXIES: "10.0.0.0/8, ::1",
    RATE_LIMIT_PER_MINUTE: "20",
  });
  assertEquals(config.secretKey, "sk_test_123");
  assertEquals(config.apiBase, "http://127.0.0.1:12111");
  assertEquals(config.apiVersion, undefined);
  assertEquals(config.trustedProxies, ["10.0.0.0/8", "::1"]);
  assertEquals(config.rateLimitPerMinute, 20);
  assertEquals(from({ TRUSTED_PROXIES: "2" }).trustedProxies, 2);
});

Deno.test("readServerConfig() refuses a rate limit that is not a positive integer", () => {
  for (const value of ["0", "-1", "1.5", "abc", "1e3"]) {
    assertThrows(
      () => from({ RATE_LIMIT_PER_MINUTE: value }),
      RangeError,
      "'RATE_LIMIT_PER_MINUTE' must be a positive integer",
    );
  }
});

Deno.test("readServerConfig() refuses a publishable key that is not pk_…, without echoing it", () => {
  const error = assertThrows(() => from({ STRIPE_PUBLISHABLE_KEY: "sk_live_oops" }), TypeError);
  assertEquals(error.message.includes("sk_live_oops"), false);
});
