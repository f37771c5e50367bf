/**
 * Sizes as flags spell them: an integer and a unit. KB, MB and GB are
 * decimal (powers of 1000, as disk and mail vendors count); KiB, MiB and GiB
 * are binary (powers of 1024). Units are case-insensitive (`25mb`).
 */

const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Spellings from largest to smallest, for formatting. */
const UNITS_DESCENDING = [
  ["GiB", 1024 ** 3],
  ["GB", 1000 ** 3],
  ["MiB", 1024 ** 2],
  ["MB", 1000 ** 2],
  ["KiB", 1024],
  ["KB", 1000],
  ["B", 1],
] as const;

/** Help text for flags that take a size. */
export const SIZE_UNITS_HELP =
  "units B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024)";

/**
 * Parses a size into bytes: a non-negative integer followed by a unit, or
 * `0` alone. Throws an Error with a clear message on anything else,
 * including a bare number (is `25` bytes or megabytes?).
 */
export function parseSizeBytes(text: string): number {
  if (text === "0") return 0;
  const match = /^([0-9]+)([a-zA-Z]*)$/.exec(text);
  if (match === null) {
    throw new Error(`Invalid size "${text}": expected a whole number and a unit, like 25MB`);
  }
  const unitText = match[2] ?? "";
  const unit = UNIT_BYTES[unitText.toLowerCase()];
  if (unit === undefined) {
    const problem = unitText === "" ? "the unit is missing" : `unknown unit "${unitText}"`;
    throw new Error(`Invalid size "${text}": ${problem}; ${SIZE_UNITS_HELP}`);
  }
  const bytes = Number(match[1]) * unit;
  if (!Number.isSafeInteger(bytes)) throw new Error(`Invalid size "${text}": too large`);
  return bytes;
}

/** Formats bytes with the largest unit that divides them exactly (`0` for zero). */
export function formatSizeBytes(bytes: number): string {
  if (bytes === 0) return "0";
  for (const [unit, size] of UNITS_DESCENDING) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
