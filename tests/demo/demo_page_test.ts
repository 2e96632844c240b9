import { assert, assertEquals, assertFalse, assertStringIncludes } from "@std/assert";
import { renderDemoPage } from "../../demo/demo_page.ts";
import { simulatedWidget } from "../../demo/simulated_widget.ts";

const HOSTILE = `/x"></a></script><!--<script>alert(1)</script>`;

/** The value of `const config = …;` in the page's inline script, parsed. */
function configOf(page: string): unknown {
  const match = page.match(/const config = (.*);\n/);
  assert(match?.[1] !== undefined, "the page has no config line");
  return JSON.parse(match[1]);
}

Deno.test("renderDemoPage() keeps hostile settings inside its config script", () => {
  const page = renderDemoPage({
    onrampPath: HOSTILE,
    publishableKey: `pk_test_</SCRIPT>`,
    mock: false,
  });
  // Two Stripe scripts and the page's own: each opened once and closed once, nothing more.
  assertEquals(page.match(/<script\b/gi)?.length, 3);
  assertEquals(page.match(/<\/script/gi)?.length, 3);
  const script = page.slice(page.lastIndexOf("<script>"));
  assertFalse(script.includes("<!--"));
  // The values still reach the script unchanged.
  assertEquals(configOf(page), {
    sessions: `${HOSTILE}/sessions`,
    publishableKey: "pk_test_</SCRIPT>",
    demo: null,
  });
});

Deno.test("renderDemoPage() escapes the mount path in the docs link", () => {
  const page = renderDemoPage({ onrampPath: HOSTILE, publishableKey: undefined, mock: true });
  assertStringIncludes(
    page,
    '<a href="/x&quot;&gt;&lt;/a&gt;&lt;/script&gt;&lt;!--&lt;script&gt;alert(1)&lt;/script&gt;/docs">',
  );
});

Deno.test("renderDemoPage() loads Stripe's scripts only with a publishable key", () => {
  const page = renderDemoPage({ onrampPath: "/onramp", publishableKey: undefined, mock: true });
  assertFalse(page.includes("js.stripe.com"));
  assertStringIncludes(page, 'id="mock-banner"');
  const live = renderDemoPage({ onrampPath: "/onramp", publishableKey: "pk_test_1", mock: false });
  assertStringIncludes(live, '<script src="https://js.stripe.com/clover/stripe.js"></script>');
  assertFalse(live.includes('id="mock-banner"'));
  assertEquals(configOf(live), {
    sessions: "/onramp/sessions",
    publishableKey: "pk_test_1",
    demo: null,
  });
});

Deno.test("renderDemoPage() shows the simulated widget only when mock mode gives it", () => {
  const live = renderDemoPage({ onrampPath: "/onramp", publishableKey: "pk_test_1", mock: false });
  assertFalse(live.includes("simulated-widget"));
  assertFalse(live.includes("function simulate"));
  const mock = renderDemoPage({
    onrampPath: "/onramp",
    demoPath: "/demo",
    simulatedWidget: simulatedWidget(HOSTILE),
    publishableKey: undefined,
    mock: true,
  });
  assertStringIncludes(mock, 'id="simulated-widget"');
  assertEquals(configOf(mock), {
    sessions: "/onramp/sessions",
    publishableKey: null,
    demo: "/demo",
  });
  // The webhook path the widget names is escaped like any other text.
  assertFalse(mock.includes(HOSTILE));
  assertEquals(mock.match(/<script\b/gi)?.length, 1);
});
