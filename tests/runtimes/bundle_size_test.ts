import { assert } from "@std/assert";
import { bundle, WORKER_GZIP_BUDGET_BYTES } from "../../dev/bundle.ts";
import { GOALS, meets } from "../../dev/bench/_goals.ts";
import { wranglerBundle } from "../../dev/bench/_wrangler.ts";

Deno.test("the minified Worker bundle stays within its gzip budget", async () => {
  const report = await bundle("worker");
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`worker bundle: ${kb(report.bytes)} raw, ${kb(report.gzipBytes)} gzip`);
  assert(
    report.gzipBytes <= WORKER_GZIP_BUDGET_BYTES,
    `The Worker bundle is ${kb(report.gzipBytes)} gzip, over its ${
      kb(WORKER_GZIP_BUDGET_BYTES)
    } budget`,
  );
});

Deno.test("the Worker as wrangler deploy --minify bundles it stays within the bound of its goal", async () => {
  const goal = GOALS.find((candidate) => candidate.key === "worker_gzip_kb")!;
  const built = await wranglerBundle();
  const kb = built.gzipBytes / 1024;
  console.log(`wrangler ${built.version}: ${kb.toFixed(1)} KB gzip (${built.wranglerSays})`);
  assert(meets(goal, kb), `wrangler's Worker is ${kb.toFixed(1)} KB gzip, over ${goal.bound} KB`);
});
