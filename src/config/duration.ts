/** Durations as flags spell them: an integer and one unit, `30s`, `5m`, `2h`, `5d`, or `0`. */

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
};

/** Units from largest to smallest, for formatting. */
const UNITS_DESCENDING = ["d", "h", "m", "s"] as const;

/**
 * Parses a duration into milliseconds: a non-negative integer followed by
 * `s`, `m`, `h` or `d` (lowercase; `M` could be read as months), or `0` alone.
 * Throws an Error with a clear message on anything else.
 */
export function parseDurationMs(text: string): number {
  if (text === "0") return 0;
  const fail = (problem: string) => new Error(`Invalid duration "${text}": ${problem}`);
  const match = /^([0-9]+)([a-zA-Z]*)$/.exec(text);
  if (match === null) throw fail("expected a whole number and a unit, like 30s, 5m, 2h or 5d");
  const [, digits = "", unit = ""] = match;
  const unitMs = UNIT_MS[unit];
  if (unitMs === undefined) {
    throw fail(
      unit === ""
        ? "the unit is missing (s, m, h or d)"
        : `unknown unit "${unit}" (use s, m, h or d)`,
    );
  }
  const ms = Number(digits) * unitMs;
  if (!Number.isSafeInteger(ms)) throw fail("too large");
  return ms;
}

/** Formats milliseconds with the largest unit that divides them exactly (`0` for zero). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return "0";
  for (const unit of UNITS_DESCENDING) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  throw new Error(`Cannot format duration ${ms}ms: not a whole number of seconds`);
}
