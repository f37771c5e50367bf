/**
 * THREAD=ORDEREDSUBJECT (RFC 5256 3, "poor man's threading"): one thread
 * per base subject, its messages by sent date; the first is the thread's
 * top and every later one its child (no grandchildren); threads ordered by
 * the sent date of their first message. Pure.
 */
import { compareCodePoints } from "./sort_criteria.ts";
import { compareByDate, link, type ThreadMessage, ThreadNode } from "./thread_tree.ts";

/** The threads of `messages` (any order), each its top node, in order. */
export function orderedSubjectThreads(messages: readonly ThreadMessage[]): ThreadNode[] {
  // Sorted by base subject, then sent date (equal dates by sequence number, RFC 5256 2.2).
  const nodes = messages.map((message) => new ThreadNode().fill(message));
  nodes.sort((a, b) => compareCodePoints(a.subject, b.subject) || compareByDate(a, b));
  const tops: ThreadNode[] = [];
  for (const node of nodes) {
    const top = tops.at(-1);
    // Messages with the same base subject, an empty one included, make one thread.
    if (top !== undefined && top.subject === node.subject) link(top, node);
    else tops.push(node);
  }
  return tops.sort(compareByDate);
}
