/**
 * Where the proxy reports what the caller does not see: upstream faults, refusals, store
 * failures. One JSON line per entry by default.
 *
 * @module
 */

/** One report of the proxy. */
export interface LogEntry {
  /** `error` for faults of the platform or of Stripe, `warn` for refused requests. */
  level: "warn" | "error";
  /** What happened; never holds a key, a `client_secret` or a raw upstream body. */
  message: string;
  /** The HTTP status answered. */
  status?: number;
  /** The error code answered. */
  code?: string;
  /** Stripe's `Request-Id`, when Stripe answered. */
  requestId?: string;
}

/** A sink for {@linkcode LogEntry}s. */
export type Logger = (entry: LogEntry) => void;

/**
 * Writes entries as one JSON line each to the console: `error` entries to `console.error`,
 * `warn` entries to `console.warn`.
 *
 * @example Keep the default, or wrap it
 * ```ts
 * import { consoleLogger, type Logger } from "./logger.ts";
 *
 * const logger: Logger = (entry) => consoleLogger({ ...entry, message: `[onramp] ${entry.message}` });
 * logger({ level: "warn", message: "A client reached the rate limit", status: 429 });
 * ```
 *
 * @param entry The report.
 */
export const consoleLogger: Logger = (entry) => {
  (entry.level === "error" ? console.error : console.warn)(JSON.stringify(entry));
};
