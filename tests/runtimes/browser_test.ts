/**
 * The Deno entry end to end, as a developer first meets it: `demo/runtimes/deno.ts` on the embedded
 * mock Stripe, with the demo page driven by a real headless Chromium through Playwright, through
 * the whole purchase (the simulated widget's steps, the status as the webhooks arrive, a duplicate
 * and an out-of-order delivery); and with a key, the page following the widget's own events.
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
import { serveStripeMock } from "../../mock/serve_mock.ts";
import { createStripeMock } from "../../mock/stripe_mock.ts";
import type { SpawnedServer } from "../_helpers/spawn_server.ts";
import { startOnMock } from "./_lifecycle.ts";

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

/** `demo/runtimes/deno.ts`, on the embedded mock Stripe unless `env` says more. */
function startServer(env: Record<string, string> = {}): Promise<SpawnedServer> {
  // On the mock, the page loads no Stripe script from the network.
  return startOnMock(Deno.execPath(), ["run", "-A", "demo/runtimes/deno.ts"], env);
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

/** Waits for `selector`; on a timeout, says what the page shows instead. */
async function waitForResult(page: Page, selector: string): Promise<void> {
  try {
    await page.locator(selector).first().waitFor();
  } catch (error) {
    const shown = await page.locator("body").innerText({ timeout: 1_000 })
      .catch(() => "(unreadable)");
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}; the page shows ${JSON.stringify(shown)}`);
  }
}

/** Waits until the live status reads `status`. */
async function waitForStatus(page: Page, status: string): Promise<void> {
  await waitForResult(page, `#session-status:text-is("${status}")`);
}

/**
 * Runs `steps` on a fresh page of the demo server started with `env`: the test's body, or a
 * skip (or, in CI, a failure) when there is no Chromium.
 */
function browserTest(
  name: string,
  env: () => Promise<{ env: Record<string, string>; close(): Promise<void> }>,
  steps: (page: Page, server: SpawnedServer) => Promise<void>,
) {
  Deno.test({
    // The warning above prints before the module's tests, inside the previous module's output;
    // the line that says "ignored" names only the test, so where it is skipped it also says why.
    name: skip ? `${name} (skipped: ${chromiumLookup.missing})` : name,
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
      const setting = await env();
      // Side by side: each takes a few hundred milliseconds, and neither needs the other yet.
      const [serverStart, browserStart] = await Promise.allSettled([
        startServer(setting.env),
        launchChromium(chromiumPath),
      ]);
      try {
        if (serverStart.status === "rejected") throw serverStart.reason;
        if (browserStart.status === "rejected") throw browserStart.reason;
        const page = await browserStart.value.newPage();
        page.setDefaultTimeout(TIMEOUT_MS);
        await steps(page, serverStart.value);
      } finally {
        if (browserStart.status === "fulfilled") await browserStart.value.close();
        if (serverStart.status === "fulfilled") await serverStart.value.stop();
        await setting.close();
      }
    },
  });
}

const onMock = () => Promise.resolve({ env: {}, close: () => Promise.resolve() });

