/**
 * SEARCH and UID SEARCH: criteria are parsed once, files read only as far
 * as the keys look. With RETURN (RFC 4731 ESEARCH) the answer is one
 * `* ESEARCH` line of what was asked for.
 */
import type { CommandCursor } from "../parser.ts";
import { matchesSearch, searchNeeds, searchUsesSize } from "../search_eval.ts";
import { parseSearchWithReturn } from "../search_keys.ts";
import { checkReturnOptions, formatEsearch } from "../search_return.ts";
import type { SelectedMailbox } from "../selected.ts";
import type { ImapSession } from "../session.ts";
import { scanMessages } from "./message_scan.ts";
import type { Done, ImapCommand } from "./types.ts";

function searchWith(isUid: boolean) {
  return async (session: ImapSession, cursor: CommandCursor, tag: string): Promise<Done> => {
    const { returns, key } = parseSearchWithReturn(cursor);
    cursor.end();
    const options = returns === null ? null : checkReturnOptions(returns);
    const selected = session.selected as SelectedMailbox;
    const context = { messageCount: selected.count, maxUid: selected.maxUid };
    const hits: number[] = [];
    const need = { read: searchNeeds(key), isSizeUsed: searchUsesSize(key) };
    await scanMessages(selected, need, (subject) => {
      if (matchesSearch(key, subject, context)) hits.push(isUid ? subject.uid : subject.seq);
    });
    // RFC 4731 3.1: RETURN asks for ESEARCH; a SEARCH without it is answered as before.
    if (options !== null) session.send(formatEsearch({ tag, isUid, options }, hits));
    else session.send(`* SEARCH${hits.map((hit) => " " + hit).join("")}\r\n`);
    return {};
  };
}

/** SEARCH commands. */
export const SEARCH_COMMANDS: [string, ImapCommand][] = [
  ["SEARCH", { states: ["selected"], holdsExpunges: true, handle: searchWith(false) }],
  ["UID SEARCH", { states: ["selected"], handle: searchWith(true) }],
];
