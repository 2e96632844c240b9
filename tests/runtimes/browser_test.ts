/**
 * The Deno entry end to end, as a developer first meets it: `demo/runtimes/deno.ts` on the embedded
 * mock Stripe, with the demo page driven by a real headless Chromium through Playwright.
 *
 * Playwright runs inside `deno test` itself, through Deno's npm compatibility, rather than as a
 * Node driver script spawned from here: under Deno 2.9 it passed some 30 runs, six of them two at a
 * time on two busy cores, left no Chromium behind and kept the test sanitizers quiet; in-process,
 * the test keeps Playwright's types and messages and one place for the assertions, with no second
 * process and no result protocol between the two. A Deno release has broken `chromium.launch()`
 * before (2.7.12: https://github.com/denoland/deno/issues/33231, fixed by denoland/deno#33208);
 * should that happen again, the way out is the same steps as a script run by `node` from
 * node_modules/, which Deno fills because deno.json sets `"nodeModulesDir": "auto"`.
 *
 * `playwright-core` is the package without browsers: it has no install script and, given
 * `executablePath`, never looks for or downloads a browser of its own.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { type Browser, chromium, type Page } from "playwright-core";
import { type SpawnedServer, spawnServer } from "../_helpers/spawn_server.ts";

const ROOT = new URL("../../", import.meta.url);
const SCREENSHOT = new URL("dist/browser-demo.png", ROOT);
const TIMEOUT_MS = 10_000;

/** The Chromium this test would run, or why there is none. */
type Lookup = { path: string; missing?: never } | { path?: never; missing: string };

/** Finds the browser as dev/ensure_chromium.sh does, so the two never disagree about it. */
function findChromium(): Lookup {
  const given = Deno.env.get("CHROMIUM_PATH");
  // `command -v` also accepts a non-executable file given as a path, hence the -x; running
  // --version catches a binary whose shared libraries are missing.
  const script = 'found=$(command -v "$1") && [ -x "$found" ] && ' +
    '"$found" --version >/dev/null 2>&1 && printf %s "$found"';
  const { success, stdout } = new Deno.Command("sh", {
    args: ["-c", script, "sh", given || "chromium"],
    stderr: "null",
  }).outputSync();
  if (success) return { path: new TextDecoder().decode(stdout) };
  return {
    missing: given
      ? `CHROMIUM_PATH does not run: current value is ${given}`
      : "no runnable chromium on PATH",
  };
}

// Looked up synchronously because `ignore` must be known when the test is registered.
const chromiumLookup = findChromium();
// A machine without Chromium (and without root or apt to install it) still runs every other
// test; CI must not pass by skipping, so there a missing browser is a failure (see `fn`).
const skip = chromiumLookup.missing !== undefined && Deno.env.get("CI") !== "true";
if (skip) {
  console.warn(
    `Skipping the browser test as Chromium is unavailable (${chromiumLookup.missing}): ` +
      "install chromium, run dev/ensure_chromium.sh as root, or set CHROMIUM_PATH",
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

/** Headless Chromium at `path` on a fresh profile that Playwright deletes on close. */
function launchChromium(path: string): Promise<Browser> {
  // Playwright already passes --no-sandbox (containers and CI run as root) and quiet defaults (no
  // background networking, component updates, sync or first-run UI; /tmp instead of a small
  // /dev/shm); these two it leaves out.
  return chromium.launch({
    executablePath: path,
    args: ["--disable-gpu", "--disable-quic"],
    timeout: TIMEOUT_MS,
  });
}

/** Waits for the form's answer; on a timeout, says what the page shows instead. */
async function waitForResult(page: Page, selector: string): Promise<void> {
  try {
    await page.locator(selector).waitFor();
  } catch (error) {
    const shown = await page.locator("#result").textContent({ timeout: 1_000 })
      .catch(() => "(unreadable)");
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}; the page shows ${JSON.stringify(shown)}`);
  }
}

const NAME = "demo page mints a session through the proxy in a real browser";

Deno.test({
  // The warning above prints before the module's tests, inside the previous module's output;
  // the line that says "ignored" names only the test, so where it is skipped it also says why.
  name: skip ? `${NAME} (skipped: ${chromiumLookup.missing})` : NAME,
  ignore: skip,
  async fn() {
    const chromiumPath = chromiumLookup.path;
    if (chromiumPath === undefined) {
      throw new Error(
        "Cannot run the browser test in CI as Chromium is unavailable " +
          `(${chromiumLookup.missing}): run dev/ensure_chromium.sh as root to install it, ` +
          "or set CHROMIUM_PATH to one that runs",
      );
    }
    // Side by side: each takes a few hundred milliseconds, and neither needs the other yet.
    const [serverStart, browserStart] = await Promise.allSettled([
      startServer(),
      launchChromium(chromiumPath),
    ]);
    try {
      if (serverStart.status === "rejected") throw serverStart.reason;
      if (browserStart.status === "rejected") throw browserStart.reason;
      const server = serverStart.value;
      const browser = browserStart.value;
      const page = await browser.newPage();
      page.setDefaultTimeout(TIMEOUT_MS);
      await page.goto(server.url + "/");

      assert(
        await page.locator("#mock-banner").isVisible(),
        "The mock banner must be visible when no STRIPE_SECRET_KEY is set",
      );

      // Playwright clicks only a visible, enabled, uncovered button, as a person could.
      await page.fill("#amount", "250");
      await page.click("#mint");
      await waitForResult(page, "#session-id, #error");
      assertEquals(await page.locator("#error").count(), 0);
      assertMatch(await page.locator("#session-id").textContent() ?? "", /^cos_/);
      assertEquals(await page.locator("#session-status").textContent(), "initialized");
      assertEquals(await page.locator("#session-livemode").textContent(), "false");
      await Deno.mkdir(new URL("dist/", ROOT), { recursive: true });
      await Deno.writeFile(SCREENSHOT, await page.screenshot());

      // Three decimals is not a USD amount; the proxy must say which field is wrong.
      await page.fill("#amount", "12.345");
      await page.click("#mint");
      await waitForResult(page, "#error");
      assertStringIncludes(await page.locator("#error").textContent() ?? "", "source_amount");
    } finally {
      if (browserStart.status === "fulfilled") await browserStart.value.close();
      if (serverStart.status === "fulfilled") await serverStart.value.stop();
    }
  },
});
