/**
 * THREAD=REFERENCES (RFC 5256 3) as a table: header sections in mailbox
 * order (sequence numbers 1, 2, ...) and the `* THREAD` line they give.
 * The nasty cases: loops in References, a message that names itself,
 * missing parents (dummies pruned as step 3 says), duplicate Message-IDs,
 * base subjects with `Re: [fwd: ...]`, equal dates.
 */
import assert from "node:assert/strict";
import { referencedMessageOf } from "../../src/imap/thread_facts.ts";
import { formatThreads } from "../../src/imap/thread_format.ts";
import { ReferencesThreader } from "../../src/imap/thread_references.ts";

/** A header section: `id`, `refs` and `reply` are written in brackets; `at` is minutes past 10:00 UTC. */
function mail(
  subject: string,
  fields: { id?: string; refs?: string; reply?: string; at?: number; raw?: string } = {},
): string {
  const lines = [`Subject: ${subject}`];
  if (fields.at !== undefined) {
    lines.push(`Date: Mon, 1 Jan 2024 10:${String(fields.at).padStart(2, "0")}:00 +0000`);
  }
  if (fields.id !== undefined) lines.push(`Message-ID: <${fields.id}@x.test>`);
  if (fields.refs !== undefined) {
    lines.push(`References: ${fields.refs.split(" ").map((id) => `<${id}@x.test>`).join(" ")}`);
  }
  if (fields.reply !== undefined) lines.push(`In-Reply-To: <${fields.reply}@x.test>`);
  if (fields.raw !== undefined) lines.push(fields.raw);
  return lines.join("\r\n") + "\r\n\r\n";
}

/** The THREAD line for `headers` in mailbox order; INTERNALDATE 09:00 + seq minutes. */
function thread(headers: readonly string[], isUid = false): string {
  const threader = new ReferencesThreader();
  headers.forEach((header, i) => {
    const internalDateMs = Date.parse("2024-01-01T09:00:00Z") + (i + 1) * 60_000;
    threader.add(referencedMessageOf(header, { seq: i + 1, uid: 100 + i + 1, internalDateMs }));
  });
  return formatThreads(threader.threads(), isUid).replace(/\r\n$/, "");
}

