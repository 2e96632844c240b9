import { assert, assertEquals } from "@std/assert";
import { clipText, redactSecrets, safeText } from "../../errors/redact.ts";
import { type LogEntry, redactingLogger } from "../../errors/logger.ts";

const SHAPES: Array<[name: string, secret: string, marker: string]> = [
  ["a secret key with a dash", "sk_live_abc123-def456", "[redacted key]"],
  ["a test secret key", "sk_test_51TopSecret_with.dots/and+plus=", "[redacted key]"],
  ["a masked key", "sk_test_****1234", "[redacted key]"],
  ["a restricted key", "rk_live_Abc~!@#$%^&*", "[redacted key]"],
  ["a publishable key", "pk_test_Xyz", "[redacted key]"],
  ["an ephemeral key", "ek_live_Qwe", "[redacted key]"],
  ["an upper-case key", "SK_LIVE_ABC", "[redacted key]"],
  ["a key after a name", "key=sk_live_abc", "[redacted key]"],
  ["a key in a path", "/v1/keys/sk_live_abc/roll", "[redacted key]"],
  ["a webhook secret", "whsec_5bFvQ-9x_y", "[redacted secret]"],
  [
    "a session's client secret",
    "cos_1NamBL2eZvKYlo2CP38sZVEW_secret_B5faamUkzHbcpjy6NndGq1mMZGGCo8FhK2P",
    "[redacted secret]",
  ],
  ["an intent's client secret", "pi_3Mtw_secret_YrKJUKribcBjcG8HVhfZluoGH", "[redacted secret]"],
  ["a client secret after a name", "client_secret=cos_1_secret_x", "[redacted secret]"],
];

for (const [name, secret, marker] of SHAPES) {
  Deno.test(`redactSecrets() removes ${name} whole`, () => {
    for (const [before, after] of [["", ""], ["Invalid: ", " given"], ['"', '",'], ["(", ")"]]) {
      const redacted = redactSecrets(`${before}${secret}${after}`);
      assertEquals(redacted, `${before}${marker}${after}`);
    }
  });
}

Deno.test("redactSecrets() leaves words that merely contain a key prefix alone", () => {
  const text = "disk_test_results task_live_view client_secret the secret_ is safe";
  assertEquals(redactSecrets(text), text);
});

Deno.test("redactSecrets() is linear on a long text without delimiters", () => {
  const long = "a_".repeat(500_000);
  const started = performance.now();
  assertEquals(redactSecrets(long), long);
  assertEquals(redactSecrets(`${long}_secret_x`), "[redacted secret]");
  assert(performance.now() - started < 1_000, "redaction backtracked");
});

Deno.test("clipText() clips to the bound with an ellipsis, never inside a surrogate pair", () => {
  assertEquals(clipText("abcdef", 6), "abcdef");
  assertEquals(clipText("abcdefg", 6), "abcde…");
  assertEquals(clipText("abcd😀xyz", 6), "abcd…");
  assertEquals(clipText("abcd😀xyz", 7), "abcd😀…");
});

Deno.test("safeText() redacts a secret cut at the scanning edge", () => {
  const text = `${"x ".repeat(10)}sk_live_${"k".repeat(100)}`;
  const safe = safeText(text, 15);
  assert(!safe.includes("sk_live"), safe);
  assert(safe.length <= 15, safe);
});

Deno.test("redactingLogger() passes on redacted, clipped, one-line entries", () => {
  const seen: LogEntry[] = [];
  const log = redactingLogger((entry) => seen.push(entry));
  log({
    level: "error",
    message: `bad sk_live_abc123-def456\nforged line whsec_x ${"m".repeat(5_000)}`,
    status: 502,
    code: `c_${"c".repeat(500)}`,
    requestId: "req_1 cos_1_secret_2",
  });
  const [entry] = seen;
  assert(entry !== undefined);
  assert(
    entry.message.startsWith("bad [redacted key] forged line [redacted secret] m"),
    entry.message,
  );
  assertEquals([entry.message.length, entry.code?.length], [1_000, 200]);
  assertEquals([entry.status, entry.requestId], [502, "req_1 [redacted secret]"]);
});

Deno.test("redactingLogger() ignores a logger that throws", () => {
  const log = redactingLogger(() => {
    throw new Error("disk full");
  });
  log({ level: "warn", message: "still fine" });
});
