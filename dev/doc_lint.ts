/**
 * Runs `deno doc --lint` on the public entry points and fails on any finding in our own code.
 * Findings inside `generated/` and `node_modules/` are reported as a count only: the types
 * openapi-typescript writes and openapi-fetch's `Client` are re-exported on purpose, and their
 * members (`headers: never`, …) cannot carry JSDoc without editing code that is not ours.
 *
 * Usage: `deno run -A dev/doc_lint.ts mod.ts [more entry points]`
 */
const entryPoints = Deno.args.length > 0 ? Deno.args : ["mod.ts"];
const { stderr, stdout } = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--lint", ...entryPoints],
  env: { NO_COLOR: "1" },
}).output();
const output = new TextDecoder().decode(stderr) + new TextDecoder().decode(stdout);

// Each finding starts with "error[rule]: message" and names its place on a "--> file:line:col" line.
const findings = output.split(/\n(?=error\[)/).filter((block) => block.startsWith("error["));
const ours = findings.filter((block) => !/-->\s+\S*\/(generated|node_modules)\//.test(block));
for (const finding of ours) console.error(finding.trim() + "\n");
console.log(
  `doc lint: ${ours.length} finding(s) in our code, ${
    findings.length - ours.length
  } in generated/ or node_modules/ ignored`,
);
if (ours.length > 0) Deno.exit(1);
