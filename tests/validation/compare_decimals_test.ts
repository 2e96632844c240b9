import { assertEquals } from "@std/assert";
import { compareDecimals } from "../../validation/policy.ts";

const cases: [string, string, number][] = [
  ["10", "10.00", 0],
  ["9.99", "10", -1],
  ["10.001", "10", 1],
  ["0.000000000000000001", "0", 1],
  ["123456789012345678901234567890", "123456789012345678901234567889.999", 1],
  ["0.5", "0.50", 0],
];

for (const [a, b, expected] of cases) {
  Deno.test(`compareDecimals() compares ${a} and ${b} exactly`, () => {
    assertEquals(compareDecimals(a, b), expected);
    assertEquals(compareDecimals(b, a), -expected || 0);
  });
}
