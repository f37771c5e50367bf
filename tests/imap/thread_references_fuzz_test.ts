/**
 * THREAD=REFERENCES over fixed-seed random mailboxes: Message-IDs drawn
 * from a small pool (duplicates), References naming any ID (the message
 * itself, later messages, missing ones, loops), few subjects with and
 * without "Re:", equal dates. Whatever the mess, the answer must parse
 * under RFC 5256 4's grammar, hold every searched message exactly once,
 * have siblings in sent-date order (then by number), and keep dummies at
 * the top only (step 3). ORDEREDSUBJECT is held to the same, and to its
 * two levels.
 */
import assert from "node:assert/strict";
import { referencedMessageOf, threadMessageOf } from "../../src/imap/thread_facts.ts";
import { formatThreads } from "../../src/imap/thread_format.ts";
import { orderedSubjectThreads } from "../../src/imap/thread_ordered_subject.ts";
import { ReferencesThreader } from "../../src/imap/thread_references.ts";
import { parseResponse, type ThreadTree } from "./grammar/responses.ts";
import { seededRandom as random } from "../seeded_random.ts";

const SUBJECTS = ["a", "Re: a", "b", "Fwd: b", "[l] a", "", "Re:", "a (fwd)"];

/** A random mailbox of `count` header sections and each message's sent minute. */
function mailbox(
  rnd: (n: number) => number,
  count: number,
): { headers: string[]; minutes: number[] } {
  const ids = Math.max(2, Math.floor(count * 0.8));
  const headers: string[] = [];
  const minutes: number[] = [];
  for (let i = 0; i < count; i++) {
    const minute = rnd(6);
    minutes.push(minute);
    const lines = [
      `Subject: ${SUBJECTS[rnd(SUBJECTS.length)]}`,
      `Date: 1 Jan 2024 10:0${minute} +0000`,
    ];
    if (rnd(8) > 0) lines.push(`Message-ID: <m${rnd(ids)}@x>`);
    const refs = Array.from({ length: rnd(5) }, () => `<m${rnd(ids + 3)}@x>`);
    if (refs.length > 0) lines.push(`References: ${refs.join(" ")}`);
    if (rnd(3) === 0) lines.push(`In-Reply-To: <m${rnd(ids + 3)}@x>`);
    headers.push(lines.join("\r\n") + "\r\n\r\n");
  }
  return { headers, minutes };
}

/** Checks the invariants of one answer; returns its trees. */
function check(line: string, minutes: number[], label: string): ThreadTree[] {
  const response = parseResponse(line);
  assert.equal(response.kind, "thread", label);
  const threads = (response as { threads: ThreadTree[] }).threads;
  const seen: number[] = [];
  // The (sent minute, number) a list sorts by: its message, or a dummy's first child's.
  const key = (tree: ThreadTree): [number, number] => {
    const first = tree.number === null ? tree.children[0]! : tree;
    return [minutes[first.number! - 1]!, first.number!];
  };
  const inOrder = (trees: ThreadTree[]) => {
    for (let i = 1; i < trees.length; i++) {
      const [a, b] = [key(trees[i - 1]!), key(trees[i]!)];
      assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]), `${label}: siblings out of order`);
    }
  };
  inOrder(threads);
  const stack = threads.map((tree) => ({ tree, isTop: true }));
  while (stack.length > 0) {
    const { tree, isTop } = stack.pop()!;
    if (tree.number === null) assert.ok(isTop, `${label}: a dummy below the top`);
    else seen.push(tree.number);
    inOrder(tree.children);
    for (const child of tree.children) stack.push({ tree: child, isTop: false });
  }
  assert.deepEqual(seen.sort((a, b) => a - b), minutes.map((_, i) => i + 1), label);
  return threads;
}

Deno.test("REFERENCES over 2,000 random mailboxes keeps every message once, in order", () => {
  const rnd = random(5256);
  for (let round = 0; round < 2000; round++) {
    const { headers, minutes } = mailbox(rnd, 1 + rnd(12));
    const threader = new ReferencesThreader();
    headers.forEach((header, i) => {
      threader.add(referencedMessageOf(header, { seq: i + 1, uid: i + 1, internalDateMs: 0 }));
    });
    const line = formatThreads(threader.threads(), false);
    check(line, minutes, `round ${round}: ${line.trim()}\n${headers.join("--\n")}`);
  }
});

Deno.test("ORDEREDSUBJECT over 500 random mailboxes: every message once, two levels", () => {
  const rnd = random(3);
  for (let round = 0; round < 500; round++) {
    const { headers, minutes } = mailbox(rnd, 1 + rnd(12));
    const messages = headers.map((header, i) =>
      threadMessageOf(header, { seq: i + 1, uid: i + 1, internalDateMs: 0 })
    );
    const line = formatThreads(orderedSubjectThreads(messages), false);
    for (const tree of check(line, minutes, `round ${round}: ${line.trim()}`)) {
      assert.ok(tree.number !== null, "no dummy in ORDEREDSUBJECT");
      // Later messages are all children of the first: none has a child of its own.
      for (const child of tree.children) assert.equal(child.children.length, 0, line);
    }
  }
});
