/**
 * Dovecot's subscriptions file (`subscriptions` in a Maildir++ root), read
 * when an account moved here from Dovecot has no subscriptions of ours yet,
 * so that clients showing only subscribed folders (Thunderbird's default)
 * still show the user's folders. Two formats: version 1, one name a line
 * with the namespace's separator ("." for Maildir++), and version 2, a
 * `V<TAB>2` line and an empty one, then one name a line with a TAB between
 * levels. Names are IMAP names (modified UTF-7), as ours are.
 */
import { INBOX } from "../mailbox/mod.ts";
import { canonicalName, DELIMITER, folderNameProblem } from "./folder_names.ts";

/** Dovecot's file name, beside INBOX's tmp/ new/ cur/. */
export const DOVECOT_SUBSCRIPTIONS_FILE = "subscriptions";

/**
 * The subscribed names in `text`, levels joined with ".", INBOX spelt so;
 * a name no folder here could have (an escaped control character, which
 * version 2 writes as \x01 and a letter, a backslash, 8-bit) is left out.
 */
export function parseDovecotSubscriptions(text: string): string[] {
  const lines = text.split("\n");
  const isVersion2 = /^V\t2$/.test(lines[0] ?? "");
  const names: string[] = [];
  for (const line of isVersion2 ? lines.slice(1) : lines) {
    if (line === "") continue;
    const name = canonicalName(isVersion2 ? line.split("\t").join(DELIMITER) : line);
    if (name === INBOX || folderNameProblem(name) === null) names.push(name);
  }
  return names;
}
