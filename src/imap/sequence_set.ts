/**
 * Sequence sets (RFC 3501 9, "sequence-set"): "1", "2:4", "5:*", "*" and
 * comma lists of these. `*` means the largest number in use: the message
 * count for sequence numbers, the highest UID for UID sets.
 *
 * A set is used through its merged form: `*` resolved, each range put low
 * to high, sorted and overlapping or touching ranges joined. Membership is
 * then a binary search, and picking from ascending numbers one walk over
 * both lists, so a set of many ranges costs ranges x log(ranges) plus
 * messages, never ranges x messages. A set may hold at most
 * `MAX_SEQUENCE_RANGES` ranges.
 */

/** One range; `"*"` is resolved against the mailbox when used. */
export type SeqRange = { from: number | "*"; to: number | "*" };
/** A parsed sequence set (never empty). */
export type SequenceSet = readonly SeqRange[];
/** An inclusive range of numbers, low to high. */
export type NumberRange = readonly [low: number, high: number];

/** The most comma-separated ranges a set may hold; more is not a valid set. */
export const MAX_SEQUENCE_RANGES = 10_000;

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
  const parts = text.split(",", MAX_SEQUENCE_RANGES + 1);
  if (parts.length > MAX_SEQUENCE_RANGES) return null;
  const ranges: SeqRange[] = [];
  for (const part of parts) {
    const bounds = part.split(":");
    if (bounds.length > 2) return null;
    const from = parseNumber(bounds[0] ?? "");
    const to = bounds.length === 2 ? parseNumber(bounds[1] ?? "") : from;
    if (from === null || to === null) return null;
    ranges.push({ from, to });
  }
  return ranges;
}

/**
 * `set` with `*` standing for `largest`: ranges low to high, sorted, and
 * joined where they overlap or touch. "4:2,3,9,5:*" with 7 -> [[2,7],[9,9]].
 */
export function mergeRanges(set: SequenceSet, largest: number): NumberRange[] {
  const ranges = set.map((range): NumberRange => {
    const from = range.from === "*" ? largest : range.from;
    const to = range.to === "*" ? largest : range.to;
    return [Math.min(from, to), Math.max(from, to)];
  }).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [low, high] of ranges) {
    const last = merged.at(-1);
    if (last !== undefined && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else merged.push([low, high]);
  }
  return merged;
}

const mergedCache = new WeakMap<SequenceSet, { largest: number; ranges: NumberRange[] }>();

function cachedMerge(set: SequenceSet, largest: number): NumberRange[] {
  const cached = mergedCache.get(set);
  if (cached !== undefined && cached.largest === largest) return cached.ranges;
  const ranges = mergeRanges(set, largest);
  mergedCache.set(set, { largest, ranges });
  return ranges;
}

/**
 * Whether `value` is in `set`, with `*` standing for `largest` (0 for an
 * empty mailbox). The merged form is kept per set, so asking for every
 * message in turn (SEARCH) costs log(ranges) each.
 */
export function setContains(set: SequenceSet, value: number, largest: number): boolean {
  const ranges = cachedMerge(set, largest);
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const [from, to] = ranges[middle] as NumberRange;
    if (value < from) high = middle - 1;
    else if (value > to) low = middle + 1;
    else return true;
  }
  return false;
}

/**
 * The indexes of the `ascending` numbers that `set` holds (`*` standing
 * for `largest`), in one walk over the numbers and the merged ranges.
 */
export function pickFromAscending(
  set: SequenceSet,
  ascending: readonly number[],
  largest: number,
): number[] {
  const ranges = mergeRanges(set, largest);
  const picked: number[] = [];
  let r = 0;
  for (let i = 0; i < ascending.length && r < ranges.length; i++) {
    const value = ascending[i] as number;
    while (r < ranges.length && (ranges[r] as NumberRange)[1] < value) r++;
    const range = ranges[r];
    if (range !== undefined && value >= range[0]) picked.push(i);
  }
  return picked;
}

/**
 * The sequence numbers 1..`count` that `set` names, ascending, without
 * duplicates. Numbers above `count` are left out (the caller decides
 * whether that is an error).
 */
export function expandSequenceSet(set: SequenceSet, count: number): number[] {
  const picked: number[] = [];
  for (const [from, to] of mergeRanges(set, count)) {
    const low = Math.max(1, from);
    const high = Math.min(count, to);
    for (let n = low; n <= high; n++) picked.push(n);
  }
  return picked;
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