const CASES: [string, string[], string][] = [
  ["no messages give an empty THREAD", [], "* THREAD"],
  ["one message is one thread", [mail("a", { id: "a", at: 0 })], "* THREAD (1)"],
  [
    "a reply is its parent's child",
    [mail("hello", { id: "a", at: 0 }), mail("Re: hello", { id: "b", refs: "a", at: 1 })],
    "* THREAD (1 2)",
  ],
  [
    // RFC 5256 4's example, in small: messages moved in, so later ones are parents of earlier.
    "a tree shaped like RFC 5256 4's example, later messages parents of earlier ones",
    [
      mail("other", { id: "m1", at: 0 }),
      mail("topic", { id: "m2", at: 10 }),
      mail("Re: topic", { id: "m3", refs: "m2 m5", at: 12 }),
      mail("Re: topic", { id: "m4", refs: "m2 m5", at: 14 }),
      mail("Re: topic", { id: "m5", refs: "m2", at: 11 }),
      mail("Re: topic", { id: "m6", refs: "m2 m5 m4", at: 15 }),
      mail("Re: topic", { id: "m7", refs: "m2 m5 m4 m6", at: 16 }),
      mail("Re: topic", { id: "m8", refs: "m2 m5 m3", at: 13 }),
    ],
    "* THREAD (1)(2 5 (3 8)(4 6 7))",
  ],
  [
    "References alone link the ancestors: a missing middle message is pruned",
    [mail("x", { id: "a", at: 0 }), mail("Re: x", { id: "c", refs: "a b", at: 2 })],
    "* THREAD (1 2)",
  ],
  [
    "a dummy with one child at the top is replaced by the child",
    [mail("x", { id: "b", refs: "gone", at: 0 })],
    "* THREAD (1)",
  ],
  [
    "a dummy with two children at the top stays: both under one missing parent",
    [
      mail("one", { id: "b", refs: "gone", at: 0 }),
      mail("two", { id: "c", refs: "gone", at: 1 }),
    ],
    "* THREAD ((1)(2))",
  ],
  [
    "a missing parent below the top is pruned, its children promoted to siblings",
    [
      mail("x", { id: "a", at: 0 }),
      mail("Re: x", { id: "c", refs: "a gone", at: 2 }),
      mail("Re: x", { id: "d", refs: "a gone", at: 1 }),
      mail("Re: x", { id: "e", refs: "a", at: 3 }),
    ],
    "* THREAD (1 (3)(2)(4))",
  ],
  [
    "In-Reply-To is the parent when there is no References field",
    [mail("x", { id: "a", at: 0 }), mail("y", { id: "b", reply: "a", at: 1 })],
    "* THREAD (1 2)",
  ],
  [
    "In-Reply-To is the parent when References holds no valid ID",
    [
      mail("x", { id: "a", at: 0 }),
      mail("y", { id: "b", reply: "a", raw: "References: <no-at-sign> garbage", at: 1 }),
    ],
    "* THREAD (1 2)",
  ],
  [
    "References wins over In-Reply-To",
    [
      mail("x", { id: "a", at: 0 }),
      mail("y", { id: "b", at: 1 }),
      mail("z", { id: "c", refs: "a", reply: "b", at: 2 }),
    ],
    "* THREAD (1 3)(2)",
  ],
  [
    'an In-Reply-To phrase is passed over, a quoted "<" in it included',
    [
      mail("x", { id: "a", at: 0 }),
      mail("y", {
        id: "b",
        raw: 'In-Reply-To: Your message of "Mon <q@x.test>" <a@x.test>',
        at: 1,
      }),
    ],
    "* THREAD (1 2)",
  ],
  [
    'a quoted Message-ID is the same ID unquoted (<"a.b"@x> is <a.b@x>)',
    [
      mail("x", { raw: 'Message-ID: <"a.b"@x.test>', at: 0 }),
      mail("y", { id: "b", refs: "a.b", at: 1 }),
    ],
    "* THREAD (1 2)",
  ],
  [
    "Message ID comparisons are case-sensitive",
    [mail("x", { id: "A", at: 0 }), mail("y", { id: "b", refs: "a", at: 1 })],
    "* THREAD (1)(2)",
  ],
  [
    "a loop between two messages' References: the first link made stands",
    [mail("x", { id: "a", refs: "b", at: 0 }), mail("y", { id: "b", refs: "a", at: 1 })],
    "* THREAD (2 1)",
  ],
  [
    "a loop inside one References field makes no link",
    [mail("x", { id: "c", refs: "p q p", at: 0 })],
    "* THREAD (1)",
  ],
  [
    "a message that names itself as its only reference has no parent",
    [mail("x", { id: "a", refs: "a", at: 0 }), mail("y", { id: "b", refs: "a", at: 1 })],
    "* THREAD (1 2)",
  ],
  [
    // Step 1.B breaks the link 1.A made (a -> b) before it tries b -> b, which would loop.
    "a message whose last reference is itself loses the parent its References gave",
    [mail("x", { id: "a", at: 0 }), mail("y", { id: "b", refs: "a b", at: 1 })],
    "* THREAD (1)(2)",
  ],
  [
    // Step 1.A makes the first reference (itself) the parent of the second; 1.B's link of the
    // last reference above it would then close a loop, so it is not made.
    "a message that names itself first becomes its reference's parent",
    [mail("x", { id: "a", at: 0 }), mail("y", { id: "b", refs: "b a", at: 1 })],
    "* THREAD (2 1)",
  ],
  [
    "a duplicate Message-ID belongs to the first message; the second is on its own",
    [
      mail("one", { id: "a", at: 0 }),
      mail("two", { id: "a", at: 1 }),
      mail("Re: three", { id: "c", refs: "a", at: 2 }),
    ],
    "* THREAD (1 3)(2)",
  ],
  [
    "a duplicate that comes after a dummy was made for its ID: the first fills it",
    [
      mail("one", { id: "c", refs: "a", at: 2 }),
      mail("two", { id: "a", at: 0 }),
      mail("three", { id: "a", at: 1 }),
    ],
    "* THREAD (2 1)(3)",
  ],
  [
    "messages without a Message-ID are threads of their own",
    [mail("one", { at: 0 }), mail("two", { refs: "gone-x", at: 1 })],
    "* THREAD (1)(2)",
  ],
  [
    "a References field that is truncated keeps the existing link (step 1.A)",
    [
      mail("x", { id: "a", at: 0 }),
      mail("y", { id: "b", refs: "a", at: 1 }),
      mail("z", { id: "c", refs: "a b", at: 2 }),
      // Claims b's parent is z: b already has a parent, which stays.
      mail("w", { id: "d", refs: "z b", at: 3 }),
    ],
    "* THREAD (1 2 (3)(4))",
  ],
  [
    "siblings by sent date, equal dates by sequence number",
    [
      mail("x", { id: "a", at: 0 }),
      mail("Re: x", { id: "b", refs: "a", at: 5 }),
      mail("Re: x", { id: "c", refs: "a", at: 1 }),
      mail("Re: x", { id: "d", refs: "a", at: 5 }),
    ],
    "* THREAD (1 (3)(2)(4))",
  ],
  [
    "threads by their top's sent date, equal dates by sequence number",
    [mail("p", { id: "p", at: 9 }), mail("q", { id: "q", at: 3 }), mail("r", { id: "r", at: 3 })],
    "* THREAD (2)(3)(1)",
  ],
  [
    "no Date field: the INTERNALDATE is the sent date",
    [mail("p", { id: "p", at: 0 }), mail("q", { id: "q" })],
    "* THREAD (2)(1)",
  ],
  [
    "step 5: a reply without references joins the original of its subject",
    [mail("hello", { id: "a", at: 0 }), mail("Re: hello", { id: "b", at: 1 })],
    "* THREAD (1 2)",
  ],
  [
    "step 5: an original that comes later takes the thread from an earlier reply",
    [mail("Re: hello", { id: "a", at: 0 }), mail("hello", { id: "b", at: 1 })],
    "* THREAD (2 1)",
  ],
  [
    "step 5: Re: [fwd: ...] and (fwd) are replies of the base subject",
    [
      mail("Re: [fwd: hello]", { id: "a", at: 0 }),
      mail("HELLO", { id: "b", at: 1 }),
      mail("hello (fwd)", { id: "c", at: 2 }),
    ],
    "* THREAD (2 (1)(3))",
  ],
  [
    "step 5: two originals of one subject go under a new dummy",
    [mail("hello", { id: "a", at: 0 }), mail("hello", { id: "b", at: 1 })],
    "* THREAD ((1)(2))",
  ],
  [
    "step 5: two replies of one subject go under a new dummy",
    [mail("Re: hello", { id: "a", at: 0 }), mail("re: Hello", { id: "b", at: 1 })],
    "* THREAD ((1)(2))",
  ],
  [
    "step 5: a list tag makes no reply",
    [mail("[list] hello", { id: "a", at: 0 }), mail("hello", { id: "b", at: 1 })],
    "* THREAD ((1)(2))",
  ],
  [
    "step 5: a dummy at the top takes in a message of its subject",
    [
      mail("Re: x", { id: "b", refs: "gone", at: 1 }),
      mail("Re: x", { id: "c", refs: "gone", at: 2 }),
      mail("x", { id: "d", at: 0 }),
    ],
    "* THREAD ((3)(1)(2))",
  ],
  [
    "step 5: two dummies of one subject become one",
    [
      mail("Re: x", { id: "b", refs: "gone1", at: 1 }),
      mail("Re: x", { id: "c", refs: "gone1", at: 2 }),
      mail("Re: x", { id: "d", refs: "gone2", at: 3 }),
      mail("Re: x", { id: "e", refs: "gone2", at: 0 }),
    ],
    "* THREAD ((4)(1)(2)(3))",
  ],
  [
    "step 3 before step 5: a reply promoted from a missing parent joins its original",
    [mail("Re: x", { id: "b", refs: "gone", at: 1 }), mail("x", { id: "a", at: 0 })],
    "* THREAD (2 1)",
  ],
  [
    "step 4: a dummy's subject is its first child's by date, not by number",
    [
      mail("Re: y", { id: "b", refs: "gone", at: 5 }),
      mail("Re: x", { id: "c", refs: "gone", at: 1 }),
      mail("x", { id: "a", at: 0 }),
    ],
    "* THREAD ((3)(2)(1))",
  ],
  [
    "step 5: empty subjects are not gathered",
    [mail("", { id: "a", at: 0 }), mail("Re:", { id: "b", at: 1 })],
    "* THREAD (1)(2)",
  ],
  [
    "step 5 looks at the top of a thread only",
    [
      mail("x", { id: "a", at: 0 }),
      mail("other", { id: "b", refs: "a", at: 1 }),
      mail("other", { id: "c", at: 2 }),
    ],
    "* THREAD (1 2)(3)",
  ],
  [
    // Step 5.B: a later original does not take the table from the first, so a reply
    // between them joins the first, and the second original then shares a dummy with it.
    "step 5: the first original of a subject keeps the table against a later one",
    [
      mail("x", { id: "a", at: 0 }),
      mail("Re: x", { id: "b", at: 1 }),
      mail("x", { id: "c", at: 2 }),
    ],
    "* THREAD ((1 2)(3))",
  ],
  [
    // Step 5 walks the top level in the date order step 4 gave it, not in mailbox order:
    // the earliest original holds the table, the other and the reply join its dummy.
    "step 5 takes the top level in sent date order, not sequence order",
    [
      mail("x", { id: "a", at: 5 }),
      mail("Re: x", { id: "b", at: 6 }),
      mail("x", { id: "c", at: 0 }),
    ],
    "* THREAD ((3)(1)(2))",
  ],
];

