import { assert, assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import {
  BUILT_IN_CATALOG,
  carries,
  type CatalogOptions,
  createCatalog,
  DESTINATION_NETWORKS,
  WALLET_KEYS,
} from "../../validation/catalog.ts";
import { checkPolicy } from "../../validation/policy.ts";

Deno.test("createCatalog() without options is the built-in catalog", () => {
  assertStrictEquals(createCatalog(undefined), BUILT_IN_CATALOG);
  assertEquals(
    [...BUILT_IN_CATALOG.walletKeys],
    DESTINATION_NETWORKS.map((network) => [network, WALLET_KEYS[network]]),
  );
  assertEquals(BUILT_IN_CATALOG.networkOfWalletKey.get("base_network"), "base");
});

Deno.test("createCatalog() adds networks, currencies, pairs, precisions, wallet keys and tags", () => {
  const catalog = createCatalog({
    currencies: { usdt: { decimals: 6 }, wld: { decimals: 18 } },
    networks: {
      optimism: { currencies: ["eth", "usdc", "usdt"] },
      worldchain: { walletKey: "worldchain", currencies: ["wld"] },
      tempo: { currencies: ["usdc"], destinationTags: true },
      ethereum: { currencies: ["usdt"] },
    },
    sourceCurrencies: ["chf"],
  });
  assertEquals(catalog.networks.slice(DESTINATION_NETWORKS.length), [
    "optimism",
    "worldchain",
    "tempo",
  ]);
  assertEquals(catalog.currencies.slice(-2), ["usdt", "wld"]);
  assertEquals(catalog.sourceCurrencies, ["eur", "gbp", "usd", "chf"]);
  assertEquals(catalog.precision.get("usdt"), { decimals: 6, stated: true });
  assertEquals(carries(catalog, "ethereum", "usdt"), true);
  assertEquals(carries(catalog, "ethereum", "eth"), true, "built-in pairs stay");
  assertEquals(carries(catalog, "optimism", "wld"), false);
  assertEquals(catalog.tagNetworks, ["stellar", "tempo"]);
  assertEquals(catalog.networkOfWalletKey.get("optimism"), "optimism");
});

Deno.test("createCatalog() lets a platform state an unverified built-in precision, never change a documented one", () => {
  assertEquals(BUILT_IN_CATALOG.precision.get("btc"), { decimals: 8, stated: false });
  assertEquals(BUILT_IN_CATALOG.precision.get("eth"), { decimals: 18, stated: true });
  assertEquals(createCatalog({ currencies: { btc: { decimals: 8 } } }).precision.get("btc"), {
    decimals: 8,
    stated: true,
  });
  assertThrows(
    () => createCatalog({ currencies: { eth: { decimals: 6 } } }),
    TypeError,
    "'catalog.currencies.eth.decimals' must be 18, the precision Stripe documents",
  );
});

const invalidCatalogs: [string, unknown, string][] = [
  [
    "a capitalised network",
    { networks: { Optimism: { currencies: ["eth"] } } },
    "'catalog.networks'",
  ],
  ["a network named __proto__", JSON.parse('{"networks":{"__proto__":{}}}'), "'catalog.networks'"],
  ["a currency with a space", { currencies: { "us dt": { decimals: 6 } } }, "'catalog.currencies'"],
  ["fractional decimals", { currencies: { usdt: { decimals: 6.5 } } }, "usdt.decimals"],
  ["negative decimals", { currencies: { usdt: { decimals: -1 } } }, "usdt.decimals"],
  ["missing decimals", { currencies: { usdt: {} } }, "usdt.decimals"],
  [
    "a pair with an unknown currency",
    { networks: { sui: { currencies: ["usdt"] } } },
    "sui.currencies",
  ],
  ["a new wallet key for Base", { networks: { base: { walletKey: "base" } } }, "base.walletKey"],
  [
    "a wallet key another network has",
    { networks: { sui: { walletKey: "ethereum" } } },
    "sui.walletKey",
  ],
  [
    "destination_tags as a wallet key",
    { networks: { sui: { walletKey: "destination_tags" } } },
    "sui.walletKey",
  ],
  [
    "Stellar without tags",
    { networks: { stellar: { destinationTags: false } } },
    "stellar.destinationTags",
  ],
  ["a fiat code in capitals", { sourceCurrencies: ["CHF"] }, "'catalog.sourceCurrencies[0]'"],
  ["networks as an array", { networks: ["optimism"] }, "'catalog.networks'"],
];

for (const [name, options, option] of invalidCatalogs) {
  Deno.test(`createCatalog() refuses ${name} at start-up, naming ${option}`, () => {
    const error = assertThrows(
      () => createCatalog(options as CatalogOptions),
      TypeError,
      option,
    );
    assert(error.message.startsWith("Cannot create onramp handler as 'catalog"), error.message);
    assert(error.message.includes("current value is"), error.message);
  });
}

Deno.test("checkPolicy() follows the effective catalog", () => {
  const catalog = createCatalog({ networks: { optimism: { currencies: ["usdc"] } } });
  checkPolicy({ destinationNetworks: ["optimism"] }, catalog);
  assertThrows(
    () => checkPolicy({ destinationNetworks: ["optimism"] }),
    TypeError,
    "'policy.destinationNetworks' has an unknown value \"optimism\"",
  );
});
