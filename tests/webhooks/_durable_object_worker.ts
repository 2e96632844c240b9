/**
 * A Worker for the Durable Object event store's tests, bundled with esbuild and run in workerd
 * by Miniflare: it exports {@linkcode WebhookEventsDurableObject} and answers
 * - `POST /claim`, `/complete`, `/release` with a JSON body of `{ claim, nowMs }` with the
 *   store's answer (the store alone, as the webhook route calls it), and
 * - `POST /object/<operation>?session=…` by passing the request as it is to that session's
 *   object (what the object does with what it did not expect).
 */
import {
  createDurableObjectEventStore,
  type DurableObjectNamespaceLike,
} from "../../stores/durable_object.ts";
import type { EventClaim } from "../../webhooks/event_store.ts";

export { WebhookEventsDurableObject } from "../../stores/durable_object.ts";

interface Env {
  WEBHOOK_EVENTS: DurableObjectNamespaceLike;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/object/")) {
      const stub = env.WEBHOOK_EVENTS.get(
        env.WEBHOOK_EVENTS.idFromName(url.searchParams.get("session") ?? ""),
      );
      // Buffered, as the store sends it: a streamed body the object leaves unread stalls
      // Miniflare's socket to the test.
      const body = request.method === "GET" ? null : await request.arrayBuffer();
      return await stub.fetch(
        new Request(`https://webhook-events.internal/${url.pathname.slice(8)}`, {
          method: request.method,
          headers: request.headers,
          body,
        }),
      );
    }
    const store = createDurableObjectEventStore(env.WEBHOOK_EVENTS);
    const { claim, nowMs } = await request.json() as { claim: EventClaim; nowMs: number };
    switch (url.pathname) {
      case "/claim":
        return Response.json({ result: await store.claim(claim, nowMs) });
      case "/complete":
        await store.complete(claim, nowMs);
        return new Response(null, { status: 204 });
      case "/release":
        await store.release(claim);
        return new Response(null, { status: 204 });
    }
    return new Response("Not found", { status: 404 });
  },
};
