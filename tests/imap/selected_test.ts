/** SelectedMailbox: the EXPUNGE, FETCH and EXISTS lines a session's waiting changes become. */
import assert from "node:assert/strict";
import { SelectedMailbox } from "../../src/imap/selected.ts";
import type { Mailbox, MailboxChange, MessageInfo } from "../../src/mailbox/mod.ts";
import { Arrivals } from "../../src/mailbox/arrivals.ts";

/** A stand-in for a shared Mailbox: messages by UID, and a way to send it changes. */
function fakeMailbox(uids: number[]) {
  const messages = new Map<number, MessageInfo>();
  const add = (uid: number) =>
    messages.set(uid, { uid, flags: [], keywords: [], isNew: false } as unknown as MessageInfo);
  for (const uid of uids) add(uid);
  let listener: (change: MailboxChange) => void = () => {};
  const mailbox = {
    keywords: [],
    get: (uid: number) => messages.get(uid),
    onChange: (callback: typeof listener) => {
      listener = callback;
      return () => {};
    },
    store: () => Promise.resolve([]),
    arrivals: new Arrivals((uid) => messages.has(uid)),
  } as unknown as Mailbox;
  const emit = (change: MailboxChange) => listener(change);
  return { mailbox, messages, add, emit };
}

function select(uids: number[]) {
  const fake = fakeMailbox(uids);
  const selected = new SelectedMailbox(fake.mailbox, {
    isReadOnly: false,
    messages: uids.map((uid) => fake.messages.get(uid)!),
    origin: null,
  });
  return { ...fake, selected };
}

const EXPUNGE_CASES: { name: string; uids: number[]; gone: number[]; lines: string[] }[] = [
  { name: "one in the middle", uids: [1, 2, 3], gone: [2], lines: ["* 2 EXPUNGE\r\n"] },
  {
    name: "several, announced highest first so each number holds when it is read",
    uids: [10, 20, 30, 40, 50],
    gone: [20, 50, 30],
    lines: ["* 5 EXPUNGE\r\n", "* 3 EXPUNGE\r\n", "* 2 EXPUNGE\r\n"],
  },
  {
    name: "all of them",
    uids: [1, 2],
    gone: [1, 2],
    lines: ["* 2 EXPUNGE\r\n", "* 1 EXPUNGE\r\n"],
  },
  { name: "a UID the session never saw: nothing", uids: [1, 2], gone: [7], lines: [] },
];

for (const { name, uids, gone, lines } of EXPUNGE_CASES) {
  Deno.test(`SelectedMailbox announces expunges: ${name}`, () => {
    const { selected, emit } = select(uids);
    emit({ kind: "expunged", uids: gone, origin: null } as MailboxChange);
    assert.deepEqual(selected.takeUpdates({ mayExpunge: true }), lines);
    assert.deepEqual(selected.uids(), uids.filter((uid) => !gone.includes(uid)));
  });
}

Deno.test("SelectedMailbox holds expunges back while it may not send them, and keeps the view", () => {
  const { selected, emit } = select([1, 2, 3]);
  emit({ kind: "expunged", uids: [2], origin: null } as MailboxChange);
  assert.deepEqual(selected.takeUpdates({ mayExpunge: false }), []);
  assert.deepEqual(selected.uids(), [1, 2, 3]);
  assert.deepEqual(selected.takeUpdates({ mayExpunge: true }), ["* 2 EXPUNGE\r\n"]);
});

Deno.test("SelectedMailbox takes 200,000 new messages at once (an archive dropped into the Maildir)", () => {
  const { selected, emit, messages, add } = select([1]);
  for (let uid = 2; uid <= 200_001; uid++) add(uid);
  const fresh = [...messages.values()].filter((message) => message.uid > 1);
  emit({ kind: "added", messages: fresh } as MailboxChange);
  assert.deepEqual(selected.takeUpdates({ mayExpunge: true }), [
    "* 200001 EXISTS\r\n",
    "* 0 RECENT\r\n",
  ]);
  assert.equal(selected.count, 200_001);
});

Deno.test("SelectedMailbox forgets new messages expunged before it told of them", () => {
  const { selected, emit, add, messages } = select([1]);
  for (const uid of [2, 3, 4]) add(uid);
  emit({ kind: "added", messages: [2, 3, 4].map((uid) => messages.get(uid)!) } as MailboxChange);
  messages.delete(3);
  emit({ kind: "expunged", uids: [3], origin: null } as MailboxChange);
  assert.deepEqual(selected.takeUpdates({ mayExpunge: true }), [
    "* 3 EXISTS\r\n",
    "* 0 RECENT\r\n",
  ]);
  assert.deepEqual(selected.uids(), [1, 2, 4]);
});

Deno.test("SelectedMailbox counts an expunged \\Recent message out of the next RECENT", () => {
  const { selected, emit, add, messages } = select([]);
  // Messages in new/ are \Recent to the first session that sees them (RFC 3501 2.3.2).
  for (const uid of [1, 2]) {
    add(uid);
    (messages.get(uid) as { isNew: boolean }).isNew = true;
  }
  emit({ kind: "added", messages: [1, 2].map((uid) => messages.get(uid)!) } as MailboxChange);
  assert.deepEqual(selected.takeUpdates({ mayExpunge: true }), [
    "* 2 EXISTS\r\n",
    "* 2 RECENT\r\n",
  ]);
  messages.delete(1);
  emit({ kind: "expunged", uids: [1], origin: null } as MailboxChange);
  add(3);
  (messages.get(3) as { isNew: boolean }).isNew = true;
  emit({ kind: "added", messages: [messages.get(3)!] } as MailboxChange);
  // RFC 3501 7.3.2: RECENT is how many messages have \Recent now; the expunged one has gone.
  assert.deepEqual(selected.takeUpdates({ mayExpunge: true }), [
    "* 1 EXPUNGE\r\n",
    "* 2 EXISTS\r\n",
    "* 2 RECENT\r\n",
  ]);
  assert.equal(selected.recentCount, 2);
});
