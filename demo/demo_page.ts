/**
 * The demo page at `/`: mints a session through the proxy and shows its status as it changes.
 * With a publishable key it mounts Stripe's onramp widget and follows the widget's
 * `onramp_session_updated` events; on the embedded mock it shows a simulated widget instead,
 * whose buttons drive the mock, and the session's status as the server's webhook handler
 * receives each event.
 *
 * @module
 */
import { type Html, html, raw } from "../routes/_html.ts";

/**
 * A part of the page only mock mode has, kept in its own module so that a bundle built for a
 * real key (the Worker) leaves it out.
 */
export interface SimulatedWidget {
  /** Its markup, placed after the session's details. */
  markup: Html;
  /** Its script, run after the page's own, whose `config`, `$` and `setStatus` it uses. */
  script: Html;
}

/** Options of {@linkcode renderDemoPage}. */
export interface DemoPageOptions {
  /** Where the onramp sub-app is mounted. */
  onrampPath: string;
  /** Where mock mode's demo routes live; set only on the embedded mock. */
  demoPath?: string | undefined;
  /** Mock mode's simulated widget (`demo/simulated_widget.ts`), shown after a mint. */
  simulatedWidget?: SimulatedWidget | undefined;
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
.widget{border:1px solid #d0d7de;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}
.widget button{display:inline-block;margin:.3rem .3rem .3rem 0;padding:.35rem .7rem}
.widget button:disabled{background:#8c959f;cursor:default}
.widget li{margin:.3rem 0}table{border-collapse:collapse;width:100%;font-size:.85rem}
td,th{border-bottom:1px solid #d0d7de;padding:.2rem .4rem;text-align:left}code{word-break:break-all}
`);

// The page's own behaviour; `config` is declared just before it, in the same script.
const SCRIPT = raw(`
const form = document.getElementById("onramp-form");
const result = document.getElementById("result");
const $ = (id) => document.getElementById(id);
function setStatus(status) { const el = $("session-status"); if (el) el.textContent = status; }
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
      const onramp = StripeOnramp(config.publishableKey).createSession({ clientSecret: body.client_secret });
      // The widget reports each status change in the browser (docs.stripe.com/crypto/onramp/embedded).
      onramp.addEventListener("onramp_session_updated", (e) => setStatus(e.payload.session.status));
      onramp.mount("#onramp-element");
    }
    if (typeof simulate === "function") simulate(body);
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
  const { onrampPath, demoPath, simulatedWidget, publishableKey, mock } = options;
  const config = scriptConfig({
    sessions: `${onrampPath}/sessions`,
    publishableKey: publishableKey ?? null,
    demo: demoPath ?? null,
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
            Mock mode: Stripe is simulated in-process; no money moves, and a simulated widget
            stands in for Stripe's. Set STRIPE_SECRET_KEY to use Stripe.
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
        ${simulatedWidget?.markup}
        <p><a href="${onrampPath}/docs">API docs</a></p>
        <script>const config = ${config};${SCRIPT}${simulatedWidget?.script}</script>
      </body>
    </html>
  `;
}
