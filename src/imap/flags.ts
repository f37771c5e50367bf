/** IMAP flags and the Maildir system flags they are stored as. */
import type { SystemFlag } from "../mailbox/mod.ts";

/** The flags IMAP clients may set and that persist (PERMANENTFLAGS). */
export const SYSTEM_FLAGS: readonly SystemFlag[] = [
  "\\Answered",
  "\\Flagged",
  "\\Deleted",
  "\\Seen",
  "\\Draft",
];

/** The system flags among client flags (case-insensitive); keywords and \Recent are dropped. */
export function toSystemFlags(flags: readonly string[]): SystemFlag[] {
  const picked = new Set<SystemFlag>();
  for (const flag of flags) {
    const match = SYSTEM_FLAGS.find((known) => known.toLowerCase() === flag.toLowerCase());
    if (match !== undefined) picked.add(match);
  }
  return [...picked];
}

/** `(\Seen \Recent)` for a FETCH response. */
export function formatFlags(flags: readonly string[], isRecent: boolean): string {
  return `(${[...flags, ...(isRecent ? ["\\Recent"] : [])].join(" ")})`;
}
