/**
 * Reads back what the shared event stores wrote: a session's state, and when an entry is to be
 * forgotten. A value of another shape (another writer under the same key) reads as nothing.
 *
 * @module
 */
import type { SessionState } from "./event_store.ts";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

/**
 * The session state held in a stored value.
 *
 * @param value What the store read.
 * @returns The session's state; empty when there is none.
 */
export function readSessionState(value: unknown): SessionState {
  if (!isRecord(value)) return {};
  const { applied, inFlight } = value;
  const hasApplied = isRecord(applied) && Number.isSafeInteger(applied.created) &&
    typeof applied.status === "string";
  const hasInFlight = isRecord(inFlight) && typeof inFlight.eventId === "string" &&
    Number.isFinite(inFlight.untilMs);
  // A claim written before claims had owners keeps holding until it lapses, owned by nobody.
  const owner = hasInFlight && typeof inFlight.owner === "string" ? inFlight.owner : undefined;
  return {
    ...(hasApplied && {
      applied: { created: applied.created as number, status: applied.status as string },
    }),
    ...(hasInFlight && {
      inFlight: {
        eventId: inFlight.eventId as string,
        ...(owner !== undefined && { owner }),
        untilMs: inFlight.untilMs as number,
      },
    }),
  };
}

/**
 * When a stored entry is to be forgotten.
 *
 * @param value What the store read.
 * @returns Milliseconds since the epoch, or `undefined` when the value holds none.
 */
export function forgetAtOf(value: unknown): number | undefined {
  return isRecord(value) && Number.isFinite(value.forgetAtMs)
    ? value.forgetAtMs as number
    : undefined;
}
