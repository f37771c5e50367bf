/** IMAP flags: system flags and keywords, as stored in Maildir names (see `mailbox/keywords.ts`). */
import { isKeywordName, type MessageInfo, type SystemFlag } from "../mailbox/mod.ts";

/** The system flags IMAP clients may set and that persist. */
export const SYSTEM_FLAGS: readonly SystemFlag[] = [
  "\\Answered",
  "\\Flagged",
  "\\Deleted",
  "\\Seen",
  "\\Draft",
];

/**
 * The flags to store from a client's list: system flags in their canonical
 * spelling and keywords (first spelling wins, case-insensitively); \Recent
 * and unknown `\`-flags are dropped (RFC 9051 2.3.2: clients cannot create them).
 */
export function toStoredFlags(flags: readonly string[]): string[] {
  const picked = new Map<string, string>();
  for (const flag of flags) {
    const lower = flag.toLowerCase();
    const system = SYSTEM_FLAGS.find((known) => known.toLowerCase() === lower);
    if (system !== undefined) picked.set(lower, system);
    else if (isKeywordName(flag) && !picked.has(lower)) picked.set(lower, flag);
  }
  return [...picked.values()];
}

/** A message's system flags then keywords. */
export function messageFlags(info: MessageInfo): string[] {
  return [...info.flags, ...info.keywords];
}

/** `(\Seen $Junk \Recent)` for a FETCH response. */
export function formatFlags(flags: readonly string[], isRecent: boolean): string {
  return `(${[...flags, ...(isRecent ? ["\\Recent"] : [])].join(" ")})`;
}

/** The `* FLAGS (...)` line: system flags and the mailbox's keywords. */
export function flagsLine(keywords: readonly string[]): string {
  return `* FLAGS ${formatFlags([...SYSTEM_FLAGS, ...keywords], false)}\r\n`;
}
