import { assertEquals, assertThrows } from "@std/assert";
import { encodeStripeForm, type FormValue } from "../../client/form_body.ts";
import { FormParseError, parseStripeForm } from "../../mock/form_parse.ts";

const roundTrips: [string, Record<string, FormValue>][] = [
  ["flat strings", { source_amount: "100.00", source_currency: "usd" }],
  ["an indexed array", { destination_networks: ["ethereum", "base", "solana"] }],
  ["nested objects", {
    wallet_addresses: {
      ethereum: "0x742d35Cc6634C0532925a3b844Bc454e4438f44e",
      destination_tags: { stellar: "memo 1" },
    },
  }],
  ["metadata with awkward characters", {
    metadata: { order: "42", "note with spaces": "a&b=c [x] 100% ünïcode!*'()" },
  }],
  ["three levels of nesting", { kyc_details: { address: { city: "Paris", country: "FR" } } }],
];

for (const [name, params] of roundTrips) {
  Deno.test(`parseStripeForm() reads back what encodeStripeForm() wrote: ${name}`, () => {
    assertEquals(parseStripeForm(encodeStripeForm(params)), params);
  });
}

Deno.test("parseStripeForm() leaves booleans and numbers as strings for the caller to type", () => {
  const form = encodeStripeForm({ lock_wallet_address: true, kyc_details: { dob: { day: 3 } } });
  assertEquals(parseStripeForm(form), {
    lock_wallet_address: "true",
    kyc_details: { dob: { day: "3" } },
  });
});

Deno.test("parseStripeForm() builds arrays from the a[]= form of Stripe's curl examples", () => {
  assertEquals(
    parseStripeForm("destination_currencies[]=eth&destination_currencies[]=usdc"),
    { destination_currencies: ["eth", "usdc"] },
  );
});

Deno.test("parseStripeForm() orders indexed items by index and closes gaps", () => {
  assertEquals(parseStripeForm("a[10]=z&a[2]=y&a[0]=x"), { a: ["x", "y", "z"] });
});

Deno.test("parseStripeForm() keeps numeric metadata keys as keys, not array indices", () => {
  assertEquals(parseStripeForm("metadata[0]=x&metadata[7]=y"), { metadata: { 0: "x", 7: "y" } });
});

Deno.test("parseStripeForm() decodes percent-encoded brackets and plus signs", () => {
  assertEquals(parseStripeForm("metadata%5Bnote%5D=a+b%2Bc"), { metadata: { note: "a b+c" } });
});

Deno.test("parseStripeForm() keeps the last value of a repeated name", () => {
  assertEquals(parseStripeForm("source_currency=eur&source_currency=usd"), {
    source_currency: "usd",
  });
});

Deno.test("parseStripeForm() keeps an empty value (the caller reads it as unset)", () => {
  assertEquals(parseStripeForm("metadata="), { metadata: "" });
});

Deno.test("parseStripeForm() cannot be steered into Object.prototype", () => {
  const parsed = parseStripeForm("__proto__[polluted]=yes&metadata[__proto__]=x");
  assertEquals(({} as Record<string, unknown>).polluted, undefined);
  assertEquals(Object.keys(parsed), ["__proto__", "metadata"]);
});

const malformed: [string, string, string][] = [
  ["unbalanced brackets", "wallet_addresses[ethereum=0x1", "wallet_addresses[ethereum"],
  ["[] before the end", "a[][b]=1", "a"],
  ["a name used as value and hash", "metadata=x&metadata[a]=y", "metadata"],
  ["a hash used as value", "kyc_details[email]=x&kyc_details=y", "kyc_details"],
  ["too deep a name", "a[1][2][3][4][5][6][7]=x", "a"],
];

for (const [name, input, param] of malformed) {
  Deno.test(`parseStripeForm() refuses ${name}, naming the parameter`, () => {
    const error = assertThrows(() => parseStripeForm(input), FormParseError);
    assertEquals(error.param, param);
  });
}
