/** SEARCH and UID SEARCH: criteria are parsed once, files read only as far as the keys look. */
import { AsyncLock, MessageGoneError } from "../../mailbox/mod.ts";
import { bytesToBinary, findBodyStart } from "../../mail/mod.ts";
import { searchableText } from "../../mail/body_text.ts";
import { messageFlags } from "../flags.ts";
import type { CommandCursor } from "../parser.ts";
import { matchesSearch, searchNeeds, type SearchSubject } from "../search_eval.ts";
import { parseSearch } from "../search_keys.ts";
import type { SelectedMailbox } from "../selected.ts";
import type { ImapSession } from "../session.ts";
import type { Done, ImapCommand } from "./types.ts";

function searchWith(isUid: boolean) {
  return async (session: ImapSession, cursor: CommandCursor): Promise<Done> => {
    const key = parseSearch(cursor);
    cursor.end();
    const selected = session.selected as SelectedMailbox;
    const need = searchNeeds(key);
    const context = { messageCount: selected.count, maxUid: selected.maxUid };
    const hits: number[] = [];
    const uids = [...selected.uids()];
    for (let i = 0; i < uids.length; i++) {
      const uid = uids[i] as number;
      const info = selected.mailbox.get(uid);
      if (info === undefined) continue;
      const subject: SearchSubject = {
        seq: i + 1,
        uid,
        flags: new Set(messageFlags(info)),
        isRecent: selected.isRecent(uid),
        sizeBytes: info.sizeBytes,
        internalDateMs: info.internalDateMs,
      };
      let isMatch: boolean;
      try {
        if (need === "header") {
          // The whole header, however long, but only up to the blank line: the body may be
          // as large as the message limit, or more.
          const head = await selected.mailbox.readHeader(uid, Number.MAX_SAFE_INTEGER);
          subject.header = bytesToBinary(head);
        }
        const match = async () => {
          if (need === "full") await readSearchable(selected, uid, subject);
          return matchesSearch(key, subject, context);
        };
        isMatch = await (need === "full" && info.sizeBytes > BIG_MESSAGE_BYTES
          ? BIG_SEARCHES.run(match)
          : match());
      } catch (error) {
        if (error instanceof MessageGoneError) continue;
        throw error;
      }
      if (isMatch) hits.push(isUid ? uid : i + 1);
    }
    session.send(`* SEARCH${hits.map((hit) => " " + hit).join("")}\r\n`);
    return {};
  };
}

/**
 * Past this size a message's text is searched one at a time across the
 * server: its read, its text, the decoded copies of its parts and their
 * lower-case form take several times its size while they last, and sixteen
 * clients searching a mailbox of 20 MB messages at once took it to 588 MB.
 */
const BIG_MESSAGE_BYTES = 1024 * 1024;
const BIG_SEARCHES = new AsyncLock();

/** Reads a message whole and sets what BODY and TEXT look at. */
async function readSearchable(selected: SelectedMailbox, uid: number, subject: SearchSubject) {
  const bytes = await selected.mailbox.readMessage(uid);
  const text = bytesToBinary(bytes);
  subject.header = text.slice(0, findBodyStart(text, 0, text.length));
  ({ body: subject.body, partHeaders: subject.partHeaders } = searchableText(text, bytes));
}

/** SEARCH commands. */
export const SEARCH_COMMANDS: [string, ImapCommand][] = [
  ["SEARCH", { states: ["selected"], holdsExpunges: true, handle: searchWith(false) }],
  ["UID SEARCH", { states: ["selected"], handle: searchWith(true) }],
];
