/** \Recent claims: one session each, and forgotten once no session could claim the message again. */
import assert from "node:assert/strict";
import { claimCount, claimRecent, peekRecent } from "../../src/imap/recent.ts";
import type { Mailbox, MessageInfo } from "../../src/mailbox/mod.ts";

/** A stand-in for a shared Mailbox: messages by UID, each in new/ or not. */
function fakeMailbox() {
  const messages = new Map<number, MessageInfo>();
  const put = (uid: number, isNew: boolean) => {
    const message = { uid, flags: [], keywords: [], isNew } as unknown as MessageInfo;
    messages.set(uid, message);
    return message;
  };
  const mailbox = { get: (uid: number) => messages.get(uid) } as unknown as Mailbox;
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
