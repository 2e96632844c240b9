/**
 * Turns the first Zod issue of a failed validation into a Stripe-shaped violation that names
 * the parameter in Stripe's bracket notation.
 *
 * @module
 */
import * as z from "zod/mini";
import english from "zod/v4/locales/en.js";
import type { RuleViolation } from "./rules.ts";

// zod/mini sets no language of its own: its issues say "Invalid input". Each parse gets zod's
// English messages instead, which some refusals relay, without changing zod's global config
// (the platform's own schemas keep whatever it set).
const { localeError } = english();

/** What {@linkcode checkValue} found: the parsed value, or the first thing wrong with it. */
export type CheckedValue<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly violation: RuleViolation };

/**
 * Checks `value` against `schema`, with zod's English messages on the issues, and describes
 * the first thing wrong as a violation naming the parameter (see
 * {@linkcode firstSchemaViolation}).
 *
 * @example Check a value
 * ```ts
 * import * as z from "zod/mini";
 * import { checkValue } from "./schema_violation.ts";
 *
 * const result = checkValue(z.object({ id: z.string() }), {}, "request body");
 * console.log(result.success || result.violation.code); // "parameter_missing"
 * ```
 *
 * @param schema The schema.
 * @param value What was received.
 * @param where What was validated, for issues about the whole value (e.g. "request body").
 * @returns The parsed value, or the violation.
 */
export function checkValue<T extends z.core.$ZodType>(
  schema: T,
  value: unknown,
  where: string,
): CheckedValue<z.output<T>> {
  const result = z.safeParse(schema, value, { error: localeError });
  return result.success
    ? { success: true, data: result.data }
    : { success: false, violation: firstSchemaViolation(result.error.issues, where, value) };
}

/**
 * Writes a path in Stripe's bracket notation: `["kyc_details", "address", "city"]` becomes
 * `kyc_details[address][city]`.
 *
 * @param path The path segments.
 * @returns The parameter name.
 */
export function toParamName(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return (head ?? "") + rest.map((segment) => `[${segment}]`).join("");
}

// The hints a caller most likely needs, by the unknown key they sent. A Map, not an object
// literal: the key comes from the request, and `constructor` or `toString` must find nothing
// rather than a function inherited from Object.prototype.
const UNKNOWN_KEY_HINTS: ReadonlyMap<string, string> = new Map([
  ["wallet_addresses[base]", "the wallet key for Base is base_network"],
  ["customer_ip_address", "the server adds the customer's IP address itself"],
]);

function describeExpected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}`;
    case "invalid_type":
      return `must be ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
    case "too_big":
      return issue.origin === "string" || issue.origin === "array"
        ? `must have at most ${issue.maximum} ${issue.origin === "string" ? "characters" : "items"}`
        : `must be at most ${issue.maximum}`;
    case "too_small":
      return issue.origin === "string" || issue.origin === "array"
        ? `must have at least ${issue.minimum} ${
          issue.origin === "string" ? "characters" : "items"
        }`
        : `must be at least ${issue.minimum}`;
    case "invalid_key": {
      // A record key failed its own schema: say what was wrong with it, not just "invalid key".
      const inner = issue.issues[0];
      return inner === undefined ? issue.message : describeExpected(inner);
    }
    default:
      return issue.message;
  }
}

// Whether the member at `path` is left out of `value` (its parent is there and has no such own
// key), read by own keys only: the path comes from the request.
function isAbsent(value: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return false;
  let node = value;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return typeof node === "object" && node !== null && !Object.hasOwn(node, path.at(-1)!);
}

/**
 * Describes the first issue of a Zod error as a violation.
 *
 * @param issues The issues of a failed `safeParse`.
 * @param where What was validated, for issues about the whole value (e.g. "request body").
 * @param received The value that was validated: a member it lacks is reported as missing
 * (zod's issues do not keep the value they are about).
 * @returns The violation to report.
 */
function firstSchemaViolation(
  issues: readonly z.core.$ZodIssue[],
  where: string,
  received?: unknown,
): RuleViolation {
  // Like Stripe, report a parameter that should not be there before a bad value of another.
  let issue = issues.find((candidate) => candidate.code === "unrecognized_keys") ?? issues[0];
  // A union failed every branch: report the branch that got furthest into the value (e.g. a
  // bad metadata value, rather than "metadata is not the empty string").
  while (issue?.code === "invalid_union" && issue.errors.length > 0) {
    const prefix = issue.path;
    const deepest = issue.errors
      .map((branch) => branch[0])
      .filter((branchIssue) => branchIssue !== undefined)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest === undefined) break;
    issue = { ...deepest, path: [...prefix, ...deepest.path] };
  }
  if (issue === undefined) {
    return { param: "", code: "invalid_body", message: `The ${where} is invalid` };
  }
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    // An empty key still needs a visible name.
    const param = toParamName([...issue.path, key === "" ? '""' : key]);
    if (issue.path.join(".") === "wallet_addresses.destination_tags") {
      return {
        param,
        code: "crypto_onramp_destination_tags_not_supported",
        message:
          `Received a destination tag for a network without tags: ${param} (only stellar has them)`,
      };
    }
    const hint = UNKNOWN_KEY_HINTS.get(param);
    return {
      param,
      code: "parameter_unknown",
      message: `Received unknown parameter: ${param}${hint ? ` (${hint})` : ""}`,
    };
  }
  const param = toParamName(issue.path);
  if (param === "") {
    // About the whole value, not one parameter: no param to name.
    return {
      param,
      code: "invalid_body",
      message: `The ${where} ${
        issue.code === "invalid_type" ? `must be a JSON ${issue.expected}` : "is invalid"
      }`,
    };
  }
  if (issue.code === "invalid_type" && isAbsent(received, issue.path)) {
    return { param, code: "parameter_missing", message: `Missing required param: ${param}` };
  }
  if (issue.code === "too_small" && issue.origin === "array" && issue.minimum === 1) {
    return {
      param,
      code: "parameter_invalid_empty",
      message: `${param} must not be empty: leave it out to allow every value`,
    };
  }
  return {
    param,
    code: "parameter_invalid",
    message: `Invalid ${param}: ${describeExpected(issue)}`,
  };
}
