/**
 * The Deno entry end to end, as a developer first meets it: `demo/runtimes/deno.ts` on the embedded
 * mock Stripe, with the demo page driven by a real headless Chromium.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { type Browser, launchChromium, type Page } from "../_helpers/chromium.ts";
import { type SpawnedServer, spawnServer } from "../_helpers/spawn_server.ts";

const ROOT = new URL("../../", import.meta.url);
const SCREENSHOT = new URL("dist/browser-demo.png", ROOT);

/** The runnable browser this test would use, like dev/ensure_chromium.sh looks it up. */
function findChromium(): string | undefined {
  // `command -v` also accepts a non-executable file given as a path, hence the -x.
  const script = 'found=$(command -v "$1") && [ -x "$found" ] && printf %s "$found"';
  const name = Deno.env.get("CHROMIUM_PATH") || "chromium";
  const { success, stdout } = new Deno.Command("sh", { args: ["-c", script, "sh", name] })
    .outputSync();
  return success ? new TextDecoder().decode(stdout) : undefined;
}

// Looked up synchronously because `ignore` must be known when the test is registered.
const chromiumPath = findChromium();
// CI must not pass by skipping: there a missing browser is a failure (see `fn`).
const skip = chromiumPath === undefined && Deno.env.get("CI") !== "true";
if (skip) {
  console.warn(
    "Skipping the browser test as Chromium is missing: run dev/ensure_chromium.sh or set " +
      "CHROMIUM_PATH",
  );
}

/** `demo/runtimes/deno.ts` on a free port, on the embedded mock Stripe. */
function startServer(): Promise<SpawnedServer> {
  // Empty counts as unset (server/config.ts), so whatever the developer's shell exports, the
  // server runs on the mock, and the page loads no Stripe script from the network.
  return spawnServer(Deno.execPath(), ["run", "-A", "demo/runtimes/deno.ts"], {
    PORT: "0",
    HOSTNAME: "127.0.0.1",
    STRIPE_SECRET_KEY: "",
    STRIPE_PUBLISHABLE_KEY: "",
    STRIPE_API_BASE: "",
    TRUSTED_PROXIES: "",
  });
}

const textOf = (selector: string) =>
  `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? null)`;

/** Waits for the form's answer; on a timeout, says what the page shows instead. */
async function waitForResult(page: Page, predicate: string): Promise<void> {
  try {
    await page.waitFor(predicate, 10_000);
  } catch (error) {
    const shown = await page.evaluate(textOf("#result")).catch(() => "(unreadable)");
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}; the page shows ${JSON.stringify(shown)}`);
  }
}

Deno.test({
  name: "demo page mints a session through the proxy in a real browser",
  ignore: skip,
  async fn() {
    if (chromiumPath === undefined) {
      throw new Error(
        "Cannot run the browser test in CI as Chromium is missing: run dev/ensure_chromium.sh",
      );
    }
    let server: SpawnedServer | undefined;
    let browser: Browser | undefined;
    try {
      server = await startServer();
      browser = await launchChromium({ path: chromiumPath });
      const page = await browser.newPage(server.url + "/");

      assert(
        await page.evaluate<boolean>(
          `document.querySelector("#mock-banner")?.checkVisibility() ?? false`,
        ),
        "The mock banner must be visible when no STRIPE_SECRET_KEY is set",
      );

      await page.evaluate(`document.querySelector("#amount").value = "250"`);
      await page.click("#mint");
      await waitForResult(page, `${textOf("#session-id")} || ${textOf("#error")}`);
      assertEquals(await page.evaluate(textOf("#error")), null);
      assertMatch(await page.evaluate<string>(textOf("#session-id")), /^cos_/);
      assertEquals(await page.evaluate(textOf("#session-status")), "initialized");
      assertEquals(await page.evaluate(textOf("#session-livemode")), "false");
      await Deno.mkdir(new URL("dist/", ROOT), { recursive: true });
      await page.screenshot(SCREENSHOT);

      // Three decimals is not a USD amount; the proxy must say which field is wrong.
      await page.evaluate(`document.querySelector("#amount").value = "12.345"`);
      await page.click("#mint");
      await waitForResult(page, textOf("#error"));
      assertStringIncludes(await page.evaluate<string>(textOf("#error")), "source_amount");
    } finally {
      await browser?.close();
      await server?.stop();
    }
  },
});
