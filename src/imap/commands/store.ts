/**
 * STORE and UID STORE: FLAGS, +FLAGS, -FLAGS (and .SILENT). System flags
 * and keywords persist in the Maildir name (keywords as letters, see
 * `mailbox/keywords.ts`); \Recent and unknown `\`-flags are ignored. A new
 * keyword is announced with `* FLAGS` before the FETCH responses.
 */
import type { FlagChange } from "../../mailbox/mod.ts";
import { bad, no } from "../errors.ts";
import { formatFlags, messageFlags, toStoredFlags } from "../flags.ts";
import type { CommandCursor } from "../parser.ts";
import type { SelectedMailbox } from "../selected.ts";
import type { ImapSession } from "../session.ts";
import type { Done, ImapCommand } from "./types.ts";
import { resolveTargets } from "./targets.ts";

function storeWith(isUid: boolean) {
  return async (session: ImapSession, cursor: CommandCursor): Promise<Done> => {
    const set = cursor.sequenceSet();
    cursor.sp();
    const item = cursor.atom().toUpperCase();
    const match = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
    if (match === null) throw bad(`Unknown STORE item "${item.slice(0, 30)}"`);
    cursor.sp();
    const flags = toStoredFlags(cursor.flags({ isBareAllowed: true }));
    cursor.end();
    const selected = session.selected as SelectedMailbox;
    if (selected.isReadOnly) throw no("Mailbox is read-only", "READ-ONLY");
    const change: FlagChange = match[1] === "+"
      ? { add: flags }
      : match[1] === "-"
      ? { remove: flags }
      : { replace: flags };
    const targets = resolveTargets(selected, set, isUid);
    const updated = await selected.mailbox.store(targets.map((target) => target.uid), change, {
      origin: session,
    });
    const flagsUpdate = selected.takeFlagsUpdate();
    if (flagsUpdate !== null) session.send(flagsUpdate);
    if (match[2] === undefined) {
      for (const message of updated) {
        const seq = selected.seqOf(message.uid);
        if (seq === 0) continue;
        const uidPart = isUid ? ` UID ${message.uid}` : "";
        const flagText = formatFlags(messageFlags(message), selected.isRecent(message.uid));
        session.send(`* ${seq} FETCH (FLAGS ${flagText}${uidPart})\r\n`);
      }
    }
    return {};
  };
}

/** STORE commands. */
export const STORE_COMMANDS: [string, ImapCommand][] = [
  ["STORE", { states: ["selected"], holdsExpunges: true, handle: storeWith(false) }],
  ["UID STORE", { states: ["selected"], handle: storeWith(true) }],
];