for (const [name, headers, expected] of CASES) {
  Deno.test(`REFERENCES: ${name}`, () => {
    assert.equal(thread(headers), expected);
  });
}

Deno.test("REFERENCES: UID THREAD answers UIDs in the same shape", () => {
  const headers = [
    mail("hello", { id: "a", at: 0 }),
    mail("Re: hello", { id: "b", refs: "a", at: 2 }),
    mail("Re: hello", { id: "c", refs: "a", at: 1 }),
  ];
  assert.equal(thread(headers), "* THREAD (1 (3)(2))");
  assert.equal(thread(headers, true), "* THREAD (101 (103)(102))");
});

Deno.test("REFERENCES: a thread 100,000 replies deep is one flat list, no stack overflow", () => {
  const count = 100_000;
  const headers = Array.from({ length: count }, (_, i) =>
    // Newest first: each message answers the next one in the mailbox.
    mail(`x`, { id: `m${i}`, reply: i + 1 < count ? `m${i + 1}` : undefined, at: 0 }));
  const line = thread(headers);
  const numbers = line.slice("* THREAD (".length, -1).split(" ").map(Number);
  assert.equal(numbers.length, count);
  // Equal dates: siblings would go by number, but here each has one child: the chain as linked.
  assert.deepEqual(numbers, Array.from({ length: count }, (_, i) => count - i));
});

Deno.test("REFERENCES: 50,000 nested branches are written without a stack overflow", () => {
  // Each message has two replies: one that ends there and one that goes on.
  const headers: string[] = [mail("x", { id: "m0", at: 0 })];
  for (let i = 1; i <= 50_000; i++) {
    headers.push(mail("x", { id: `m${i}`, reply: `m${i - 1}`, at: 2 }));
    headers.push(mail("x", { id: `leaf${i}`, reply: `m${i - 1}`, at: 1 }));
  }
  const line = thread(headers);
  assert.ok(line.startsWith("* THREAD (1 (3)(2 (5)(4 (7)(6 "), line.slice(0, 60));
  assert.equal(line.split("(").length, line.split(")").length);
  assert.equal(line.match(/\d+/g)!.length, headers.length);
});
