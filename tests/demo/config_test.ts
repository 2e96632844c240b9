import { assertEquals, assertThrows } from "@std/assert";
import { readServerConfig } from "../../demo/config.ts";

const from = (vars: Record<string, string>) => readServerConfig((name) => vars[name]);

Deno.test("readServerConfig() reads every variable, trimmed, and treats blanks as unset", () => {
  const config = from({
    STRIPE_SECRET_KEY: " sk_test_123 ",
    STRIPE_WEBHOOK_SECRET: " whsec_abc ",
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
  assertEquals(config.webhookSecrets, ["whsec_abc"]);
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

Deno.test("readServerConfig() requires STRIPE_WEBHOOK_SECRET with a secret key, and only then", () => {
  for (const blank of [undefined, "", "  "]) {
    const vars: Record<string, string> = { STRIPE_SECRET_KEY: "sk_test_123" };
    if (blank !== undefined) vars.STRIPE_WEBHOOK_SECRET = blank;
    assertThrows(
      () => from(vars),
      TypeError,
      "Cannot start the onramp server as 'STRIPE_WEBHOOK_SECRET' must be set with STRIPE_SECRET_KEY",
    );
  }
  // On the embedded mock, the mock signs with a secret of its own.
  assertEquals(from({}).webhookSecrets, undefined);
});

Deno.test("readServerConfig() reads several comma-separated webhook secrets, for a roll", () => {
  const config = from({
    STRIPE_SECRET_KEY: "sk_test_123",
    STRIPE_WEBHOOK_SECRET: "whsec_new, whsec_old",
  });
  assertEquals(config.webhookSecrets, ["whsec_new", "whsec_old"]);
});

Deno.test("readServerConfig() refuses a webhook secret that is not whsec_…, without echoing it", () => {
  for (const value of ["sk_live_pasted_key", "whsec_ok,", "whsec_ok,pk_test_oops", "whsec_a qqq"]) {
    const error = assertThrows(
      () => from({ STRIPE_SECRET_KEY: "sk_test_123", STRIPE_WEBHOOK_SECRET: value }),
      TypeError,
      "is not a whsec_… signing secret",
    );
    for (const part of value.split(/[ ,]/)) {
      if (part !== "") assertEquals(error.message.includes(part), false, value);
    }
  }
});