browserTest(
  "demo page mints a session through the proxy and drives it to fulfillment_complete in a real browser",
  onMock,
  async (page, server) => {
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
    assert(await page.locator("#simulated-widget").isVisible(), "the simulated widget shows");

    // The customer's steps; each status comes back through the webhook, as the handler got it.
    assert(await page.locator("#pay").isDisabled(), "no payment before the identity check");
    await page.click("#kyc");
    await waitForStatus(page, "requires_payment");
    await page.click("#pay");
    await waitForStatus(page, "fulfillment_processing");
    await page.click("#deliver");
    await waitForStatus(page, "fulfillment_complete");
    await waitForResult(page, "#transaction-id:text-matches('^0x[0-9a-f]{64}$')");
    assert(await page.locator("#deliver").isDisabled(), "a completed purchase has no next step");

    await page.click("#duplicate");
    await waitForResult(page, 'tr[data-outcome="duplicate"]');
    assertEquals(await page.locator("#handled li").count(), 3, "the duplicate is not handled");
    assertEquals(await page.locator('#handled li[data-status="fulfillment_complete"]').count(), 1);
    assertEquals(await page.locator('tr[data-outcome="handled"]').count(), 3);
    await Deno.mkdir(new URL("dist/", ROOT), { recursive: true });
    await Deno.writeFile(SCREENSHOT, await page.screenshot({ fullPage: true }));
    const logged = server.output().split("\n").filter((line) =>
      line.includes('"status":"fulfillment_complete"')
    );
    assertEquals(logged.length, 1, "one handled fulfillment_complete in the server's log");

    // A new session: two steps, the first one's event delivered after the second's.
    await page.click("#mint");
    await waitForStatus(page, "initialized");
    await page.click("#out-of-order");
    await waitForResult(page, 'tr[data-outcome="stale"]');
    await waitForStatus(page, "fulfillment_processing");
    assertEquals(await page.locator("#handled li").count(), 1, "the older event is not handled");

    // Three decimals is not a USD amount; the proxy must say which field is wrong.
    await page.fill("#amount", "12.345");
    await page.click("#mint");
    await waitForResult(page, "#error");
    assertStringIncludes(await page.locator("#error").textContent() ?? "", "source_amount");
  },
);

// Stands in for Stripe's widget scripts (served from js.stripe.com and crypto-js.stripe.com,
// which this test never reaches): `StripeOnramp(pk).createSession({ clientSecret })` with
// `addEventListener` and `mount`, as https://docs.stripe.com/crypto/onramp/embedded uses them,
// and a hook for the test to fire the widget's `onramp_session_updated` event.
const FAKE_WIDGET = `
window.StripeOnramp = (publishableKey) => ({
  createSession({ clientSecret }) {
    const listeners = [];
    const session = {
      addEventListener(type, listener) { if (type === "onramp_session_updated") listeners.push(listener); return session; },
      mount(selector) {
        document.querySelector(selector).textContent = "Stripe's widget";
        window.fakeOnramp = { publishableKey, clientSecret, emit(status) {
          for (const listener of listeners) listener({ type: "onramp_session_updated", payload: { session: { status } } });
        } };
        return session;
      },
    };
    return session;
  },
});
`;

browserTest(
  "with a key, the demo page mounts Stripe's widget and follows its onramp_session_updated events",
  () => {
    const stop = new AbortController();
    const stripe = serveStripeMock(createStripeMock(), { signal: stop.signal });
    return Promise.resolve({
      env: {
        STRIPE_SECRET_KEY: "sk_test_browser",
        STRIPE_WEBHOOK_SECRET: "whsec_test_browser",
        STRIPE_PUBLISHABLE_KEY: "pk_test_browser",
        STRIPE_API_BASE: stripe.url,
      },
      close: async () => {
        stop.abort();
        await stripe.finished;
      },
    });
  },
  async (page, server) => {
    let fetchedWidget = 0;
    for (const host of ["https://js.stripe.com/**", "https://crypto-js.stripe.com/**"]) {
      await page.route(host, (route) => {
        fetchedWidget++;
        return route.fulfill({ contentType: "application/javascript", body: FAKE_WIDGET });
      });
    }
    await page.goto(server.url + "/");
    assertEquals(fetchedWidget, 2, "both of Stripe's scripts are loaded from Stripe's domains");
    assertEquals(await page.locator("#mock-banner").count(), 0);
    assertEquals(await page.locator("#simulated-widget").count(), 0, "no simulated widget");
    await page.click("#mint");
    await waitForResult(page, "#session-id, #error");
    assertEquals(await page.locator("#error").count(), 0);
    const mounted = await page.evaluate(() =>
      (globalThis as unknown as { fakeOnramp?: { clientSecret: string; publishableKey: string } })
        .fakeOnramp
    );
    assertEquals(mounted?.publishableKey, "pk_test_browser");
    assertMatch(mounted?.clientSecret ?? "", /^cos_\w+_secret_\w+$/);
    for (const status of ["requires_payment", "fulfillment_complete"]) {
      await page.evaluate(
        (s) =>
          (globalThis as unknown as { fakeOnramp: { emit(s: string): void } }).fakeOnramp.emit(s),
        status,
      );
      await waitForStatus(page, status);
    }
  },
);
