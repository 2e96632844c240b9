/**
 * The few members of Cloudflare's Durable Object API that this library's Durable Object stores
 * use: the namespace binding and stub a store calls (`createDurableObjectStore`,
 * `createDurableObjectEventStore`), and the state and storage an object uses
 * (`RateLimiterDurableObject`, `WebhookEventsDurableObject`). They let the stores type-check
 * without `@cloudflare/workers-types`; the runtime's real objects fit them, so pass the
 * bindings of `env` as they are. Exported by the `./durable-object` entry point.
 *
 * @see https://developers.cloudflare.com/durable-objects/api/
 *
 * @module
 */

/** The members of a Durable Object stub (`DurableObjectStub`) a store calls. */
export interface DurableObjectStubLike {
  /**
   * Sends a request to the object.
   *
   * @param request The request.
   * @returns The object's answer.
   */
  fetch(request: Request): Promise<Response>;
}

/** The members of a Durable Object namespace binding (`DurableObjectNamespace`) a store calls. */
export interface DurableObjectNamespaceLike<Id = unknown> {
  /**
   * The id of the object with this name: the same name always reaches the same object.
   *
   * @param name The object's name.
   * @returns Its id.
   */
  idFromName(name: string): Id;
  /**
   * A stub to send requests to the object.
   *
   * @param id The object's id.
   * @returns The stub.
   */
  get(id: Id): DurableObjectStubLike;
}

/** The members of a Durable Object's storage (`DurableObjectStorage`) an object uses. */
export interface DurableObjectStorageLike {
  /**
   * Reads a value.
   *
   * @param key The value's key.
   * @returns The value, or `undefined` when there is none.
   */
  get<T>(key: string): Promise<T | undefined>;
  /**
   * Writes a value.
   *
   * @param key The value's key.
   * @param value The value.
   */
  put<T>(key: string, value: T): Promise<void>;
  /**
   * Deletes values.
   *
   * @param keys Their keys.
   * @returns How many were deleted.
   */
  delete(keys: string[]): Promise<number>;
  /**
   * Reads every value.
   *
   * @returns The values by key.
   */
  list<T>(): Promise<Map<string, T>>;
  /**
   * When the alarm is set for.
   *
   * @returns Milliseconds since the Unix epoch, or `null` when no alarm is set.
   */
  getAlarm(): Promise<number | null>;
  /**
   * Sets the alarm, which calls the object's `alarm()` then.
   *
   * @param scheduledTimeMs When, in milliseconds since the Unix epoch.
   */
  setAlarm(scheduledTimeMs: number): Promise<void>;
}

/** The members of a Durable Object's state (`DurableObjectState`) an object uses. */
export interface DurableObjectStateLike {
  /** The object's own transactional storage. */
  storage: DurableObjectStorageLike;
  /**
   * Runs `callback` with no other event delivered to the object until it settles.
   *
   * @param callback The work to run alone.
   * @returns What the callback returned.
   */
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}
