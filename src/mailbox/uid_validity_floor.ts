/**
 * An account's UIDVALIDITY floor, `<account>/pillarbox-uidvalidity`: the
 * greatest UIDVALIDITY a folder of the account had when it was deleted or
 * renamed away. A new index starts above it, so a folder made again under
 * an old name gets a greater UIDVALIDITY than the old folder's (RFC 3501
 * 2.3.1.1: UIDs that did not persist need a greater one). The time alone
 * cannot promise that: a restart within the same second gives the same
 * second again, and a clock that was ahead, once set back, a smaller one.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../spool/mod.ts";
import { readUidList, UID_LIST_FILE } from "./uid_list.ts";
import { DOVECOT_UIDLIST_FILE, readDovecotUidList } from "./dovecot_uidlist.ts";

/** The floor file's name in the account's root Maildir. */
export const UID_VALIDITY_FLOOR_FILE = "pillarbox-uidvalidity";

/** The account's floor, or null when none was recorded (or the file is unreadable as one). */
export async function readUidValidityFloor(accountDir: string): Promise<number | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(accountDir, UID_VALIDITY_FLOOR_FILE));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const match = /^(\d{1,10})\n$/.exec(text);
  return match === null ? null : Number(match[1]);
}

/**
 * Raises the floor to the UIDVALIDITY of every Maildir in `dirs` (folders
 * about to be deleted or renamed away), durably, before they go; for one
 * copied in from Dovecot and not listed yet, Dovecot's, which its clients
 * know. Callers serialise the folder changes of one account.
 */
export async function raiseUidValidityFloor(
  accountDir: string,
  dirs: readonly string[],
): Promise<void> {
  const floor = (await readUidValidityFloor(accountDir)) ?? 0;
  let highest = floor;
  for (const dir of dirs) {
    const parsed = await readUidList(join(dir, UID_LIST_FILE));
    const value = parsed.kind === "ok"
      ? parsed.data.uidValidity
      : parsed.kind === "corrupt"
      ? parsed.uidValidity
      : await dovecotUidValidity(dir);
    if (value !== null && value > highest) highest = value;
  }
  if (highest === floor) return;
  const path = join(accountDir, UID_VALIDITY_FLOOR_FILE);
  await writeFileAtomic(path, [new TextEncoder().encode(`${highest}\n`)]);
}

/** The UIDVALIDITY in a `dovecot-uidlist` of `dir` with a sound header, or null. */
async function dovecotUidValidity(dir: string): Promise<number | null> {
  const parsed = await readDovecotUidList(join(dir, DOVECOT_UIDLIST_FILE));
  return parsed.kind === "missing" ? null : parsed.uidValidity ?? null;
}
