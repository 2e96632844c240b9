/**
 * The keys a request can send to reach an object's prototype instead of its own entries: every
 * lookup a request-derived key reaches must find nothing for them.
 */

/** `__proto__`, `constructor`, `prototype` and the inherited methods most lookups would find. */
export const PROTOTYPE_KEYS: readonly string[] = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
];
