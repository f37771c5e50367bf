/**
 * thread-data of the strict IMAP response checker (RFC 5256 4), read into
 * the tree it stands for:
 *
 *   thread-data    = "THREAD" [SP 1*thread-list]
 *   thread-list    = "(" (thread-members / thread-nested) ")"
 *   thread-members = nz-number *(SP nz-number) [SP thread-nested]
 *   thread-nested  = 2*thread-list
 */
import type { Scanner } from "./scanner.ts";

/** A message and its children; `number` null for a thread-list that is thread-nested alone. */
export interface ThreadTree {
  number: number | null;
  children: ThreadTree[];
}

/** What follows "THREAD": no thread, or SP and one or more thread-lists. */
export function threadData(s: Scanner): ThreadTree[] {
  const threads: ThreadTree[] = [];
  if (!s.acceptExact(" ")) return threads;
  threads.push(threadList(s));
  while (s.peek() === "(") threads.push(threadList(s));
  return threads;
}

function threadList(s: Scanner): ThreadTree {
  s.expect("(", '"(" of thread-list');
  const tree = s.peek() === "(" ? { number: null, children: threadNested(s) } : threadMembers(s);
  s.expect(")", '")" of thread-list');
  return tree;
}

/** Numbers in a row, each the child of the one before; the last may branch. */
function threadMembers(s: Scanner): ThreadTree {
  const top: ThreadTree = { number: s.nzNumber("nz-number of thread-members"), children: [] };
  let last = top;
  while (s.acceptExact(" ")) {
    if (s.peek() === "(") {
      last.children = threadNested(s);
      break;
    }
    const next: ThreadTree = { number: s.nzNumber("nz-number of thread-members"), children: [] };
    last.children = [next];
    last = next;
  }
  return top;
}

function threadNested(s: Scanner): ThreadTree[] {
  const lists: ThreadTree[] = [];
  while (s.peek() === "(") lists.push(threadList(s));
  if (lists.length < 2) s.fail("thread-nested (2*thread-list)");
  return lists;
}
