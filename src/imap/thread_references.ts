/**
 * THREAD=REFERENCES (RFC 5256 3): messages grouped by who answers whom,
 * from their Message-ID, References and In-Reply-To fields, then by base
 * subject. Pure. Messages are added one at a time in sequence order and
 * linked at once (step 1), so that nothing but the tree is kept of them:
 * no reference list outlives its message.
 */
import {
  compareByDate,
  descendantsFirst,
  link,
  sortChildren,
  type ThreadMessage,
  ThreadNode,
  unlink,
  wouldLoop,
} from "./thread_tree.ts";

/** A searched message with the IDs step 1 links it by (message_ids.ts). */
export interface ReferencedMessage extends ThreadMessage {
  /** Its normalized Message ID, null when it has no valid one. */
  messageId: string | null;
  /** Its references, in order: References' IDs, or In-Reply-To's first. */
  references: readonly string[];
}

/** Builds REFERENCES threads: `add` each searched message in sequence order, then `threads`. */
export class ReferencesThreader {
  /** Every node made: messages and dummies, in the order made. */
  #nodes: ThreadNode[] = [];
  #byId = new Map<string, ThreadNode>();

  /** Step 1 for one message: 1.A links its references, 1.B links it under the last. */
  add(message: ReferencedMessage): void {
    const self = this.#nodeFor(message.messageId).fill(message);
    // (1.A) Each reference the parent of the next, unless the next already has one (the
    // References field may be cut short) or the link would close a loop.
    let last: ThreadNode | null = null;
    for (const id of message.references) {
      const node = this.#byId.get(id) ?? this.#dummy(id);
      if (last !== null && node.parent === null && !wouldLoop(last, node)) link(last, node);
      last = node;
    }
    // (1.B) The last reference is the parent, replacing any parent 1.A gave: the link is
    // broken first and made again only if it closes no loop (a message that names itself
    // last is left without a parent). No references: no parent.
    if (self.parent === last && last !== null) return;
    unlink(self);
    if (last !== null && !wouldLoop(last, self)) link(last, self);
  }

  /**
   * The message's node: a dummy its Message ID made earlier becomes it; a
   * message without a valid ID, or whose ID an earlier (lower sequence
   * number) message has, gets a node of its own that no reference finds
   * (RFC 5256 3: "assign a unique Message ID").
   */
  #nodeFor(messageId: string | null): ThreadNode {
    const known = messageId === null ? undefined : this.#byId.get(messageId);
    if (known !== undefined && known.isDummy) return known;
    const node = new ThreadNode();
    this.#nodes.push(node);
    if (messageId !== null && known === undefined) this.#byId.set(messageId, node);
    return node;
  }

  /** A dummy for an ID no message has yet (RFC 5256 3, step 1.A). */
  #dummy(id: string): ThreadNode {
    const node = new ThreadNode();
    this.#nodes.push(node);
    this.#byId.set(id, node);
    return node;
  }

  /** Steps 2 to 6: the threads, in order, each its top node. */
  threads(): ThreadNode[] {
    // (2) The nodes without a parent are the root's children.
    let tops = this.#nodes.filter((node) => node.parent === null);
    this.#byId.clear();
    this.#nodes = [];
    tops = pruneDummies(tops);
    // (4) Top level by sent date; a dummy by its first child, once its children are sorted.
    for (const top of tops) if (top.isDummy) sortChildren(top);
    tops.sort(compareByDate);
    tops = gatherBySubject(tops);
    // (6) Every set of siblings by sent date, the deepest first, the top level last.
    for (const node of descendantsFirst(tops)) sortChildren(node);
    return tops.sort(compareByDate);
  }
}

/**
 * Step 3: a dummy without children goes; one with children goes too, its
 * children taking its place among its siblings, except at the top level,
 * where it stays when it has several (they would each become a thread of
 * their own). Below the top level no dummy is left.
 */
function pruneDummies(tops: ThreadNode[]): ThreadNode[] {
  // Deepest first: a dummy's children are final (no dummy among them) when it is looked at.
  for (const node of descendantsFirst(tops)) {
    if (!node.isDummy || node.parent === null) continue;
    const parent = node.parent;
    for (const child of node.children()) {
      unlink(child);
      link(parent, child);
    }
    unlink(node);
  }
  const kept: ThreadNode[] = [];
  for (const top of tops) {
    if (!top.isDummy || (top.firstChild !== null && top.firstChild !== top.lastChild)) {
      kept.push(top);
    } else if (top.firstChild !== null) {
      const only = top.firstChild;
      unlink(only);
      kept.push(only);
    }
  }
  return kept;
}

/** The subject a top-level node's thread goes by: its own, or a dummy's first child's. */
function threadSubject(top: ThreadNode): string {
  return top.isDummy ? top.firstChild?.subject ?? "" : top.subject;
}

/**
 * Step 5: top-level threads with the same base subject gathered into one.
 * (A, B) The subject table holds, per subject, the thread the others join:
 * the first in date order, replaced by a dummy, or by an original where it
 * holds a reply or forward. (C) Each other thread joins it.
 */
function gatherBySubject(tops: ThreadNode[]): ThreadNode[] {
  const table = new Map<string, ThreadNode>();
  for (const top of tops) {
    const subject = threadSubject(top);
    if (subject === "") continue;
    const held = table.get(subject);
    const isBetter = held !== undefined && !held.isDummy &&
      (top.isDummy || (held.isReplyOrForward && !top.isReplyOrForward));
    if (held === undefined || isBetter) table.set(subject, top);
  }
  const made: ThreadNode[] = [];
  for (const top of tops) {
    // A top that an earlier merge put under another (or removed) is no thread of its own.
    if (top.parent !== null || (top.isDummy && top.firstChild === null)) continue;
    const subject = threadSubject(top);
    const held = subject === "" ? undefined : table.get(subject);
    if (held === undefined || held === top) continue;
    if (held.isDummy && top.isDummy) {
      // Both dummies: the children of both become siblings; this dummy goes.
      for (const child of top.children()) {
        unlink(child);
        link(held, child);
      }
    } else if (held.isDummy || (top.isReplyOrForward && !held.isReplyOrForward)) {
      link(held, top);
    } else {
      // Neither is the other's original: both under a new dummy, which the table now holds.
      const dummy = new ThreadNode();
      link(dummy, held);
      link(dummy, top);
      table.set(subject, dummy);
      made.push(dummy);
    }
  }
  const joined = [...tops, ...made];
  return joined.filter((top) => top.parent === null && (!top.isDummy || top.firstChild !== null));
}
