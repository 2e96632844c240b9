/**
 * The README's webhook example is something a platform can paste: the block itself, taken from
 * README.md, type-checked and served with `deno serve` as its last line says, receives the
 * embedded mock's signed deliveries and logs each event once.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { createStripeMock } from "../mock/stripe_mock.ts";
import { spawnServer } from "./_helpers/spawn_server.ts";

const ROOT = new URL("../", import.meta.url);
const SECRET = "whsec_readme_example_0123456789";

/** The first `ts` block after the "### Webhooks" heading. */
async function webhookExample(): Promise<string> {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const section = readme.slice(readme.indexOf("### Webhooks"));
  const match = section.match(/```ts ignore\n([\s\S]*?)```/);
  if (match?.[1] === undefined) throw new Error("README.md has no webhook example");
  return match[1];
}

Deno.test("the README's webhook example serves as pasted and handles the mock's deliveries once", async () => {
  const code = await webhookExample();
  assertStringIncludes(code, "export default app;");
  // In the repository root, where `./mod.ts` and deno.json's imports resolve as in the README.
  const file = new URL(`.readme_webhook_example_${crypto.randomUUID()}.ts`, ROOT);
  await Deno.writeTextFile(file, code);
  try {
    // `deno serve` says where it listens on stderr; spawnServer reads stdout.
    const server = await spawnServer(
      "sh",
      [
        "-c",
        'exec "$0" serve --check --allow-env --port 0 --host 127.0.0.1 "$1" 2>&1',
        Deno.execPath(),
        file.pathname,
      ],
      { STRIPE_SECRET_KEY: "sk_test_readme", STRIPE_WEBHOOK_SECRET: SECRET },
      60_000,
    );
    const mock = createStripeMock({
      webhookEndpoint: { url: `${server.url}/onramp/webhooks`, secret: SECRET, retryDelayMs: 10 },
    });
    try {
      const created = await mock.fetch(
        new Request("https://api.stripe.test/v1/crypto/onramp_sessions", {
          method: "POST",
          headers: {
            Authorization: "Bearer sk_test_readme",
            "Content-Type": "application/x-www-form-urlencoded",
          },
          body: "",
        }),
      );
      const { id } = await created.json();
      const step = (action: string) =>
        mock.fetch(
          new Request(
            `https://api.stripe.test/v1/test_helpers/crypto/onramp_sessions/${id}/${action}`,
            { method: "POST", headers: { Authorization: "Bearer sk_test_readme" } },
          ),
        ).then((res) => res.body?.cancel());
      for (let n = 0; n < 3; n++) await step("advance");
      await step("redeliver");
      await mock.settled();
      const outcomes = mock.deliveries().map((d) => JSON.parse(d.responseBody).outcome);
      assertEquals(outcomes, ["handled", "handled", "handled", "duplicate"]);
      const logged = server.output().split("\n").filter((line) => line.startsWith('{"event_id"'))
        .map((line) => JSON.parse(line));
      assertEquals(
        logged,
        mock.events().map((event) => ({
          event_id: event.id,
          session_id: id,
          status: event.data.object.status,
        })),
      );
    } finally {
      await server.stop();
    }
  } finally {
    await Deno.remove(file);
  }
});
