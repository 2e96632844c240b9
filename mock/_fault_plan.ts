/**
 * Picks the fault of each request (the `failNext` queue first, then each rule by rate) and
 * answers status and rate-limit faults in Stripe's words.
 *
 * @module
 */
import { type Answer, errorAnswer } from "./_answers.ts";
import type { Fault, FaultRule, FaultTiming, QueuedFault } from "./faults.ts";

/** A fault chosen for one request. */
export interface PlannedFault {
  /** What goes wrong. */
  readonly fault: Fault;
  /** When it strikes. */
  readonly when: FaultTiming;
}

/** Picks the fault of each request: the queue first, then each rule in order. */
export interface FaultPlan {
  /** Queues faults for the next requests. */
  enqueue(faults: readonly (Fault | QueuedFault)[]): void;
  /** The fault of the next request, if any. */
  next(): PlannedFault | undefined;
  /** Empties the queue. */
  clear(): void;
}

/**
 * Throws a `RangeError` naming `where` when `fault` cannot be injected.
 *
 * @param fault The fault to check.
 * @param where Where it was given, for the message (e.g. "faults[0].fault").
 */
export function checkFault(fault: Fault, where: string): void {
  const bad = (field: string, value: unknown, rule: string) =>
    new RangeError(
      `Cannot inject fault as '${where}.${field}' must be ${rule}: current value is ${value}`,
    );
  switch (fault.kind) {
    case "status":
      if (![500, 502, 503].includes(fault.status)) {
        throw bad("status", fault.status, "500, 502 or 503");
      }
      return;
    case "rate_limit":
      if (!Number.isInteger(fault.retryAfterSeconds) || fault.retryAfterSeconds < 0) {
        throw bad("retryAfterSeconds", fault.retryAfterSeconds, "a non-negative integer");
      }
      return;
    case "delay":
      if (!Number.isFinite(fault.ms) || fault.ms < 0) {
        throw bad("ms", fault.ms, "a non-negative number");
      }
      return;
    case "drop":
      return;
    default:
      throw new RangeError(`Cannot inject fault as '${where}.kind' is not a known kind`);
  }
}

/**
 * Builds the per-request fault picker.
 *
 * @param rules Faults by rate, checked in order: the first whose `random() < rate` wins.
 * @param random The random source, a number in [0, 1).
 * @returns The picker.
 */
export function createFaultPlan(rules: readonly FaultRule[], random: () => number): FaultPlan {
  const queue: PlannedFault[] = [];
  return {
    enqueue(faults) {
      for (const item of faults) {
        const planned = "kind" in item
          ? { fault: item, when: "before" as const }
          : { fault: item.fault, when: item.when ?? "before" };
        checkFault(planned.fault, "failNext");
        queue.push(planned);
      }
    },
    next() {
      const queued = queue.shift();
      if (queued) return queued;
      for (const { fault, rate, when = "before" } of rules) {
        if (random() < rate) return { fault, when };
      }
      return undefined;
    },
    clear() {
      queue.length = 0;
    },
  };
}

/**
 * The answer of a `status` or `rate_limit` fault, in Stripe's words.
 *
 * @param fault The fault.
 * @returns The error answer.
 */
export function faultAnswer(fault: Extract<Fault, { kind: "status" | "rate_limit" }>): Answer {
  if (fault.kind === "rate_limit") {
    // Stripe answers rate limits as invalid_request_error with code rate_limit
    // (https://docs.stripe.com/rate-limits).
    return errorAnswer(429, {
      type: "invalid_request_error",
      code: "rate_limit",
      message: "Too many requests hit the API too quickly. Retry after a short wait.",
    }, { "Retry-After": String(fault.retryAfterSeconds) });
  }
  return errorAnswer(fault.status, {
    type: "api_error",
    message: "Something went wrong on Stripe's end (injected by the mock). Retry the request " +
      "with the same Idempotency-Key.",
  });
}
