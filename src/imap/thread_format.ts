/**
 * The THREAD response (RFC 5256 4):
 *
 *   thread-data    = "THREAD" [SP 1*thread-list]
 *   thread-list    = "(" (thread-members / thread-nested) ")"
 *   thread-members = nz-number *(SP nz-number) [SP thread-nested]
 *   thread-nested  = 2*thread-list
 *
 * A message with one child goes on in the same list ("3 6"); one with
 * several opens a list per child ("6 (4 23)(44 7 96)"); a dummy at the
 * top, which has several children, is their lists alone ("((3)(5))").
 * Pure, and written with a stack, not by recursion: a deep thread must not
 * overflow the call stack.
 */
import type { ThreadNode } from "./thread_tree.ts";

/** The `* THREAD` line for `threads` (top nodes in order), by UID or by sequence number. */
export function formatThreads(threads: readonly ThreadNode[], isUid: boolean): string {
  const out = ["* THREAD"];
  if (threads.length > 0) out.push(" ");
  // Pieces of text still to write, and nodes whose members are still to write, last first.
  const stack: (string | ThreadNode)[] = [];
  for (let i = threads.length - 1; i >= 0; i--) stack.push(")", threads[i] as ThreadNode, "(");
  while (stack.length > 0) {
    const item = stack.pop() as string | ThreadNode;
    if (typeof item === "string") {
      out.push(item);
      continue;
    }
    const children = item.children();
    if (!item.isDummy) {
      out.push(String(isUid ? item.uid : item.seq));
      if (children.length > 0) out.push(" ");
    }
    if (children.length === 1) {
      stack.push(children[0] as ThreadNode);
      continue;
    }
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push(")", children[i] as ThreadNode, "(");
    }
  }
  out.push("\r\n");
  return out.join("");
}
