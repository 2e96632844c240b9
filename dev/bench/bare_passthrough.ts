/**
 * The floor every figure is divided by: the least a proxy can do and still do the job. Parse
 * the browser's JSON, add the customer IP, send it to Stripe as a form body with `fetch`, and
 * hand Stripe's answer back unchanged. No validation, policy, retries, timeouts or error
 * mapping: whatever the middleware costs on top of this is its own.
 *
 * Web APIs only, so the same function serves on Deno (`bare_deno.ts`), in workerd
 * (`bare_worker.ts`) and in-process (`proxy_bench.ts`).
 *
 * @module
 */

/** What {@linkcode barePassthrough} needs, resolved once. */
export interface BarePassthroughOptions {
  /** The full upstream URL, e.g. `http://127.0.0.1:4242/v1/crypto/onramp_sessions`. */
  url: string;
  /** The `Authorization` header value, `Bearer sk_test_…`. */
  authorization: string;
  /** The transport. @default {globalThis.fetch} */
  fetch?: (request: Request) => Promise<Response>;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function appendField(form: URLSearchParams, key: string, value: Json): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => appendField(form, `${key}[${index}]`, item));
  } else if (value !== null && typeof value === "object") {
    for (const [child, item] of Object.entries(value)) appendField(form, `${key}[${child}]`, item);
  } else {
    form.append(key, value === null ? "" : String(value));
  }
}

/**
 * Flattens a JSON object into Stripe's bracket form encoding with `URLSearchParams`, the
 * simplest encoder that Stripe accepts (`destination_networks%5B0%5D=ethereum`).
 *
 * @param params A JSON object.
 * @returns The form body.
 */
export function toFormBody(params: { [key: string]: Json }): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) appendField(form, key, value);
  return form.toString();
}

/**
 * Forwards one `POST /sessions` to Stripe and returns Stripe's answer as it came.
 *
 * @param request The browser's request, with a JSON object body.
 * @param customerIp The customer's address, added as `customer_ip_address` when known.
 * @param options Where to send it and how.
 * @returns Stripe's status and body.
 */
export async function barePassthrough(
  request: Request,
  customerIp: string | undefined,
  options: BarePassthroughOptions,
): Promise<Response> {
  const { url, authorization, fetch: send = globalThis.fetch } = options;
  const params = await request.json() as { [key: string]: Json };
  if (customerIp !== undefined) params.customer_ip_address = customerIp;
  const answer = await send(
    new Request(url, {
      method: "POST",
      headers: {
        authorization,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: toFormBody(params),
    }),
  );
  return new Response(answer.body, {
    status: answer.status,
    headers: { "content-type": "application/json" },
  });
}
