/**
 * The headers every answer of the onramp routes carries: sessions hold a `client_secret`, so no
 * cache, shared or private, may keep any answer, and none may be sniffed as another type.
 *
 * @module
 */
import type { Context } from "hono";

function setOn(headers: Headers): void {
  headers.set("Cache-Control", "no-store");
  headers.set("X-Content-Type-Options", "nosniff");
}

/**
 * Marks the context's answer, once it is made, as uncacheable and not to be sniffed. Set on the
 * answer rather than on the context beforehand: Hono would then copy a `Headers` object into
 * every answer (about 8 µs in Deno). Internal: `guardRequest` in `routes/onramp_app.ts` calls it.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { markUncacheable } from "./_uncacheable.ts";
 *
 * const app = new Hono()
 *   .use(async (c, next) => {
 *     await next();
 *     markUncacheable(c);
 *   })
 *   .get("/", (c) => c.json({ ok: true }));
 * const res = await app.request("/");
 * console.log(res.headers.get("cache-control")); // "no-store"
 * ```
 *
 * @param c The request's context, after the route (or the error handler) has answered.
 */
export function markUncacheable(c: Context): void {
  try {
    setOn(c.res.headers);
  } catch {
    // Headers that cannot change (a `fetch` answer passed on as it came): a copy takes them.
    try {
      c.res = new Response(c.res.body, c.res);
      setOn(c.res.headers);
    } catch {
      // A body already read cannot be copied: the answer goes as it is, never as a 500.
    }
  }
}
