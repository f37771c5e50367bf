/**
 * The tree THREAD builds (RFC 5256 3): messages and dummies linked as
 * parent and children, siblings in a doubly linked list so that a link is
 * made or broken in constant time whatever the number of siblings. Every
 * walk here is a loop, never a recursion: a thread of 100,000 replies in a
 * row is 100,000 levels deep.
 */

/** What THREAD knows of one searched message. */
export interface ThreadMessage {
  seq: number;
  uid: number;
  /** The sent date of RFC 5256 2.2, ms since 1970 UTC. */
  sentMs: number;
  /** The base subject as compared (i;ascii-casemap key, see sort_criteria.ts). */
  subject: string;
  /** Whether taking the base subject removed a reply or forward marker (base_subject.ts). */
  isReplyOrForward: boolean;
}

/** A message, or a dummy (seq 0) that stands for a message not searched or not there. */
export class ThreadNode implements ThreadMessage {
  seq = 0;
  uid = 0;
  sentMs = 0;
  subject = "";
  isReplyOrForward = false;
  parent: ThreadNode | null = null;
  firstChild: ThreadNode | null = null;
  lastChild: ThreadNode | null = null;
  next: ThreadNode | null = null;
  previous: ThreadNode | null = null;

  get isDummy(): boolean {
    return this.seq === 0;
  }

  /** Takes `message`'s facts: a dummy becomes the message. */
  fill(message: ThreadMessage): this {
    this.seq = message.seq;
    this.uid = message.uid;
    this.sentMs = message.sentMs;
    this.subject = message.subject;
    this.isReplyOrForward = message.isReplyOrForward;
    return this;
  }

  /** The children, in order (a copy: the caller may relink them). */
  children(): ThreadNode[] {
    const out: ThreadNode[] = [];
    for (let child = this.firstChild; child !== null; child = child.next) out.push(child);
    return out;
  }
}

/** Makes `child` (which has no parent) the last child of `parent`. */
export function link(parent: ThreadNode, child: ThreadNode): void {
  child.parent = parent;
  child.previous = parent.lastChild;
  child.next = null;
  if (parent.lastChild === null) parent.firstChild = child;
  else parent.lastChild.next = child;
  parent.lastChild = child;
}

/** Takes `child` from its parent's children (if it has a parent). */
export function unlink(child: ThreadNode): void {
  const parent = child.parent;
  if (parent === null) return;
  if (child.previous === null) parent.firstChild = child.next;
  else child.previous.next = child.next;
  if (child.next === null) parent.lastChild = child.previous;
  else child.next.previous = child.previous;
  child.parent = child.next = child.previous = null;
}

/**
 * Whether making `parent` the parent of `child` would close a loop (RFC
 * 5256 3, step 1.A: "make sure that A is not a descendent of B"). A child
 * without children has no descendant: no walk up is needed for it, which
 * is every new message of a mailbox read in the order replies arrive.
 */
export function wouldLoop(parent: ThreadNode, child: ThreadNode): boolean {
  if (child.firstChild === null) return parent === child;
  for (let node: ThreadNode | null = parent; node !== null; node = node.parent) {
    if (node === child) return true;
  }
  return false;
}

/** The node whose date a node sorts by: itself, or for a dummy its first child (RFC 5256 3). */
function dated(node: ThreadNode): ThreadNode {
  let at = node;
  while (at.isDummy && at.firstChild !== null) at = at.firstChild;
  return at;
}

/** RFC 5256 2.2: by sent date, equal dates by sequence number. */
export function compareByDate(a: ThreadNode, b: ThreadNode): number {
  const x = dated(a);
  const y = dated(b);
  return x.sentMs - y.sentMs || x.seq - y.seq;
}

/** Puts `parent`'s children in date order. */
export function sortChildren(parent: ThreadNode): void {
  if (parent.firstChild === null || parent.firstChild === parent.lastChild) return;
  const children = parent.children().sort(compareByDate);
  parent.firstChild = parent.lastChild = null;
  for (const child of children) link(parent, child);
}

/**
 * Every node under `tops` (them included), each after all its
 * descendants: a pre-order walk, reversed.
 */
export function descendantsFirst(tops: readonly ThreadNode[]): ThreadNode[] {
  const order: ThreadNode[] = [];
  const stack = [...tops];
  while (stack.length > 0) {
    const node = stack.pop() as ThreadNode;
    order.push(node);
    for (let child = node.firstChild; child !== null; child = child.next) stack.push(child);
  }
  return order.reverse();
}
