/** SEARCH and UID SEARCH: criteria are parsed once, files read only as far as the keys look. */
import type { CommandCursor } from "../parser.ts";
import { matchesSearch, searchNeeds } from "../search_eval.ts";
import { parseSearch } from "../search_keys.ts";
import type { SelectedMailbox } from "../selected.ts";
import type { ImapSession } from "../session.ts";
import { scanMessages } from "./message_scan.ts";
import type { Done, ImapCommand } from "./types.ts";

function searchWith(isUid: boolean) {
  return async (session: ImapSession, cursor: CommandCursor): Promise<Done> => {
    const key = parseSearch(cursor);
    cursor.end();
    const selected = session.selected as SelectedMailbox;
    const context = { messageCount: selected.count, maxUid: selected.maxUid };
    const hits: number[] = [];
    await scanMessages(selected, searchNeeds(key), (subject) => {
      if (matchesSearch(key, subject, context)) hits.push(isUid ? subject.uid : subject.seq);
    });
    session.send(`* SEARCH${hits.map((hit) => " " + hit).join("")}\r\n`);
    return {};
  };
}

/** SEARCH commands. */
export const SEARCH_COMMANDS: [string, ImapCommand][] = [
  ["SEARCH", { states: ["selected"], holdsExpunges: true, handle: searchWith(false) }],
  ["UID SEARCH", { states: ["selected"], handle: searchWith(true) }],
];
