/**
 * The goals of the bench (issue #14), each a figure from one run with its threshold, and the
 * machine-readable file that `deno task bench` writes beside its Markdown report.
 *
 * @module
 */

/** The keys of `results.json`: one figure per goal. */
export type GoalKey =
  | "node_vs_express_rps"
  | "deno_vs_bare_rps"
  | "workerd_vs_floor_rps"
  | "inprocess_vs_bare"
  | "deno_cold_start_vs_bare"
  | "worker_gzip_kb"
  | "webhook_verify_vs_stripe_node";

/** One goal: what is measured, and the bound it must meet. */
export interface Goal {
  key: GoalKey;
  /** What the figure is, for the report. */
  label: string;
  /** The bound. */
  bound: number;
  /** `atLeast`: the figure must reach the bound; `atMost`: it must stay within it. */
  kind: "atLeast" | "atMost";
  /** How the figure is printed: a ratio or kilobytes. */
  unit: "×" | "KB";
}

/** The goals, in report order. */
export const GOALS: readonly Goal[] = [
  {
    key: "node_vs_express_rps",
    label: "Node: req/s against Express + stripe",
    bound: 1.5,
    kind: "atLeast",
    unit: "×",
  },
  {
    key: "deno_vs_bare_rps",
    label: "Deno: req/s against the bare passthrough",
    bound: 0.45,
    kind: "atLeast",
    unit: "×",
  },
  {
    key: "workerd_vs_floor_rps",
    label: "workerd: req/s against the bare Worker",
    bound: 0.75,
    kind: "atLeast",
    unit: "×",
  },
  {
    key: "inprocess_vs_bare",
    label: "In-process cost against the bare function",
    bound: 3.0,
    kind: "atMost",
    unit: "×",
  },
  {
    key: "deno_cold_start_vs_bare",
    label: "Deno cold start against bare Deno.serve",
    bound: 2.0,
    kind: "atMost",
    unit: "×",
  },
  {
    key: "worker_gzip_kb",
    label: "Worker bundle as a consumer gets it (wrangler --minify), gzip",
    bound: 75,
    kind: "atMost",
    unit: "KB",
  },
  {
    key: "webhook_verify_vs_stripe_node",
    label: "Webhook verification against stripe-node constructEventAsync (events/s)",
    bound: 1.0,
    kind: "atLeast",
    unit: "×",
  },
];

/** A goal's figure in one run. */
export interface GoalResult {
  goal: Goal;
  /** The figure, or `undefined` when it could not be measured. */
  value: number | undefined;
  /** How it came about (the figures it divides), for the report. */
  detail: string;
}

/**
 * Whether a figure meets its goal.
 *
 * @param goal The goal.
 * @param value The figure.
 * @returns `undefined` when there is no figure.
 */
export function meets(goal: Goal, value: number | undefined): boolean | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return goal.kind === "atLeast" ? value >= goal.bound : value <= goal.bound;
}

/**
 * Prints a figure as its goal does (`1.62×`, `74.8 KB`).
 *
 * @param goal The goal.
 * @param value The figure.
 * @returns The text, or an em dash.
 */
export function formatGoalValue(goal: Goal, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return goal.unit === "KB" ? `${value.toFixed(1)} KB` : `${value.toFixed(2)}×`;
}

/**
 * Prints a goal's bound (`≥ 1.5×`, `≤ 75 KB`).
 *
 * @param goal The goal.
 * @returns The text.
 */
export function formatBound(goal: Goal): string {
  const sign = goal.kind === "atLeast" ? "≥" : "≤";
  return goal.unit === "KB" ? `${sign} ${goal.bound} KB` : `${sign} ${goal.bound}×`;
}

/** What `results.json` holds. */
export interface ResultsFile extends Partial<Record<GoalKey, number | null>> {
  /** Each goal's figure, bound and verdict. */
  goals: Record<
    GoalKey,
    { value: number | null; bound: string; met: boolean | null; detail: string }
  >;
  /** When the run was made, ISO 8601. */
  date: string;
  /** The source revision measured. */
  revision: string;
  /** The settings of the run. */
  settings: Record<string, unknown>;
}

/**
 * The machine-readable results: each goal's key with its figure at the top level (`null` when
 * not measured), and under `goals` the bound, verdict and detail of each.
 *
 * @param results One figure per goal, all from the same run.
 * @param meta Date, revision and settings of the run.
 * @returns The object to write as JSON.
 */
export function resultsFile(
  results: readonly GoalResult[],
  meta: { date: string; revision: string; settings: Record<string, unknown> },
): ResultsFile {
  const round = (value: number | undefined) =>
    value === undefined || !Number.isFinite(value) ? null : Number(value.toFixed(3));
  const file = {} as ResultsFile;
  for (const { goal, value } of results) file[goal.key] = round(value);
  Object.assign(file, { goals: {}, ...meta });
  for (const { goal, value, detail } of results) {
    file.goals[goal.key] = {
      value: round(value),
      bound: formatBound(goal),
      met: meets(goal, value) ?? null,
      detail,
    };
  }
  return file;
}

/**
 * Where the JSON goes: `X.json` beside a report `X.md` (`results.json` beside the default
 * `RESULTS.md`).
 *
 * @param markdownPath The report's path.
 * @returns The JSON file's path.
 */
export function jsonPathFor(markdownPath: string): string {
  const slash = markdownPath.lastIndexOf("/") + 1;
  const dir = markdownPath.slice(0, slash);
  const name = markdownPath.slice(slash);
  if (name === "RESULTS.md") return `${dir}results.json`;
  return `${dir}${name.replace(/\.md$/i, "")}.json`;
}
