/**
 * The bare passthrough as a Cloudflare Worker: the floor of the workerd figures. The harness
 * bundles it in memory and runs it in Miniflare beside `dist/worker.js`.
 *
 * @module
 */
import { barePassthrough, type BarePassthroughOptions } from "./bare_passthrough.ts";

let options: BarePassthroughOptions | undefined;

export default {
  fetch(request: Request, env: Record<string, string | undefined>): Promise<Response> {
    options ??= {
      url: new URL("/v1/crypto/onramp_sessions", env.STRIPE_API_BASE).href,
      authorization: `Bearer ${env.STRIPE_SECRET_KEY}`,
    };
    // Cloudflare's edge sets this header; Miniflare fills it from the socket when absent.
    return barePassthrough(request, request.headers.get("cf-connecting-ip") ?? undefined, options);
  },
};
