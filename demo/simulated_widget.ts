/**
 * Mock mode's simulated onramp widget on the demo page: the steps a customer goes through in
 * Stripe's widget (identity check, payment, delivery on chain), as buttons that drive the
 * embedded mock through the demo routes, and the session's status as the server's webhook
 * handler receives each event, with every delivery and what the webhook route answered.
 *
 * @module
 */
import { html, raw } from "../routes/_html.ts";
import type { SimulatedWidget } from "./demo_page.ts";

// The widget's behaviour. Its buttons call the demo routes (which call the mock's
// test helpers) with the session's client_secret, as a widget holds it; the status shown is the
// one the server's webhook handler received, polled from the demo's events route, with every
// delivery and what the webhook route answered to it.
const SIMULATION = raw(`
const STEPS = { kyc: "initialized", pay: "requires_payment", deliver: "fulfillment_processing" };
const OUTCOMES = {
  handled: "handled: applied",
  duplicate: "duplicate: acknowledged, not applied again",
  stale: "out of order: older than the session's status, not applied",
};
let current = null;
function enable(status) {
  for (const [id, at] of Object.entries(STEPS)) $(id).disabled = status !== at;
  const early = status === "initialized" || status === "requires_payment";
  $("reject").disabled = !early;
  $("out-of-order").disabled = !early;
  $("duplicate").disabled = status === "initialized";
}
function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.append(td); }
async function drive(action) {
  const session = current;
  $("widget-note").textContent = "";
  const res = await fetch(config.demo + "/sessions/" + encodeURIComponent(session.id) + "/" + action, {
    method: "POST", headers: { "onramp-client-secret": session.clientSecret },
  });
  const body = await res.json();
  if (session !== current) return;
  if (!res.ok) { $("widget-note").textContent = body.error.message; return; }
  $("widget-step").textContent = body.status;
  enable(body.status);
  refresh();
}
async function showTransaction(session) {
  // The full view, transaction hash included, only with the session's own client_secret.
  const res = await fetch(config.sessions + "/" + encodeURIComponent(session.id), { headers: { "onramp-client-secret": session.clientSecret } });
  if (res.ok && session === current) $("transaction-id").textContent = (await res.json()).transaction_details.transaction_id;
}
async function refresh() {
  const session = current;
  const res = await fetch(config.demo + "/sessions/" + encodeURIComponent(session.id) + "/events");
  if (!res.ok || session !== current) return;
  const body = await res.json();
  if (body.status) setStatus(body.status);
  $("handled").replaceChildren(...body.handled.map((event) => {
    const li = document.createElement("li"); li.dataset.status = event.status;
    li.textContent = event.event_id + " → " + event.status; return li;
  }));
  $("deliveries").replaceChildren(...body.deliveries.map((d) => {
    const row = document.createElement("tr"); row.dataset.outcome = d.outcome || "failed";
    cell(row, d.event_id); cell(row, d.status); cell(row, String(d.attempt));
    cell(row, OUTCOMES[d.outcome] || (d.response_status ? "HTTP " + d.response_status + ": delivered again later" : "no answer"));
    return row;
  }));
  if (body.status === "fulfillment_complete" && !session.transactionShown) {
    session.transactionShown = true;
    showTransaction(session);
  }
}
function simulate(body) {
  if (current) clearInterval(current.timer);
  current = { id: body.id, clientSecret: body.client_secret, transactionShown: false };
  current.timer = setInterval(refresh, 500);
  $("widget-step").textContent = body.status;
  $("transaction-id").textContent = "";
  $("handled").replaceChildren();
  $("deliveries").replaceChildren();
  enable(body.status);
  $("simulated-widget").hidden = false;
}
for (const id of ["kyc", "pay", "deliver"]) $(id).addEventListener("click", () => drive("advance"));
$("reject").addEventListener("click", () => drive("reject"));
$("duplicate").addEventListener("click", () => drive("duplicate"));
$("out-of-order").addEventListener("click", () => drive("out_of_order"));
`);

/**
 * Builds the simulated widget for the demo page.
 *
 * @param webhookPath Where the webhook route is, as the page names it.
 * @returns Its markup and script.
 */
export function simulatedWidget(webhookPath: string): SimulatedWidget {
  return {
    script: SIMULATION,
    markup: html`
      <section class="widget" id="simulated-widget" hidden>
        <h2>Simulated onramp widget</h2>
        <p>What the customer does in Stripe's widget. Step: <strong id="widget-step"></strong></p>
        <ol>
          <li>Onboarding and identity check (KYC) <button id="kyc" type="button">Verify identity</button></li>
          <li>Payment <button id="pay" type="button">Pay</button></li>
          <li>Delivery on chain <button id="deliver" type="button">Deliver the crypto</button></li>
        </ol>
        <button id="reject" type="button">Decline the customer</button>
        <p>Stripe retries and reorders webhooks; try it:
          <button id="duplicate" type="button">Send a duplicate delivery</button>
          <button id="out-of-order" type="button">Send an out-of-order delivery</button>
        </p>
        <p class="error" id="widget-note" aria-live="polite"></p>
        <p>Transaction: <code id="transaction-id"></code></p>
        <h3>Events the server handled</h3>
        <ol id="handled"></ol>
        <h3>Deliveries to ${webhookPath}</h3>
        <table>
          <thead>
            <tr>
              <th>Event</th>
              <th>Status</th>
              <th>Attempt</th>
              <th>Webhook route</th>
            </tr>
          </thead>
          <tbody id="deliveries"></tbody>
        </table>
      </section>
    `,
  };
}
