/**
 * Sequence sets (RFC 3501 9, "sequence-set"): "1", "2:4", "5:*", "*" and
 * comma lists of these. `*` means the largest number in use: the message
 * count for sequence numbers, the highest UID for UID sets.
 */

/** One range; `"*"` is resolved against the mailbox when used. */
export type SeqRange = { from: number | "*"; to: number | "*" };
/** A parsed sequence set (never empty). */
export type SequenceSet = readonly SeqRange[];

const NUMBER = /^[1-9][0-9]{0,9}$/;
const MAX_NUMBER = 4294967295;

function parseNumber(text: string): number | "*" | null {
  if (text === "*") return "*";
  if (!NUMBER.test(text)) return null;
  const value = Number(text);
  return value <= MAX_NUMBER ? value : null;
}

/** Parses `text`; null when it is not a valid sequence set. */
export function parseSequenceSet(text: string): SequenceSet | null {
  if (text === "") return null;
  const ranges: SeqRange[] = [];
  for (const part of text.split(",")) {
    const bounds = part.split(":");
    if (bounds.length > 2) return null;
    const from = parseNumber(bounds[0] ?? "");
    const to = bounds.length === 2 ? parseNumber(bounds[1] ?? "") : from;
    if (from === null || to === null) return null;
    ranges.push({ from, to });
  }
  return ranges;
}

/** Whether `value` is in `set`, with `*` standing for `largest` (0 for an empty mailbox). */
export function setContains(set: SequenceSet, value: number, largest: number): boolean {
  for (const range of set) {
    const from = range.from === "*" ? largest : range.from;
    const to = range.to === "*" ? largest : range.to;
    if (value >= Math.min(from, to) && value <= Math.max(from, to)) return true;
  }
  return false;
}

/**
 * The sequence numbers 1..`count` that `set` names, ascending, without
 * duplicates. Numbers above `count` are left out (the caller decides
 * whether that is an error).
 */
export function expandSequenceSet(set: SequenceSet, count: number): number[] {
  const picked = new Set<number>();
  for (const range of set) {
    const from = range.from === "*" ? count : range.from;
    const to = range.to === "*" ? count : range.to;
    const low = Math.max(1, Math.min(from, to));
    const high = Math.min(count, Math.max(from, to));
    for (let n = low; n <= high; n++) picked.add(n);
  }
  return [...picked].sort((a, b) => a - b);
}

/** Whether any number in `set` (other than `*`) is above `count`. */
export function setExceeds(set: SequenceSet, count: number): boolean {
  return set.some((range) =>
    (range.from !== "*" && range.from > count) || (range.to !== "*" && range.to > count)
  );
}

/** Formats ascending numbers compactly: [1,2,3,7] -> "1:3,7" (COPYUID, APPENDUID). */
export function formatNumberSet(values: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const start = values[i] as number;
    let end = start;
    while (i + 1 < values.length && values[i + 1] === end + 1) end = values[++i] as number;
    parts.push(start === end ? `${start}` : `${start}:${end}`);
    i++;
  }
  return parts.join(",");
}
