/**
 * Reads Stripe's bracket-notation form encoding back into nested objects and arrays: the
 * inverse of `client/form_body.ts`, as Stripe's servers do it. `a[b][c]=v` nests objects,
 * `a[0]=x&a[1]=y` and `a[]=x&a[]=y` build arrays; every leaf stays a string (the caller knows
 * which parameters are booleans or integers).
 *
 * @module
 */

/** A parsed value: a string leaf, an array or a nested object. */
export type FormNode = string | FormNode[] | { [key: string]: FormNode };

/** The top level of a parsed form. */
export type FormObject = { [key: string]: FormNode };

/** Thrown by {@linkcode parseStripeForm} for a name it cannot place; `param` names it. */
export class FormParseError extends Error {
  /** Always `"FormParseError"`. */
  override readonly name: string = "FormParseError";
  /**
   * Creates the error.
   *
   * @param param The offending parameter, in bracket notation.
   * @param message What is wrong with it.
   */
  constructor(readonly param: string, message: string) {
    super(message);
  }
}

/** Options of {@linkcode parseStripeForm}. */
export interface ParseStripeFormOptions {
  /**
   * Top-level parameters whose children stay an object even when every key is a number, so
   * that `metadata[0]=x` is the key "0" rather than an array. @default {["metadata"]}
   */
  objectParams?: readonly string[];
}

// Keeps hostile input cheap: Stripe's own payloads are far smaller and shallower.
const MAX_PAIRS = 1_000;
const MAX_DEPTH = 6;
const NAME = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
const INDEX = /^(?:0|[1-9][0-9]{0,5})$/;

interface Branch {
  readonly children: Map<string, Branch | string>;
}

const bracketed = (name: string, segments: readonly string[]) =>
  name + segments.map((segment) => `[${segment}]`).join("");

function nextIndex(branch: Branch): string {
  let next = 0;
  for (const key of branch.children.keys()) {
    if (INDEX.test(key)) next = Math.max(next, Number(key) + 1);
  }
  return String(next);
}

function place(root: Branch, key: string, value: string): void {
  const match = NAME.exec(key);
  if (match === null) {
    throw new FormParseError(key, `Invalid parameter name: ${key} (unbalanced brackets)`);
  }
  const name = match[1] ?? key;
  const segments = [...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? "");
  if (segments.length > MAX_DEPTH) {
    throw new FormParseError(name, `Invalid parameter name: ${key} is nested too deeply`);
  }
  const path = [name, ...segments];
  let branch = root;
  for (const [depth, raw] of path.entries()) {
    const last = depth === path.length - 1;
    if (raw === "" && !last) {
      throw new FormParseError(name, `Invalid array: ${key} (\`[]\` must come last)`);
    }
    const segment = raw === "" ? nextIndex(branch) : raw;
    const existing = branch.children.get(segment);
    if (last) {
      if (typeof existing === "object") {
        throw new FormParseError(key, `Invalid ${key}: sent both as a value and as a hash`);
      }
      branch.children.set(segment, value); // a repeated name keeps its last value
      return;
    }
    if (typeof existing === "string") {
      const at = bracketed(name, segments.slice(0, depth));
      throw new FormParseError(at, `Invalid ${at}: sent both as a value and as a hash`);
    }
    const child = existing ?? { children: new Map() };
    branch.children.set(segment, child);
    branch = child;
  }
}

function finish(node: Branch | string, keepObject: boolean): FormNode {
  if (typeof node === "string") return node;
  const entries = [...node.children];
  if (!keepObject && entries.length > 0 && entries.every(([key]) => INDEX.test(key))) {
    // Indices order the items; gaps close up, as Stripe's servers read `a[0]`, `a[5]`.
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => finish(v, false));
  }
  // fromEntries defines own properties, so a key like "__proto__" cannot reach a prototype.
  return Object.fromEntries(entries.map(([key, value]) => [key, finish(value, false)]));
}

/**
 * Parses an `application/x-www-form-urlencoded` body or query string in Stripe's bracket
 * notation.
 *
 * @example Parse what the client's encoder sends
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseStripeForm } from "./form_parse.ts";
 *
 * assertEquals(
 *   parseStripeForm("destination_networks[0]=ethereum&metadata[order]=42&expand[]=x"),
 *   { destination_networks: ["ethereum"], metadata: { order: "42" }, expand: ["x"] },
 * );
 * ```
 *
 * @param input The form text (without `?`), or parsed search params.
 * @param options Which parameters always stay objects.
 * @returns The parameters, nested; leaves are strings.
 * @throws {FormParseError} For unbalanced brackets, `[]` before the end, too deep a name,
 * too many pairs, or a name used both as a value and as a hash.
 */
export function parseStripeForm(
  input: string | URLSearchParams,
  options: ParseStripeFormOptions = {},
): FormObject {
  const { objectParams = ["metadata"] } = options;
  const pairs = [...(typeof input === "string" ? new URLSearchParams(input) : input)];
  if (pairs.length > MAX_PAIRS) {
    throw new FormParseError("", `Too many parameters: at most ${MAX_PAIRS} are accepted`);
  }
  const root: Branch = { children: new Map() };
  for (const [key, value] of pairs) place(root, key, value);
  return Object.fromEntries(
    [...root.children].map(([key, node]) => [key, finish(node, objectParams.includes(key))]),
  );
}
