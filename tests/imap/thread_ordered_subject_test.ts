/**
 * THREAD=ORDEREDSUBJECT (RFC 5256 3) as a table, and the shape of the
 * `* THREAD` line (RFC 5256 4) for trees built by hand.
 */
import assert from "node:assert/strict";
import { threadMessageOf } from "../../src/imap/thread_facts.ts";
import { formatThreads } from "../../src/imap/thread_format.ts";
import { orderedSubjectThreads } from "../../src/imap/thread_ordered_subject.ts";
import { link, ThreadNode } from "../../src/imap/thread_tree.ts";

/** [Subject, minutes past 10:00 UTC or null for no Date field] in mailbox order. */
function thread(messages: [string, number | null][]): string {
  const facts = messages.map(([subject, at], i) => {
    const date = at === null ? "" : `Date: 1 Jan 2024 10:${String(at).padStart(2, "0")} +0000\r\n`;
    const internalDateMs = Date.parse("2024-01-01T09:00:00Z") + (i + 1) * 60_000;
    return threadMessageOf(`Subject: ${subject}\r\n${date}\r\n`, {
      seq: i + 1,
      uid: i + 1,
      internalDateMs,
    });
  });
  return formatThreads(orderedSubjectThreads(facts), false).replace(/\r\n$/, "");
}

const CASES: [string, [string, number | null][], string][] = [
  ["no messages", [], "* THREAD"],
  ["one message", [["a", 0]], "* THREAD (1)"],
  ["two of a subject: the second is the first's child", [["a", 0], ["Re: a", 1]], "* THREAD (1 2)"],
  [
    "three of a subject: the later ones are all children of the first, none grandchildren",
    [["a", 0], ["Re: a", 2], ["Re: Re: a", 1]],
    "* THREAD (1 (3)(2))",
  ],
  [
    "the first by sent date heads the thread, whatever its subject's prefix",
    [["a", 5], ["Re: a", 1]],
    "* THREAD (2 1)",
  ],
  [
    "threads by the sent date of their first message",
    [["b", 3], ["a", 4], ["b", 5], ["c", 1]],
    "* THREAD (4)(1 3)(2)",
  ],
  [
    "base subjects compare without case, prefixes and list tags",
    [["Hello", 0], ["[list] RE: hello", 1], ["[fwd: HELLO]", 2]],
    "* THREAD (1 (2)(3))",
  ],
  ["equal dates go by sequence number", [["a", 1], ["a", 1], ["b", 1]], "* THREAD (1 2)(3)"],
  ["no Date field: the INTERNALDATE (09:0n)", [["a", 0], ["b", null]], "* THREAD (2)(1)"],
  ["empty base subjects are one subject", [["", 0], ["Re:", 1], ["x", 2]], "* THREAD (1 2)(3)"],
];
for (const [name, messages, expected] of CASES) {
  Deno.test(`ORDEREDSUBJECT: ${name}`, () => {
    assert.equal(thread(messages), expected);
  });
}

/** A node for message `n` (UID n + 100). */
const node = (n: number) =>
  new ThreadNode().fill({ seq: n, uid: n + 100, sentMs: n, subject: "", isReplyOrForward: false });
/** Makes `children` the children of `parent`, in order; returns `parent`. */
function tree(parent: ThreadNode, ...children: ThreadNode[]): ThreadNode {
  for (const child of children) link(parent, child);
  return parent;
}

Deno.test("formatThreads() writes RFC 5256 4's example (2)(3 6 (4 23)(44 7 96))", () => {
  const threads = [
    node(2),
    tree(node(3), tree(node(6), tree(node(4), node(23)), tree(node(44), tree(node(7), node(96))))),
  ];
  assert.equal(formatThreads(threads, false), "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
  assert.equal(
    formatThreads(threads, true),
    "* THREAD (102)(103 106 (104 123)(144 107 196))\r\n",
  );
});

Deno.test("formatThreads() writes a dummy at the top as its children's lists alone", () => {
  const threads = [tree(new ThreadNode(), node(3), tree(node(5), node(6))), node(7)];
  assert.equal(formatThreads(threads, false), "* THREAD ((3)(5 6))(7)\r\n");
});

Deno.test("formatThreads() writes no threads as a bare THREAD", () => {
  assert.equal(formatThreads([], false), "* THREAD\r\n");
});
