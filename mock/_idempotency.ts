/**
 * Stripe's idempotency layer for POSTs (https://docs.stripe.com/api/idempotent_requests): the first
 * result of a key is saved and replayed; a different request under the same key is refused;
 * nothing is saved when the request was rejected before the endpoint ran (its checks threw a
 * {@linkcode RejectedRequest}) or collided with a concurrent one.
 *
 * Concurrency: while a key's first request is still running, a second one with the same key
 * is answered 409 at once instead of waiting for the first. That is what Stripe does (code
 * `idempotency_key_in_use`), it keeps the mock free of queues, and the client retries 409s.
 *
 * @module
 */
import { type Answer, errorAnswer, RejectedRequest } from "./_answers.ts";

const MAX_KEY_LENGTH = 255; // https://docs.stripe.com/api/idempotent_requests

type Entry =
  | { readonly state: "running"; readonly fingerprint: string }
  | {
    readonly state: "saved";
    readonly fingerprint: string;
    readonly answer: Answer;
    readonly requestId: string;
  };

/** The saved results, by key. */
export interface IdempotencyLayer {
  /**
   * Runs `execute` once per key: replays a saved result, or refuses a mismatch or a
   * concurrent use, or runs it and saves what it returns (not what it throws).
   */
  run(
    key: string,
    fingerprint: string,
    requestId: string,
    execute: () => Promise<Answer>,
  ): Promise<Answer>;
  /** Forgets every key. */
  clear(): void;
}

/**
 * Creates an empty idempotency layer.
 *
 * @returns The layer.
 */
export function createIdempotencyLayer(): IdempotencyLayer {
  const entries = new Map<string, Entry>();
  return {
    async run(key, fingerprint, requestId, execute) {
      if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
        throw new RejectedRequest(errorAnswer(400, {
          type: "invalid_request_error",
          message: `Keys for idempotent requests must be 1 to ${MAX_KEY_LENGTH} characters ` +
            `long: the one sent has ${key.length}`,
        }));
      }
      const entry = entries.get(key);
      if (entry?.state === "running") {
        throw new RejectedRequest(errorAnswer(409, {
          type: "idempotency_error",
          code: "idempotency_key_in_use",
          message: "Another request with the same Idempotency-Key is still being processed: " +
            "retry this one once it has finished",
        }));
      }
      if (entry?.state === "saved") {
        if (entry.fingerprint !== fingerprint) {
          throw new RejectedRequest(errorAnswer(400, {
            type: "idempotency_error",
            message: "Keys for idempotent requests can only be used with the same method, path " +
              "and parameters they were first used with: this request differs, so use a new key " +
              "if you meant to make a different request",
          }));
        }
        const headers = {
          ...entry.answer.headers,
          "Idempotent-Replayed": "true",
          "Original-Request": entry.requestId,
        };
        return { ...entry.answer, headers };
      }
      entries.set(key, { state: "running", fingerprint });
      try {
        const answer = await execute();
        entries.set(key, { state: "saved", fingerprint, answer, requestId });
        return answer;
      } catch (error) {
        entries.delete(key); // rejected before the endpoint ran, or aborted: nothing saved
        throw error;
      }
    },
    clear() {
      entries.clear();
    },
  };
}
