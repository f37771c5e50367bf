/** \Recent claims: one session each, and forgotten once no session could claim the message again. */
import assert from "node:assert/strict";
import { claimCount, claimRecent, peekRecent } from "../../src/imap/recent.ts";
import type { Mailbox, MessageInfo } from "../../src/mailbox/mod.ts";
import { Arrivals } from "../../src/mailbox/arrivals.ts";

/** A stand-in for a shared Mailbox: messages by UID, each in new/ or not. */
function fakeMailbox() {
  const messages = new Map<number, MessageInfo>();
  const put = (uid: number, isNew: boolean) => {
    const message = { uid, flags: [], keywords: [], isNew } as unknown as MessageInfo;
    messages.set(uid, message);
    return message;
  };
  const arrivals = new Arrivals((uid) => messages.has(uid));
  const mailbox = { get: (uid: number) => messages.get(uid), arrivals } as unknown as Mailbox;
  return { mailbox, messages, put };
}

Deno.test("a new message is recent in the first session that claims it and in no later one", () => {
  const { mailbox, put } = fakeMailbox();
  const message = put(1, true);
  assert.deepEqual(claimRecent(mailbox, [message]), [1]);
  assert.deepEqual(claimRecent(mailbox, [message]), []);
  assert.deepEqual(peekRecent(mailbox, [message]), []);
});

Deno.test("a mailbox kept selected while 10,000 messages arrive and are read holds few claims", () => {
  const { mailbox, put } = fakeMailbox();
  for (let uid = 1; uid <= 10_000; uid++) {
    claimRecent(mailbox, [put(uid, true)]);
    put(uid, false); // the claiming session moved it to cur/
  }
  assert.ok(claimCount(mailbox) <= 512, `claims held: ${claimCount(mailbox)}`);
});

Deno.test("a mailbox kept selected while 10,000 messages arrive and are expunged holds few claims", () => {
  const { mailbox, messages, put } = fakeMailbox();
  for (let uid = 1; uid <= 10_000; uid++) {
    claimRecent(mailbox, [put(uid, true)]);
    messages.delete(uid);
  }
  assert.ok(claimCount(mailbox) <= 512, `claims held: ${claimCount(mailbox)}`);
});

Deno.test("claims of messages still in new/ are kept through a prune: no second session gets them", () => {
  const { mailbox, put } = fakeMailbox();
  const waiting = Array.from({ length: 300 }, (_, i) => put(i + 1, true));
  assert.equal(claimRecent(mailbox, waiting).length, 300); // the claimer's move to cur/ is slow
  for (let uid = 301; uid <= 1_000; uid++) claimRecent(mailbox, [put(uid, true)]);
  assert.deepEqual(claimRecent(mailbox, waiting), []);
  assert.deepEqual(peekRecent(mailbox, waiting), []);
});

Deno.test("a message added by APPEND, COPY or MOVE (in cur/) is recent in the first session that claims it only", () => {
  const { mailbox, put } = fakeMailbox();
  const message = put(1, false);
  mailbox.arrivals.note([1]);
  assert.deepEqual(peekRecent(mailbox, [message]), [1], "a read-only session sees it too");
  assert.deepEqual(claimRecent(mailbox, [message]), [1]);
  assert.deepEqual(claimRecent(mailbox, [message]), []);
  assert.deepEqual(peekRecent(mailbox, [message]), []);
});

Deno.test("a message in cur/ that nobody added here is not recent", () => {
  const { mailbox, put } = fakeMailbox();
  assert.deepEqual(claimRecent(mailbox, [put(1, false)]), []);
});

Deno.test("a folder that is never selected while 10,000 messages are appended and expunged holds few arrivals", () => {
  const { mailbox, messages, put } = fakeMailbox();
  for (let uid = 1; uid <= 10_000; uid++) {
    put(uid, false);
    mailbox.arrivals.note([uid]);
    messages.delete(uid);
  }
  put(10_001, false);
  mailbox.arrivals.note([10_001]);
  const all = Array.from({ length: 10_001 }, (_, i) => i + 1);
  assert.deepEqual(mailbox.arrivals.among(all, { take: false }).length <= 512, true);
  assert.deepEqual(claimRecent(mailbox, [messages.get(10_001)!]), [10_001]);
});
