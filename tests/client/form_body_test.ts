import { assertEquals } from "@std/assert";
import { encodeStripeForm } from "../../client/form_body.ts";

// Each vector is what Stripe's official Node library sends for the same parameters
// (docs/stripe-api-notes.md#form-encoding).
const vectors: ReadonlyArray<
  [name: string, params: Parameters<typeof encodeStripeForm>[0], body: string]
> = [
  ["a plain string", { source_amount: "100.00" }, "source_amount=100.00"],
  ["a number", { limit: 10 }, "limit=10"],
  [
    "booleans as words",
    { lock_wallet_address: true, x: false },
    "lock_wallet_address=true&x=false",
  ],
  [
    "arrays with indices",
    { destination_networks: ["ethereum", "solana"] },
    "destination_networks[0]=ethereum&destination_networks[1]=solana",
  ],
  [
    "nested objects with brackets",
    { kyc_details: { address: { city: "Paris", country: "FR" } } },
    "kyc_details[address][city]=Paris&kyc_details[address][country]=FR",
  ],
  [
    "wallet addresses per network with destination tags",
    { wallet_addresses: { stellar: "GABC", destination_tags: { stellar: "123" } } },
    "wallet_addresses[stellar]=GABC&wallet_addresses[destination_tags][stellar]=123",
  ],
  ["metadata keys", { metadata: { order_id: "42" } }, "metadata[order_id]=42"],
  [
    "an empty string that unsets one metadata key",
    { metadata: { order_id: "" } },
    "metadata[order_id]=",
  ],
  ["an empty string that clears all metadata", { metadata: "" }, "metadata="],
  ["null as an empty value", { destination_amount: null }, "destination_amount="],
  [
    "undefined members left out",
    { source_amount: undefined, source_currency: "usd" },
    "source_currency=usd",
  ],
  ["empty arrays and objects left out", { a: [], b: {}, c: "x" }, "c=x"],
  ["dates as Unix seconds", { created: new Date(1691010131_900) }, "created=1691010131"],
  ["objects inside arrays", { a: [{ b: "c" }] }, "a[0][b]=c"],
  [
    "reserved characters percent-encoded, !*()' included",
    { metadata: { note: "a&b=c d!*()'é+/?#" } },
    "metadata[note]=a%26b%3Dc%20d%21%2A%28%29%27%C3%A9%2B%2F%3F%23",
  ],
  ["brackets inside keys left readable", { "metadata": { "a[b]": "1" } }, "metadata[a[b]]=1"],
  ["range filters as nested keys", { created: { gte: 1, lt: 2 } }, "created[gte]=1&created[lt]=2"],
  ["an empty object as an empty body", {}, ""],
];

for (const [name, params, body] of vectors) {
  Deno.test(`encodeStripeForm() encodes ${name}`, () => {
    assertEquals(encodeStripeForm(params), body);
  });
}

Deno.test("encodeStripeForm() output round-trips through URLSearchParams", () => {
  const body = encodeStripeForm({
    metadata: { note: "a&b=c d+é" },
    destination_networks: ["base"],
  });
  const parsed = new URLSearchParams(body);
  assertEquals(parsed.get("metadata[note]"), "a&b=c d+é");
  assertEquals(parsed.get("destination_networks[0]"), "base");
});
