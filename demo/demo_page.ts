/**
 * The demo page at `/`: mints a session through the proxy and shows it; with a publishable key
 * it also mounts Stripe's onramp widget.
 *
 * @module
 */
import { type Html, html, raw } from "../routes/_html.ts";

/** Options of {@linkcode renderDemoPage}. */
export interface DemoPageOptions {
  /** Where the onramp sub-app is mounted. */
  onrampPath: string;
  /** A `pk_…` key: mount Stripe's widget with the minted session. */
  publishableKey: string | undefined;
  /** Whether Stripe is the embedded mock (shown as a banner). */
  mock: boolean;
}

// Stripe.js must load from Stripe's own domains, never from a bundle or our server
// (https://docs.stripe.com/js/including). These are the scripts `loadStripeOnramp()` from
// `@stripe/crypto` injects; the page includes them directly.
const STRIPE_SCRIPTS = [
  "https://js.stripe.com/clover/stripe.js",
  "https://crypto-js.stripe.com/crypto-onramp-outer.js",
];

const STYLE = raw(`
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
label{display:block;margin:.6rem 0 .2rem}input,select,button{font:inherit;padding:.4rem .6rem}
button{display:block;background:#0b5cd5;color:#fff;border:0;border-radius:6px;padding:.6rem 1rem;margin-top:1rem;cursor:pointer}
.banner{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem .75rem;border-radius:6px}
.error{color:#c9252d}dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{font-weight:600}
`);

// The page's own behaviour; `config` is declared just before it, in the same script.
const SCRIPT = raw(`
const form = document.getElementById("onramp-form");
const result = document.getElementById("result");
function show(rows) {
  const list = document.createElement("dl");
  for (const [term, value, id] of rows) {
    const dt = document.createElement("dt"); dt.textContent = term;
    const dd = document.createElement("dd"); dd.textContent = value; if (id) dd.id = id;
    list.append(dt, dd);
  }
  result.replaceChildren(list);
}
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = document.getElementById("mint");
  button.disabled = true;
  result.textContent = "Creating…";
  try {
    const network = form.destination_network.value;
    const res = await fetch(config.sessions, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ source_amount: form.source_amount.value, destination_networks: [network], destination_network: network }),
    });
    const body = await res.json();
    if (!res.ok) {
      const p = document.createElement("p"); p.className = "error"; p.id = "error";
      p.textContent = body.error.message + (body.error.param ? " (" + body.error.param + ")" : "");
      result.replaceChildren(p);
      return;
    }
    show([["Session", body.id, "session-id"], ["Status", body.status, "session-status"], ["Live", String(body.livemode), "session-livemode"]]);
    if (config.publishableKey && window.StripeOnramp) {
      StripeOnramp(config.publishableKey).createSession({ clientSecret: body.client_secret }).mount("#onramp-element");
    }
  } catch (error) {
    result.textContent = "Could not reach the server: " + error.message;
  } finally {
    button.disabled = false;
  }
});
`);

/**
 * The page's settings as a JavaScript expression to place inside `<script>`. HTML escaping does
 * not apply there (the browser would not decode `&quot;`); what can end the script early is
 * only markup starting with `<` (`</script>`, `<!--`). JSON holds `<` only inside strings, where
 * `\u003c` reads back as the same `<`, so with every `<` replaced no value can leave the script.
 */
function scriptConfig(config: Record<string, string | null>): Html {
  return raw(JSON.stringify(config).replaceAll("<", "\\u003c"));
}

/**
 * Renders the demo page.
 *
 * @param options Mount path, widget key and mock flag.
 * @returns The page's HTML.
 */
export function renderDemoPage(options: DemoPageOptions): string {
  const { onrampPath, publishableKey, mock } = options;
  const config = scriptConfig({
    sessions: `${onrampPath}/sessions`,
    publishableKey: publishableKey ?? null,
  });
  const widgetScripts = publishableKey !== undefined &&
    STRIPE_SCRIPTS.map((src) => html`<script src="${src}"></script>`);
  return "<!doctype html>\n" + html`
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width,initial-scale=1">
        <title>Crypto onramp demo</title>
        ${widgetScripts}
        <style>${STYLE}</style>
      </head>
      <body>
        <h1>Buy crypto</h1>
        ${mock && html`
          <p class="banner" id="mock-banner">
            Mock mode: Stripe is simulated in-process; no money moves and no widget loads. Set
            STRIPE_SECRET_KEY to use Stripe.
          </p>
        `}
        <form id="onramp-form">
          <label for="amount">Amount (USD)</label>
          <input id="amount" name="source_amount" value="100" inputmode="decimal">
          <label for="network">Network</label>
          <select id="network" name="destination_network">
            <option value="ethereum">Ethereum</option>
            <option value="base">Base</option>
            <option value="solana">Solana</option>
            <option value="polygon">Polygon</option>
            <option value="bitcoin">Bitcoin</option>
          </select>
          <button id="mint" type="submit">Create onramp session</button>
        </form>
        <div id="result" aria-live="polite"></div>
        <div id="onramp-element"></div>
        <p><a href="${onrampPath}/docs">API docs</a></p>
        <script>const config = ${config};${SCRIPT}</script>
      </body>
    </html>
  `;
}
