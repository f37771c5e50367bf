/**
 * THREAD and UID THREAD (RFC 5256 3): the messages the search keys match,
 * grouped into threads by ORDEREDSUBJECT or REFERENCES. Each message's
 * header section is read once (with the search's own reads, see
 * message_scan.ts) and only what threading needs is kept of it: the sent
 * date, the base subject, and for REFERENCES its node in the tree, never
 * its header or its list of references.
 */
import { bad } from "../errors.ts";
import type { CommandCursor } from "../parser.ts";
import { matchesSearch, searchNeeds, searchUsesSize } from "../search_eval.ts";
import { parseCharsetAndKeys } from "../search_keys.ts";
import type { SelectedMailbox } from "../selected.ts";
import type { ImapSession } from "../session.ts";
import { referencedMessageOf, threadMessageOf } from "../thread_facts.ts";
import { formatThreads } from "../thread_format.ts";
import { orderedSubjectThreads } from "../thread_ordered_subject.ts";
import { ReferencesThreader } from "../thread_references.ts";
import type { ThreadMessage } from "../thread_tree.ts";
import { scanMessages } from "./message_scan.ts";
import type { Done, ImapCommand } from "./types.ts";

/** The algorithms offered, each advertised as THREAD=<name> (RFC 5256 1). */
export const THREAD_ALGORITHMS = ["ORDEREDSUBJECT", "REFERENCES"] as const;

function threadWith(isUid: boolean) {
  return async (session: ImapSession, cursor: CommandCursor): Promise<Done> => {
    // RFC 5256 4: thread = ["UID" SP] "THREAD" SP thread-alg SP search-charset
    // 1*(SP search-key); the charset is not optional here, as in SORT.
    const algorithm = cursor.atom().toUpperCase();
    if (!(THREAD_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw bad(`Unknown threading algorithm "${algorithm.slice(0, 30)}"`);
    }
    cursor.sp();
    const key = parseCharsetAndKeys(cursor);
    const selected = session.selected as SelectedMailbox;
    const context = { messageCount: selected.count, maxUid: selected.maxUid };
    const searchNeed = searchNeeds(key);
    const need = {
      read: searchNeed === "meta" ? "header" as const : searchNeed,
      isSizeUsed: searchUsesSize(key),
    };
    let threads;
    if (algorithm === "REFERENCES") {
      const threader = new ReferencesThreader();
      await scanMessages(selected, need, (subject) => {
        if (matchesSearch(key, subject, context)) {
          threader.add(referencedMessageOf(subject.header ?? "", subject));
        }
      });
      threads = threader.threads();
    } else {
      const messages: ThreadMessage[] = [];
      await scanMessages(selected, need, (subject) => {
        if (matchesSearch(key, subject, context)) {
          messages.push(threadMessageOf(subject.header ?? "", subject));
        }
      });
      threads = orderedSubjectThreads(messages);
    }
    session.send(formatThreads(threads, isUid));
    return {};
  };
}

/** THREAD commands. */
export const THREAD_COMMANDS: [string, ImapCommand][] = [
  // Like SEARCH and SORT, THREAD answers in sequence numbers: no EXPUNGE may shift them.
  ["THREAD", { states: ["selected"], holdsExpunges: true, handle: threadWith(false) }],
  ["UID THREAD", { states: ["selected"], handle: threadWith(true) }],
];
