// Compile-time tests: `deno test` type-checks this file, and an unused `@ts-expect-error` is
// itself an error, so each line below fails the run if the generated types stop rejecting it.
import { assert } from "@std/assert";
import { createOnrampClient } from "../../client/create_client.ts";
import type { CreateSessionParams } from "../../client/types.ts";
import { fakeUpstream, sessionJson } from "../_helpers/fake_upstream.ts";

Deno.test("generated create params reject wrong names and enum values at compile time", () => {
  const valid: CreateSessionParams = {
    destination_currency: "eth",
    destination_network: "ethereum",
    destination_networks: ["ethereum", "base"],
    source_currency: "usd",
    wallet_addresses: { base_network: "0xabc", destination_tags: { stellar: "1" } },
    metadata: "",
  };
  // @ts-expect-error: not a Stripe parameter (typo of destination_network)
  const wrongName: CreateSessionParams = { destination_netwrk: "ethereum" };
  // @ts-expect-error: not a destination currency
  const wrongCurrency: CreateSessionParams = { destination_currency: "doge" };
  // @ts-expect-error: not a destination network
  const wrongNetwork: CreateSessionParams = { destination_networks: ["arbitrum"] };
  // @ts-expect-error: not a fiat currency the onramp takes
  const wrongFiat: CreateSessionParams = { source_currency: "jpy" };
  // @ts-expect-error: Base's wallet key is base_network, not base
  const wrongWalletKey: CreateSessionParams = { wallet_addresses: { base: "0xabc" } };
  // @ts-expect-error: amounts are decimal strings, not numbers
  const numericAmount: CreateSessionParams = { source_amount: 100 };
  assert([valid, wrongName, wrongCurrency, wrongNetwork, wrongFiat, wrongWalletKey, numericAmount]);
});

Deno.test("client methods reject wrong query parameters at compile time", async () => {
  const client = createOnrampClient({
    secretKey: "sk_test_types",
    fetch: fakeUpstream(Response.json(sessionJson())).fetch,
  });
  const check = () => {
    // @ts-expect-error: status filter must be a known status
    client.listSessions({ status: "done" });
    // @ts-expect-error: quotes take destination_networks, not network
    client.getQuotes({ network: "ethereum" });
  };
  assert(typeof check === "function");
  // The session type exposes what the widget needs.
  const session = await client.retrieveSession("cos_test_123");
  const secret: string = session.client_secret;
  assert(secret.startsWith("cos_"));
});
