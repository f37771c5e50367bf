/**
 * Flag changes the Maildir way: a rename to `cur/<base>:2,<letters>` (a
 * message in `new/` moves to `cur/` even when its flags stay the same). A
 * file another mail client renamed since the last scan is found again and
 * changed under its new name. Runs under the mailbox's lock (`Mailbox.store`).
 */
import { join } from "node:path";
import type { MailboxParts } from "./mailbox_parts.ts";
import type { FlagChange, MessageInfo } from "./mailbox_types.ts";
import { changeLetters, curName } from "./message_name.ts";
import { type Entry, makeEntry } from "./message_table.ts";

/** Applies `change` to `uids`; returns the messages as they are now (vanished ones left out). */
export async function storeFlags(
  parts: MailboxParts,
  request: { uids: readonly number[]; change: FlagChange; origin: unknown },
): Promise<MessageInfo[]> {
  const { change } = request;
  await parts.keywords.define([...change.add ?? [], ...change.replace ?? []]);
  const keywordLetter = (name: string) => parts.keywords.letterOf(name);
  const changed: Entry[] = [];
  const current: Entry[] = [];
  const found = parts.findAgain();
  try {
    await renameEach(parts, { ...request, keywordLetter, changed, current, found });
  } catch (error) {
    // Those renamed are changed on disk: every session hears so, the one whose STORE
    // fails too (its NO does not say which messages changed before the failure).
    parts.events.emit({ kind: "flags", messages: changed, origin: null });
    throw error;
  }
  parts.events.emit({ kind: "flags", messages: changed, origin: request.origin });
  return current;
}

/** Renames each message's file for its new letters, noting the entries changed and current. */
async function renameEach(
  parts: MailboxParts,
  work: {
    uids: readonly number[];
    change: FlagChange;
    keywordLetter: (name: string) => string | null;
    changed: Entry[];
    current: Entry[];
    found: (uid: number) => Promise<Entry | undefined>;
  },
): Promise<void> {
  const { change, keywordLetter, changed, current, found } = work;
  for (const uid of work.uids) {
    let entry = parts.table.get(uid);
    let letters = "";
    let fileName = "";
    while (entry !== undefined) {
      letters = changeLetters(entry.letters, change, keywordLetter);
      fileName = curName(entry.base, letters);
      if (!entry.isNew && letters === entry.letters) break;
      try {
        await Deno.rename(
          join(parts.dir, entry.isNew ? "new" : "cur", entry.fileName),
          join(parts.dir, "cur", fileName),
        );
        break;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        // Renamed by another MUA (its own flag change) since our last scan.
        entry = await found(uid);
      }
    }
    if (entry === undefined) continue;
    if (!entry.isNew && letters === entry.letters) {
      current.push(entry);
      continue;
    }
    const updated = makeEntry(entry, { fileName, letters, isNew: false }, parts.keywordNames);
    parts.table.replace(updated);
    current.push(updated);
    if (letters !== entry.letters) changed.push(updated);
  }
}
