/**
 * Settings: the flag values one source (the command line or a flags file)
 * gave, already parsed, keyed by flags-table row. Sources are merged with
 * {@link overrideSettings}; within one source a repeated list flag appends
 * and a repeated single flag keeps its last value.
 */

import type { FlagRow } from "./flags_table.ts";

/** Parsed values by row. */
export type Settings = Map<FlagRow, unknown>;

/** An Error message with its first letter lowercased, to follow a colon. */
export function detailOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/**
 * Parses one value for `row` (surrounding whitespace is ignored). Throws the
 * codec's Error on bad input; the caller adds where the value came from.
 */
export function parseFlagValue(row: FlagRow, text: string): unknown {
  return row.codec.parse(text.trim());
}

/** Records a value: list flags append to what this source already gave. */
export function setFlag(settings: Settings, row: FlagRow, value: unknown): void {
  const previous = settings.get(row);
  if (row.codec.arity === "list" && Array.isArray(previous) && Array.isArray(value)) {
    settings.set(row, [...previous, ...value]);
  } else {
    settings.set(row, value);
  }
}

/** `base` with every flag that `override` gives replaced (lists replaced, not appended). */
export function overrideSettings(base: Settings, override: Settings): Settings {
  const merged: Settings = new Map(base);
  for (const [row, value] of override) merged.set(row, value);
  return merged;
}
