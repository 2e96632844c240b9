/**
 * Small numeric helpers of the report.
 *
 * @module
 */

/**
 * The median of some numbers (the mean of the middle two for an even count).
 *
 * @param values The numbers; `NaN` when there are none.
 * @returns Their median.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Formats a number with a fixed count of decimals, or an em dash when it is not finite.
 *
 * @param value The number.
 * @param decimals Decimals to show.
 * @returns The text.
 */
export function fixed(value: number | undefined, decimals: number): string {
  return value === undefined || !Number.isFinite(value) ? "—" : value.toFixed(decimals);
}

/**
 * Formats `value / base` as a ratio such as `0.93×`.
 *
 * @param value The measured figure.
 * @param base The figure it is compared with.
 * @returns The text, or an em dash when either is missing.
 */
export function ratio(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || !(base > 0) || !Number.isFinite(value)) {
    return "—";
  }
  const r = value / base;
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}
