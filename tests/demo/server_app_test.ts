import { assertEquals, assertFalse, assertStringIncludes } from "@std/assert";
import { readServerConfig } from "../../demo/config.ts";
import { createConfiguredApp, createServerApp } from "../../demo/server_app.ts";
import { eventBody, signedDelivery, WEBHOOK_SECRET } from "../_helpers/webhook_events.ts";

const withKey = readServerConfig((name) =>
  ({ STRIPE_SECRET_KEY: "sk_test_real_key", STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET })[name]
);

Deno.test("createConfiguredApp() with a key never loads the mock, nor mounts its routes", async () => {
  const app = await createConfiguredApp(withKey, () => {
    throw new Error("the mock must not be loaded when a key is set");
  });
  const page = await (await app.request("/")).text();
  assertFalse(page.includes("mock-banner"));
  assertFalse(page.includes("simulated-widget"));
  const drive = await app.request("/demo/sessions/cos_123/advance", { method: "POST" });
  assertEquals(drive.status, 404);
  assertEquals((await drive.json()).error.code, "resource_missing");
});

Deno.test("createConfiguredApp() without a key loads the mock once, and says so", async () => {
  let loads = 0;
  const warn = console.warn;
  const warned: string[] = [];
  console.warn = (line: string) => void warned.push(line);
  try {
    const app = await createConfiguredApp(readServerConfig(() => undefined), async () => {
      loads++;
      return await import("../../demo/mock_mode.ts");
    });
    assertStringIncludes(await (await app.request("/")).text(), 'id="simulated-widget"');
  } finally {
    console.warn = warn;
  }
  assertEquals(loads, 1);
  assertStringIncludes(warned.join("\n"), "using the embedded mock Stripe");
});

Deno.test("the server logs each handled webhook event as one JSON line of ids and status, never the body", async () => {
  const lines: string[] = [];
  const app = createServerApp({
    config: withKey,
    secretKey: "sk_test_real_key",
    webhookSecrets: withKey.webhookSecrets!,
    logLine: (line) => lines.push(line),
  });
  const nowS = Math.floor(Date.now() / 1000);
  const body = eventBody({
    id: "evt_log_1",
    sessionId: "cos_log_1",
    status: "fulfillment_complete",
    created: nowS,
  });
  for (let delivery = 0; delivery < 2; delivery++) {
    const res = await app.request(
      "/onramp/webhooks",
      await signedDelivery(body, { timestampS: nowS }),
    );
    assertEquals(res.status, 200);
    await res.body?.cancel();
  }
  assertEquals(lines.length, 1, "the duplicate is not handled, so not logged");
  assertFalse(lines[0]!.includes("\n"));
  assertEquals(JSON.parse(lines[0]!), {
    level: "info",
    message: "Webhook event handled",
    event_id: "evt_log_1",
    session_id: "cos_log_1",
    status: "fulfillment_complete",
  });
  assertFalse(lines[0]!.includes("secret"), "nothing of the event's session beyond its id");
});
