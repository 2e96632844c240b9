import { assert } from "@std/assert";
import { bundle, WORKER_GZIP_BUDGET_BYTES } from "../../dev/bundle.ts";

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
