/**
 * Taking over a Maildir copied in from Dovecot with the UIDs its clients
 * know: a folder without an index of ours but with a sound
 * `dovecot-uidlist` starts with Dovecot's UIDVALIDITY, its UIDs by base
 * name, and a UIDNEXT no lower than its N (see `UidIndex.load`). Once our
 * index is written, Dovecot's list is renamed `dovecot-uidlist.adopted` and
 * its index removed: were our index deleted later, taking the old list again
 * would hand out, under the same UIDVALIDITY, UIDs we gave other messages
 * meanwhile (RFC 9051 2.3.1.1); and Dovecot, given the Maildir back, must
 * not resume numbering from a list that stopped where we started.
 */
import { join } from "node:path";
import type { Logger } from "../log/mod.ts";
import { syncDir } from "../spool/mod.ts";
import { DOVECOT_UIDLIST_FILE, readDovecotUidList } from "./dovecot_uidlist.ts";
import type { UidListData } from "./uid_list.ts";

/** Dovecot's index of one folder: `dovecot.index`, `.log`, `.log.2`, `.cache` (not `dovecot.list.index*`). */
const DOVECOT_INDEX_PREFIX = "dovecot.index";

/** What Dovecot's list becomes once its UIDs are ours. */
export const ADOPTED_DOVECOT_UIDLIST_FILE = `${DOVECOT_UIDLIST_FILE}.adopted`;

/**
 * Dovecot's UIDVALIDITY, next UID and UIDs for the Maildir `dir` ("taken"),
 * or "none" (numbering as for any new folder) when it has no
 * `dovecot-uidlist`, or one that is unusable (logged with its line), or
 * whose UIDVALIDITY is not above the account's `floor`: a folder of this
 * name was deleted or renamed away with that UIDVALIDITY, and its clients'
 * UIDs did not persist (RFC 9051 2.3.1.1 asks for a greater one then).
 * "none" carries the UIDVALIDITY of a damaged list whose header is sound:
 * its clients hold that one, so the new one must be above it too.
 */
export async function takeDovecotUids(
  dir: string,
  options: { floor: number | null; log: Logger },
): Promise<{ kind: "taken"; data: UidListData } | { kind: "none"; uidValidity: number | null }> {
  const path = join(dir, DOVECOT_UIDLIST_FILE);
  const parsed = await readDovecotUidList(path);
  if (parsed.kind === "missing") return { kind: "none", uidValidity: null };
  if (parsed.kind === "unusable") {
    options.log.warn("mailbox.dovecot_uidlist_ignored", {
      path,
      line: parsed.line,
      reason: parsed.reason,
    });
    return { kind: "none", uidValidity: parsed.uidValidity ?? null };
  }
  if (options.floor !== null && parsed.uidValidity <= options.floor) {
    options.log.warn("mailbox.dovecot_uidlist_ignored", {
      path,
      line: 1,
      reason: `UIDVALIDITY ${parsed.uidValidity} is not above ${options.floor}, ` +
        "the greatest of a folder of this account deleted or renamed away",
    });
    return { kind: "none", uidValidity: null };
  }
  options.log.info("mailbox.dovecot_uids_taken", {
    path,
    uidvalidity: parsed.uidValidity,
    uidnext: parsed.uidNext,
    uids: parsed.entries.length,
  });
  const { uidValidity, uidNext, entries } = parsed;
  return { kind: "taken", data: { uidValidity, uidNext, entries } };
}

/** The UIDVALIDITY of the Dovecot list `dir`'s index once took (`dovecot-uidlist.adopted`), or null. */
export async function takenDovecotUidValidity(dir: string): Promise<number | null> {
  const parsed = await readDovecotUidList(join(dir, ADOPTED_DOVECOT_UIDLIST_FILE));
  return parsed.kind === "ok" ? parsed.uidValidity : null;
}

/**
 * Once our index holds Dovecot's UIDs: renames `dir`'s `dovecot-uidlist` to
 * `dovecot-uidlist.adopted` and removes Dovecot's index of the folder
 * (`dovecot.index*`, a cache it rebuilds from the Maildir), durably. Given
 * the Maildir back with its index, Dovecot would keep our UIDVALIDITY and
 * number the files from its old next UID, over UIDs we gave other messages
 * (seen with Dovecot 2.3); without both, it starts a new, greater one.
 * Never throws: our index is written and rules from now on; a failure
 * (logged) leaves Dovecot's files as they were.
 */
export async function setDovecotStateAside(dir: string, log: Logger): Promise<void> {
  const from = join(dir, DOVECOT_UIDLIST_FILE);
  try {
    await Deno.rename(from, join(dir, ADOPTED_DOVECOT_UIDLIST_FILE));
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.startsWith(DOVECOT_INDEX_PREFIX)) {
        await Deno.remove(join(dir, entry.name));
      }
    }
    await syncDir(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return; // taken away meanwhile
    log.warn("mailbox.dovecot_state_not_set_aside", {
      path: from,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
