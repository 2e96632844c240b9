/**
 * A webhook event store on Deno KV, so that every instance of a Deno Deploy app (or every
 * process opening one KV database) handles each Stripe event once and in order. Import it from
 * the `./deno-kv` entry point: it uses `Deno.*` and stays out of the Workers path.
 *
 * Deno KV is still unstable: run with `--unstable-kv`, or list `"kv"` under `"unstable"` in
 * `deno.json`.
 *
 * @module
 */
import { commitWithRetry, LOST_RACE } from "../stores/_deno_kv_commit.ts";
import {
  completedSession,
  decideClaim,
  EVENT_RETENTION_MS,
  releasedSession,
  type WebhookEventStore,
} from "./event_store.ts";
import { forgetAtOf, readSessionState } from "./_stored_state.ts";

/** Options of {@linkcode createDenoKvEventStore}. */
export interface DenoKvEventStoreOptions {
  /**
   * The first parts of every key the store writes. Give each endpoint sharing a database its
   * own prefix, or their events mix.
   *
   * @default {["onramp_webhook_events"]}
   */
  prefix?: readonly string[];
}

/**
 * Creates a {@linkcode WebhookEventStore} on Deno KV: one entry per handled event and one per
 * session (its last applied status and the claim in flight), each expired by KV
 * {@linkcode EVENT_RETENTION_MS} after its last write.
 *
 * Claims are exact across instances: `claim` reads the event's and the session's entries,
 * decides, and records the claim with a compare-and-set on both (`kv.atomic().check(…)`),
 * read again and retried when another instance wrote first; so of concurrent claims for one
 * session, on any number of instances, exactly one is `"claimed"`. `complete` and `release`
 * are compare-and-sets on the session's entry likewise.
 *
 * @example Handle each event once across every instance of a Deno Deploy app
 * ```ts
 * import { Hono } from "hono";
 * import { cryptoOnramp } from "../mod.ts";
 * import { createDenoKvEventStore } from "../stores/deno_kv.ts";
 *
 * const kv = await Deno.openKv(":memory:"); // on Deno Deploy: `await Deno.openKv()`
 * const app = new Hono();
 * app.route(
 *   "/onramp",
 *   cryptoOnramp({
 *     stripeSecretKey: "sk_test_123",
 *     webhooks: {
 *       secret: "whsec_test_123",
 *       onSessionUpdated: (session) => console.log(session.id, session.status),
 *       store: createDenoKvEventStore(kv),
 *     },
 *   }),
 * );
 * kv.close();
 * ```
 *
 * @param kv An open database, e.g. from `Deno.openKv()`.
 * @param options The key prefix.
 * @returns The store.
 * @throws {TypeError} When `prefix` is not an array of strings.
 */
export function createDenoKvEventStore(
  kv: Deno.Kv,
  options: DenoKvEventStoreOptions = {},
): WebhookEventStore {
  const { prefix = ["onramp_webhook_events"] } = options;
  if (!Array.isArray(prefix) || !prefix.every((part) => typeof part === "string")) {
    throw new TypeError(
      `Cannot create Deno KV event store as 'prefix' must be an array of strings: current value is ${
        JSON.stringify(prefix)
      }`,
    );
  }
  const eventKey = (eventId: string): Deno.KvKey => [...prefix, "event", eventId];
  const sessionKey = (sessionId: string): Deno.KvKey => [...prefix, "session", sessionId];
  const kept = { expireIn: EVENT_RETENTION_MS };

  return {
    claim(claim, nowMs) {
      return commitWithRetry("claim the webhook event", async () => {
        const [event, session] = await kv.getMany<[unknown, unknown]>([
          eventKey(claim.eventId),
          sessionKey(claim.sessionId),
        ]);
        const forgetAtMs = forgetAtOf(event.value);
        const handled = forgetAtMs !== undefined && forgetAtMs > nowMs;
        const decision = decideClaim(handled, readSessionState(session.value), claim, nowMs);
        if (decision.result !== "claimed") return decision.result;
        const { ok } = await kv.atomic()
          .check(event, session)
          .set(session.key, decision.session, kept)
          .commit();
        return ok ? decision.result : LOST_RACE;
      });
    },
    complete(claim, nowMs) {
      return commitWithRetry("complete the webhook event", async () => {
        const session = await kv.get<unknown>(sessionKey(claim.sessionId));
        const { ok } = await kv.atomic()
          .check(session)
          .set(eventKey(claim.eventId), { forgetAtMs: nowMs + EVENT_RETENTION_MS }, kept)
          .set(session.key, completedSession(readSessionState(session.value), claim), kept)
          .commit();
        return ok ? undefined : LOST_RACE;
      });
    },
    release(claim) {
      return commitWithRetry("release the webhook event", async () => {
        const session = await kv.get<unknown>(sessionKey(claim.sessionId));
        const next = releasedSession(readSessionState(session.value), claim);
        if (next === undefined) return undefined; // not claimed by this event: nothing to undo
        const op = kv.atomic().check(session);
        if (next.applied === undefined) op.delete(session.key);
        else op.set(session.key, next, kept);
        const { ok } = await op.commit();
        return ok ? undefined : LOST_RACE;
      });
    },
  };
}
