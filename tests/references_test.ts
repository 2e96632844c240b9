/**
 * Every reference in the repository resolves: nothing cites a document that is not in it, and
 * every section of `docs/stripe-api-notes.md` cited (by its `#anchor`) is a heading there.
 */
import { assertEquals } from "@std/assert";

const ROOT = new URL("../", import.meta.url);
const NOTES = "docs/stripe-api-notes.md";

async function trackedFiles(): Promise<string[]> {
  const { stdout } = await new Deno.Command("git", { args: ["ls-files"], cwd: ROOT }).output();
  return new TextDecoder().decode(stdout).split("\n").filter((path) =>
    path !== "" && !path.endsWith("deno.lock") && !path.startsWith("generated/")
  );
}

// GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to hyphens.
function anchorOf(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N} -]/gu, "").replaceAll(" ", "-");
}

Deno.test("no file cites a document outside the repository", async () => {
  const outside =
    /facts §|\.\.\/shared|\bthe seed\b|\bseed's\b| \(seed\)|\(seed: "|(\/\/|\*) *seed:/;
  const offenders: string[] = [];
  for (const path of await trackedFiles()) {
    if (path === "tests/references_test.ts") continue;
    const text = await Deno.readTextFile(new URL(path, ROOT)).catch(() => "");
    text.split("\n").forEach((line, i) => {
      if (outside.test(line)) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
    });
  }
  assertEquals(offenders, []);
});

Deno.test("every cited section of docs/stripe-api-notes.md exists", async () => {
  const notes = await Deno.readTextFile(new URL(NOTES, ROOT));
  const anchors = new Set(
    [...notes.matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1]!)),
  );
  const broken: string[] = [];
  for (const path of await trackedFiles()) {
    const text = await Deno.readTextFile(new URL(path, ROOT)).catch(() => "");
    for (const [, anchor] of text.matchAll(/stripe-api-notes\.md#([\w-]+)/g)) {
      if (!anchors.has(anchor!)) broken.push(`${path}: #${anchor}`);
    }
  }
  assertEquals(broken, []);
});
