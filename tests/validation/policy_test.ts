/**
 * Properties of `applyPolicy()` over random browsers, platforms and policies: the platform's
 * data and rules win completely, nothing the browser sends widens or sidesteps them, and every
 * refusal names a parameter the browser sent (or, for the platform's own mistakes, is a
 * `PlatformFault`).
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { OnrampError } from "../../errors/onramp_error.ts";
import {
  BUILT_IN_CATALOG,
  DESTINATION_CURRENCIES,
  DESTINATION_NETWORKS,
  SOURCE_CURRENCIES,
  WALLET_KEYS,
} from "../../validation/catalog.ts";
import {
  applyPolicy,
  compareDecimals,
  type CustomerData,
  type OnrampPolicy,
  PlatformFault,
} from "../../validation/policy.ts";
import { createSessionViolations, sessionNetworks } from "../../validation/rules.ts";
import type { CreateSessionBody } from "../../validation/schemas.ts";

const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 2000);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261125);

const networks = fc.subarray([...DESTINATION_NETWORKS], { minLength: 1 });
const currencies = fc.subarray([...DESTINATION_CURRENCIES], { minLength: 1 });

function walletsArb(owner: string) {
  const keys = Object.fromEntries(
    DESTINATION_NETWORKS.map((n) => [WALLET_KEYS[n], fc.constant(`${owner}-${n}`)]),
  );
  return fc.record({
    ...keys,
    destination_tags: fc.record({ stellar: fc.constant(`${owner}-tag`) }, { requiredKeys: [] }),
  }, { requiredKeys: [] });
}

const metadataArb = (owner: string) =>
  fc.dictionary(fc.constantFrom("a", "b", "c", "order", "user_id"), fc.constant(owner), {
    maxKeys: 4,
  });

const absentMostly = <T>(arb: fc.Arbitrary<T>, weight: number) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight }, { arbitrary: arb, weight: 1 });

// Each field present one time in four, so that many bodies get past the policy.
function sparse<T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) {
  const maybe = Object.fromEntries(
    Object.entries(fields).map(([k, arb]) => [k, absentMostly(arb, 3)]),
  );
  return fc.record(maybe).map((record) =>
    Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))
  );
}

const browserArb = sparse({
  source_amount: fc.constantFrom("10", "500", "1000000"),
  source_currency: fc.constantFrom(...SOURCE_CURRENCIES),
  destination_amount: fc.constantFrom("0.1", "100"),
  destination_currency: fc.constantFrom(...DESTINATION_CURRENCIES),
  destination_network: fc.constantFrom(...DESTINATION_NETWORKS),
  destination_currencies: currencies,
  destination_networks: networks,
  wallet_addresses: walletsArb("browser"),
  lock_wallet_address: fc.boolean(),
  metadata: metadataArb("browser"),
}) as fc.Arbitrary<CreateSessionBody>;

const customerArb = fc.record({
  wallet_addresses: walletsArb("platform"),
  metadata: metadataArb("platform"),
}, { requiredKeys: [] }) as fc.Arbitrary<CustomerData>;

// Each rule set one time in three.
const policyArb: fc.Arbitrary<OnrampPolicy> = fc.record({
  destinationNetworks: absentMostly(networks, 2),
  currencies: absentMostly(currencies, 2),
  lockWalletAddress: absentMostly(fc.boolean(), 2),
  sourceAmount: absentMostly(fc.constant({ min: "20", max: "500" }), 2),
  destinationAmount: absentMostly(fc.constant({ max: "0.5" }), 2),
}).map(({ currencies, destinationAmount, ...rest }) => {
  const policy: OnrampPolicy = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) Object.assign(policy, { [key]: value });
  }
  // A crypto limit needs its one currency (checkPolicy refuses it otherwise).
  if (destinationAmount) {
    Object.assign(policy, { destinationAmount, destinationCurrencies: ["eth"] });
  } else if (currencies) policy.destinationCurrencies = currencies;
  return policy;
});

const networkOfKey = (key: string) => BUILT_IN_CATALOG.networkOfWalletKey.get(key)!;
const walletKeysOf = (wallets: object | undefined) =>
  Object.keys(wallets ?? {}).filter((key) => key !== "destination_tags");

// A refusal must be about something the browser sent: its top-level field, and (for a nested
// name) that very member. `parameter_missing` names what to add next to what was sent.
function namesBrowserParam(browser: CreateSessionBody, param: string, code: string): boolean {
  if (code === "parameter_missing") return true;
  const [head, ...rest] = param.split(/\[|\]\[|\]$/).filter((part) => part !== "");
  let node: unknown = browser;
  for (const segment of [head!, ...rest]) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, segment)) return false;
    node = (node as Record<string, unknown>)[segment];
  }
  return true;
}

Deno.test("applyPolicy() lets the platform win and blames only what the browser sent, for any request", () => {
  let refused = 0;
  let accepted = 0;
  fc.assert(
    fc.property(browserArb, customerArb, policyArb, (browser, customer, policy) => {
      let params: CreateSessionBody;
      const platformWallets = walletKeysOf(customer.wallet_addresses);
      try {
        params = applyPolicy(browser, customer, policy);
      } catch (error) {
        if (error instanceof PlatformFault) {
          // Only the platform's lock, on wallets its own offer leaves no network for.
          const offered = policy.destinationNetworks ?? DESTINATION_NETWORKS;
          assertEquals(policy.lockWalletAddress, true);
          assert(platformWallets.length > 0);
          assert(
            !offered.some((n) => platformWallets.map(networkOfKey).includes(n)),
            error.message,
          );
          refused++;
          return;
        }
        assert(error instanceof OnrampError, String(error));
        const { param = "", code = "" } = error.body;
        assertEquals(error.status, 400);
        assert(namesBrowserParam(browser, param, code), `${param} (${code}) was not sent`);
        refused++;
        return;
      }
      for (const violation of createSessionViolations(params).filter((v) => v.documented)) {
        assert(
          namesBrowserParam(browser, violation.param, violation.code),
          `${violation.param} (${violation.code}) was not sent`,
        );
      }
      accepted++;
      const final = params.wallet_addresses as Record<string, unknown> | undefined;
      const finalKeys = walletKeysOf(final);
      const offered = sessionNetworks(params) ?? DESTINATION_NETWORKS;
      const owned = new Set([
        ...platformWallets.map(networkOfKey),
        ...Object.keys(customer.wallet_addresses?.destination_tags ?? {}),
      ]);
      // The platform's wallet is the one sent, for every network the session offers.
      for (const key of platformWallets) {
        const wanted = offered.includes(networkOfKey(key))
          ? (customer.wallet_addresses as Record<string, string>)[key]
          : undefined;
        assertEquals(final?.[key], wanted, key);
      }
      // Nothing of the browser's on a network the platform owns.
      for (const key of finalKeys) {
        if (owned.has(networkOfKey(key))) assert(String(final![key]).startsWith("platform"), key);
      }
      const finalTag = (final?.destination_tags as Record<string, string> | undefined)?.stellar;
      if (owned.has("stellar") && finalTag !== undefined) assert(finalTag.startsWith("platform"));
      // Locked to the platform's wallets: no other wallet, no network without one.
      const locked = new Set(platformWallets.map(networkOfKey));
      if (params.lock_wallet_address === true && locked.size > 0) {
        assert(finalKeys.every((key) => locked.has(networkOfKey(key))), finalKeys.join());
        assert(finalTag === undefined || finalTag.startsWith("platform"));
        assert(params.destination_networks?.every((n) => locked.has(n)), "a network unlocked");
        assert(
          params.destination_network === undefined || locked.has(params.destination_network),
        );
      }
      if (policy.lockWalletAddress !== undefined) {
        assertEquals(params.lock_wallet_address, policy.lockWalletAddress);
      }
      // Offers: only narrowed, never widened.
      if (policy.destinationNetworks) {
        assert(params.destination_networks?.every((n) => policy.destinationNetworks!.includes(n)));
      }
      if (policy.destinationCurrencies) {
        assert(
          params.destination_currencies?.every((c) => policy.destinationCurrencies!.includes(c)),
        );
      }
      // Limits: within them, and the unlimited side closed.
      const within = (amount: string | undefined, limits: OnrampPolicy["sourceAmount"]) =>
        amount === undefined || limits === undefined ||
        ((limits.min === undefined || compareDecimals(amount, limits.min) >= 0) &&
          (limits.max === undefined || compareDecimals(amount, limits.max) <= 0));
      assert(within(params.source_amount, policy.sourceAmount));
      assert(within(params.destination_amount, policy.destinationAmount));
      if (policy.sourceAmount && !policy.destinationAmount) {
        assertEquals(params.destination_amount, undefined);
      }
      if (policy.destinationAmount && !policy.sourceAmount) {
        assertEquals(params.source_amount, undefined);
      }
      // The platform's metadata, all of it.
      for (const [key, value] of Object.entries(customer.metadata ?? {})) {
        assertEquals((params.metadata as Record<string, string>)[key], value);
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
  assert(refused > RUNS / 20 && accepted > RUNS / 20, `refused ${refused}, accepted ${accepted}`);
});
