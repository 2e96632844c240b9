/**
 * The machine-readable bench results (`results.json`): every goal's key is there, a figure that
 * could not be measured is `null` and has no verdict, and each verdict follows its bound.
 */
import { assert, assertEquals } from "@std/assert";
import {
  formatBound,
  formatGoalValue,
  type GoalKey,
  GOALS,
  jsonPathFor,
  meets,
  resultsFile,
} from "../../dev/bench/_goals.ts";

const KEYS: GoalKey[] = [
  "node_vs_express_rps",
  "deno_vs_bare_rps",
  "workerd_vs_floor_rps",
  "inprocess_vs_bare",
  "deno_cold_start_vs_bare",
  "worker_gzip_kb",
  "webhook_verify_vs_stripe_node",
];

const META = { date: "2026-12-01T00:00:00.000Z", revision: "abc1234", settings: { reps: 2 } };

Deno.test("results.json holds every goal's key at the top level and under goals", () => {
  const file = resultsFile(GOALS.map((goal) => ({ goal, value: 1, detail: "d" })), META);
  for (const key of KEYS) {
    assertEquals(file[key], 1, key);
    assertEquals(file.goals[key].value, 1, key);
  }
  assertEquals(Object.keys(file.goals).sort(), [...KEYS].sort());
  assertEquals([file.date, file.revision, file.settings], [
    META.date,
    META.revision,
    META.settings,
  ]);
});

Deno.test("results.json gives an unmeasured goal null and no verdict, never a pass", () => {
  const file = resultsFile(
    GOALS.map((goal) => ({
      goal,
      value: goal.key === "worker_gzip_kb" ? undefined : NaN,
      detail: "",
    })),
    META,
  );
  for (const key of KEYS) {
    assertEquals(file[key], null, key);
    assertEquals(file.goals[key].met, null, key);
  }
  const round = JSON.parse(JSON.stringify(file));
  assertEquals(round.worker_gzip_kb, null, "null survives JSON, undefined would vanish");
});

Deno.test("each goal's verdict follows its bound and direction, the bound itself included", () => {
  for (const goal of GOALS) {
    const better = goal.kind === "atLeast" ? goal.bound * 1.01 : goal.bound * 0.99;
    const worse = goal.kind === "atLeast" ? goal.bound * 0.99 : goal.bound * 1.01;
    assertEquals(meets(goal, goal.bound), true, `${goal.key} at its bound`);
    assertEquals(meets(goal, better), true, goal.key);
    assertEquals(meets(goal, worse), false, goal.key);
    const file = resultsFile([{ goal, value: worse, detail: "" }], META);
    assertEquals(file.goals[goal.key].met, false, goal.key);
  }
});

Deno.test("the goals are the issue's seven, with its bounds", () => {
  const bounds = Object.fromEntries(GOALS.map((goal) => [goal.key, formatBound(goal)]));
  assertEquals(bounds, {
    node_vs_express_rps: "≥ 1.5×",
    deno_vs_bare_rps: "≥ 0.45×",
    workerd_vs_floor_rps: "≥ 0.75×",
    inprocess_vs_bare: "≤ 3×",
    deno_cold_start_vs_bare: "≤ 2×",
    worker_gzip_kb: "≤ 75 KB",
    webhook_verify_vs_stripe_node: "≥ 1×",
  });
  const gzip = GOALS.find((goal) => goal.key === "worker_gzip_kb")!;
  assertEquals(formatGoalValue(gzip, 74.84), "74.8 KB");
  assertEquals(formatGoalValue(gzip, undefined), "—");
});

Deno.test("results.json sits beside the report: results.json for RESULTS.md, X.json for X.md", () => {
  assertEquals(jsonPathFor("dev/bench/RESULTS.md"), "dev/bench/results.json");
  assertEquals(jsonPathFor("/tmp/short.md"), "/tmp/short.json");
  assertEquals(jsonPathFor("RESULTS.md"), "results.json");
  assert(jsonPathFor("/tmp/run").endsWith("/tmp/run.json"));
});
