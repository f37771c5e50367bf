/**
 * SORT and UID SORT (RFC 5256 3): the messages the search keys match, in
 * the order of the criteria. Each message's header section is read once
 * (with the search's own reads, see message_scan.ts) and only its sort
 * values are kept.
 */
import type { CommandCursor } from "../parser.ts";
import { matchesSearch, searchNeeds, searchUsesSize } from "../search_eval.ts";
import { parseCharsetAndKeys } from "../search_keys.ts";
import type { SelectedMailbox } from "../selected.ts";
import type { ImapSession } from "../session.ts";
import {
  parseSortCriteria,
  sortEntries,
  type SortEntry,
  sortNeedsHeader,
  sortValues,
} from "../sort_criteria.ts";
import { scanMessages } from "./message_scan.ts";
import type { Done, ImapCommand } from "./types.ts";

function sortWith(isUid: boolean) {
  return async (session: ImapSession, cursor: CommandCursor): Promise<Done> => {
    // RFC 5256 4: sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria, where
    // search-criteria = charset 1*(SP search-key): the charset is not optional here.
    const criteria = parseSortCriteria(cursor);
    cursor.sp();
    const key = parseCharsetAndKeys(cursor);
    const selected = session.selected as SelectedMailbox;
    const context = { messageCount: selected.count, maxUid: selected.maxUid };
    const searchNeed = searchNeeds(key);
    const read = searchNeed === "meta" && sortNeedsHeader(criteria) ? "header" : searchNeed;
    const isSizeUsed = searchUsesSize(key) ||
      criteria.some((criterion) => criterion.key === "SIZE");
    const entries: SortEntry[] = [];
    await scanMessages(selected, { read, isSizeUsed }, (subject) => {
      if (!matchesSearch(key, subject, context)) return;
      const source = { ...subject, header: subject.header ?? "" };
      entries.push({ seq: subject.seq, uid: subject.uid, values: sortValues(criteria, source) });
    });
    sortEntries(criteria, entries);
    const numbers = entries.map((entry) => isUid ? entry.uid : entry.seq);
    session.send(`* SORT${numbers.map((number) => " " + number).join("")}\r\n`);
    return {};
  };
}

/** SORT commands. */
export const SORT_COMMANDS: [string, ImapCommand][] = [
  // Like SEARCH, SORT answers in sequence numbers: no EXPUNGE may shift them meanwhile.
  ["SORT", { states: ["selected"], holdsExpunges: true, handle: sortWith(false) }],
  ["UID SORT", { states: ["selected"], handle: sortWith(true) }],
];
