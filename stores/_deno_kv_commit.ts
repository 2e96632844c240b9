/**
 * The compare-and-set loop every Deno KV store runs: read, decide, commit with a check of what
 * was read, and try again when another instance wrote first.
 *
 * @module
 */

/** What an attempt returns when its commit lost to another writer: read again and retry. */
export const LOST_RACE: unique symbol = Symbol("lost race");

// Each lost attempt means another instance committed first, so contention ends after at most
// as many attempts as instances racing on one key; this bounds a pathological case.
const MAX_ATTEMPTS = 100;

/**
 * Runs `attempt` until it commits: again when it returns {@linkcode LOST_RACE} (a check of
 * `kv.atomic()` failed), and again after a short random pause when the database answers
 * SQLite's "database is locked".
 *
 * @param action What the store is doing, for the error: e.g. `"count the request"`.
 * @param attempt One read-decide-commit; returns the result, or `LOST_RACE`.
 * @returns What the first attempt that committed returned.
 * @throws {Error} When every attempt lost, or the database failed otherwise.
 */
export async function commitWithRetry<T>(
  action: string,
  attempt: () => Promise<T | typeof LOST_RACE>,
): Promise<T> {
  for (let n = 1; n <= MAX_ATTEMPTS; n++) {
    try {
      const result = await attempt();
      if (result !== LOST_RACE) return result;
    } catch (error) {
      // A local database file opened by several processes (or handles) answers a write that
      // collides with another's transaction with SQLite's "database is locked" rather than
      // waiting: like a lost compare-and-set, it is worth another try, after a short random
      // pause so the writers do not collide again.
      if (!isLocked(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * n));
    }
  }
  throw new Error(
    `Cannot ${action} as its Deno KV entries stayed contended: tried ${MAX_ATTEMPTS} times`,
  );
}

function isLocked(error: unknown): boolean {
  return error instanceof Error && /database is locked/i.test(error.message);
}
