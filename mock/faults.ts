/**
 * The faults the Stripe mock injects: outages, rate limits, dropped connections and slow
 * answers, either queued for the next requests or drawn at a rate per request. How they are
 * picked and answered is in `_fault_plan.ts`.
 *
 * @module
 */
/** One way for a request to go wrong. */
export type Fault =
  /** Stripe failed: a Stripe-shaped `api_error` body with this status. */
  | { kind: "status"; status: 500 | 502 | 503 }
  /** 429 with `Retry-After` and code `rate_limit`. */
  | { kind: "rate_limit"; retryAfterSeconds: number }
  /** No answer: the connection is reset (see {@linkcode DroppedConnectionError}). */
  | { kind: "drop" }
  /** The answer comes `ms` milliseconds late (for timeouts). */
  | { kind: "delay"; ms: number };

/**
 * When a fault strikes. `"before"`: instead of handling the request, so nothing is created
 * and no idempotency result is saved (the request never reached the API). `"after"`: the
 * request is handled (session created, result saved) and then the fault replaces the answer:
 * a lost response, the case idempotency keys exist for.
 */
export type FaultTiming = "before" | "after";

/** A fault injected at a rate. */
export interface FaultRule {
  /** What goes wrong. */
  fault: Fault;
  /** The chance per request, from 0 to 1. */
  rate: number;
  /** When it strikes. @default {"before"} */
  when?: FaultTiming;
}

/** A fault queued with `failNext`, optionally struck after the request was handled. */
export interface QueuedFault {
  /** What goes wrong. */
  fault: Fault;
  /** When it strikes. @default {"before"} */
  when?: FaultTiming;
}

/**
 * What the in-process `fetch` rejects with for a `drop` fault: a `TypeError`, as `fetch`
 * itself rejects on a reset connection.
 */
export class DroppedConnectionError extends TypeError {
  /** Creates the error, with the message "connection reset by mock". */
  constructor() {
    super("connection reset by mock");
  }
}
