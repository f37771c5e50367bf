/**
 * `Mailbox.fileEnds`: the last byte of each listed file whose name gives
 * its served size (for POP3's sizes), found again after another MUA
 * renamed it, `gone` once removed, and `count` for a file its name does not
 * size or sizes wrongly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTestDir } from "../temp_dirs.ts";
import { Logger } from "../../src/log/mod.ts";
import { Mailboxes, MaildirStore } from "../../src/mailbox/mod.ts";

const ACCOUNT = "bob@example.test";
const encoder = new TextEncoder();

function setup() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-file-ends-" });
  const log = new Logger({ sink: () => {} });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log, store });
  return { store, mailboxes, dir: mailboxes.accountDir(ACCOUNT) };
}

Deno.test("fileEnds(): the last byte of files named with their size, count for the others", async () => {
  const { store, mailboxes, dir } = setup();
  await store.deliver([ACCOUNT], [encoder.encode("Subject: a\r\n\r\nbody\r\n")]);
  await store.deliver([ACCOUNT], [encoder.encode("Subject: b\r\n\r\nno end")]);
  const files = [
    ["1700000001.M1P1.dovecot,S=9,W=10", "a\n\nno end"], // trusted W=: its last byte
    ["1700000002.M2P2.dovecot,S=0,W=0", ""], // empty
    ["1700000003.M3P3.lf,S=3", "a\nb"], // no W=: counted
    ["1700000004.M000004P4Q4Rabcdef01.mx.test,S=2", "abc"], // ours, longer than named
    ["1700000005.M000005P5Q5Rabcdef01.mx.test,S=4", "abc"], // ours, shorter than named
  ];
  for (const [name, text] of files) Deno.writeTextFileSync(join(dir, "new", name!), text!);
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  try {
    const uids = (await mailbox.refresh()).map((message) => message.uid);
    const ends = await mailbox.fileEnds(uids);
    // In delivery order: the files dated 2023 by their names first.
    assert.deepEqual(uids.map((uid) => ends.get(uid)), [
      { kind: "end", servedBytes: 10, lastByte: "d".charCodeAt(0) },
      { kind: "end", servedBytes: 0, lastByte: null },
      { kind: "count" },
      { kind: "count" },
      { kind: "count" },
      { kind: "end", servedBytes: 20, lastByte: 10 },
      { kind: "end", servedBytes: 20, lastByte: "d".charCodeAt(0) },
    ]);
  } finally {
    mailbox.release();
  }
});

Deno.test("fileEnds(): a file another MUA renamed is found after a rescan, a removed one is gone", async () => {
  const { store, mailboxes, dir } = setup();
  await store.deliver([ACCOUNT], [encoder.encode("Subject: a\r\n\r\nbody\r\n")]);
  await store.deliver([ACCOUNT], [encoder.encode("Subject: b\r\n\r\nbody\r\n")]);
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  try {
    const listed = await mailbox.refresh();
    const [renamed, removed] = [...Deno.readDirSync(join(dir, "new"))]
      .map((entry) => entry.name).sort();
    Deno.renameSync(join(dir, "new", renamed!), join(dir, "cur", `${renamed}:2,S`));
    Deno.removeSync(join(dir, "new", removed!));
    const ends = await mailbox.fileEnds(listed.map((message) => message.uid));
    assert.deepEqual(listed.map((message) => ends.get(message.uid)), [
      { kind: "end", servedBytes: 20, lastByte: 10 },
      { kind: "gone" },
    ]);
  } finally {
    mailbox.release();
  }
});
