/**
 * Where the proxy reports what the caller does not see: upstream faults, refusals, store
 * failures. One JSON line per entry by default.
 *
 * @module
 */
import { MAX_RELAYED_FIELD_LENGTH, safeText } from "./redact.ts";

/** The longest `message` of an entry a logger receives, in UTF-16 code units. */
export const MAX_LOG_MESSAGE_LENGTH = 1_000;

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

// Control characters (line breaks above all) let a message forge log lines in sinks that do
// not encode entries, as a platform's own logger may not.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]+/g;

function cleanField(text: string, maxLength: number): string {
  return safeText(text, maxLength).replace(CONTROL, " ");
}

/**
 * Wraps a logger so that every entry it receives is safe, whoever wrote it: secrets redacted
 * (see `redact.ts`), `message` clipped to {@linkcode MAX_LOG_MESSAGE_LENGTH} and `code` and
 * `requestId` to 200 code units, each on one line. A wrapped logger that throws is ignored:
 * reporting a fault must never change the answer to it.
 *
 * @example Give a platform's logger redacted entries
 * ```ts
 * import { type LogEntry, redactingLogger } from "./logger.ts";
 *
 * const seen: LogEntry[] = [];
 * const log = redactingLogger((entry) => seen.push(entry));
 * log({ level: "error", message: "Stripe said: bad key sk_live_abc123-def456" });
 * console.log(seen[0]?.message); // "Stripe said: bad key [redacted key]"
 * ```
 *
 * @param logger The sink to protect.
 * @returns A logger that passes safe entries on to `logger`.
 */
export function redactingLogger(logger: Logger): Logger {
  return function redactingLogger(entry) {
    const safe: LogEntry = {
      level: entry.level,
      message: cleanField(String(entry.message), MAX_LOG_MESSAGE_LENGTH),
    };
    if (entry.status !== undefined) safe.status = entry.status;
    if (entry.code !== undefined) safe.code = cleanField(entry.code, MAX_RELAYED_FIELD_LENGTH);
    if (entry.requestId !== undefined) {
      safe.requestId = cleanField(entry.requestId, MAX_RELAYED_FIELD_LENGTH);
    }
    try {
      logger(safe);
    } catch {
      // The sink failed; the answer being reported on goes out all the same.
    }
  };
}
