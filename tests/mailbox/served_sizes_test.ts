/**
 * The sizes a mailbox lists for files other programs wrote with bare LFs
 * (served with CRLF, see line_ends.ts): no file is opened for them at
 * listing, nor ever for a file of ours; another program's file without
 * `,W=` is counted once, when a size is first asked for, and keeps its count.
 */
import { makeTestDir } from "../temp_dirs.ts";
import { PIECE_BYTES } from "../../src/mailbox/read_pieces.ts";
import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import { Mailboxes, MaildirStore, readRange } from "../../src/mailbox/mod.ts";
import { biggestArrayDuring } from "../net/array_count.ts";

const ACCOUNT = "bob@example.test";
const encoder = new TextEncoder();

function setup() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-served-" });
  const log = new Logger({ sink: () => {} });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log, store });
  return { store, mailboxes, dir: mailboxes.accountDir(ACCOUNT) };
}

/** Runs `task` counting the message files (in new/ or cur/) it opens, with Deno.open or Deno.readFile. */
async function opensDuring(task: () => Promise<unknown>): Promise<number> {
  const open = Deno.open;
  const readFile = Deno.readFile;
  let opens = 0;
  const count = (path: string | URL) => {
    if (/\/(new|cur)\//.test(String(path))) opens++;
  };
  Object.assign(Deno, {
    open: (...args: Parameters<typeof Deno.open>) => (count(args[0]), open(...args)),
    readFile: (...args: Parameters<typeof Deno.readFile>) => (count(args[0]), readFile(...args)),
  });
  try {
    await task();
  } finally {
    Object.assign(Deno, { open, readFile });
  }
  return opens;
}

Deno.test("a folder of our own files: asking for exact sizes opens no file, and our bytes are served as stored", async () => {
  const { store, mailboxes } = setup();
  await store.deliver([ACCOUNT], [encoder.encode("Subject: a\r\n\r\nbody\r\n")]);
  await store.deliver([ACCOUNT], [encoder.encode("Subject: b\r\n\r\nbody\r\n")]);
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  try {
    await mailbox.refresh();
    // An APPEND with bare LFs is stored with CRLF (crlf_message.ts), so it too is served as stored.
    const appended = await mailbox.append([encoder.encode("Subject: lf\n\nnow CRLF\n")]);
    const uids = mailbox.messages().map((message) => message.uid);
    assert.equal(await opensDuring(() => mailbox.exactSizes(uids)), 0);
    assert.deepEqual(mailbox.messages().map((message) => message.sizeBytes), [20, 20, 25]);
    const bytes = await mailbox.readMessage(appended.uid);
    assert.equal(new TextDecoder().decode(bytes), "Subject: lf\r\n\r\nnow CRLF\r\n");
  } finally {
    mailbox.release();
  }
});

Deno.test("another program's LF file is not opened at listing, is counted once when a size is asked for, and keeps its count through a rename", async () => {
  const { mailboxes, dir } = setup();
  Deno.mkdirSync(`${dir}/cur`, { recursive: true });
  Deno.mkdirSync(`${dir}/new`, { recursive: true });
  Deno.mkdirSync(`${dir}/tmp`, { recursive: true });
  Deno.writeTextFileSync(`${dir}/new/1700000000.1234_0.getmail`, "Subject: lf\n\nbody\n");
  Deno.writeTextFileSync(
    `${dir}/cur/1700000001.M1P1.dovecot,S=18,W=21:2,S`,
    "Subject: dc\n\nbody\n",
  );
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  try {
    assert.equal(await opensDuring(() => mailbox.refresh()), 0, "the listing opens no message");
    const [lf, dovecot] = mailbox.messages();
    assert.equal(lf!.sizeBytes, 18, "the stored size until counted");
    assert.equal(dovecot!.sizeBytes, 21, "Dovecot's W=");
    const uids = [lf!.uid, dovecot!.uid];
    assert.equal(await opensDuring(() => mailbox.exactSizes(uids)), 1, "the one file without W=");
    assert.equal(mailbox.get(lf!.uid)!.sizeBytes, 21);
    assert.equal(await opensDuring(() => mailbox.exactSizes(uids)), 0, "counted once");
    // Another MUA marks it seen: the same message under another name keeps its count.
    Deno.renameSync(
      `${dir}/new/1700000000.1234_0.getmail`,
      `${dir}/cur/1700000000.1234_0.getmail:2,S`,
    );
    await mailbox.refresh();
    assert.deepEqual(mailbox.get(lf!.uid)!.flags, ["\\Seen"]);
    assert.equal(mailbox.get(lf!.uid)!.sizeBytes, 21);
    assert.equal(await opensDuring(() => mailbox.exactSizes(uids)), 0);
    const text = new TextDecoder().decode(await mailbox.readMessage(lf!.uid));
    assert.equal(text, "Subject: lf\r\n\r\nbody\r\n");
  } finally {
    mailbox.release();
  }
});

Deno.test("a ,W= that lies by gigabytes is counted from the file, and never sizes a read buffer", async () => {
  const { mailboxes, dir } = setup();
  for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(`${dir}/${sub}`, { recursive: true });
  const text = "Subject: dc\n\nbody\n"; // 18 bytes, 21 with CRLF
  // No CRLF form of 18 bytes has 9,999,999,999: the name is not trusted, the file is counted.
  Deno.writeTextFileSync(`${dir}/cur/1700000001.M1P1.dovecot,S=18,W=9999999999:2,S`, text);
  // Both sizes lie alike (W= within twice S=): listed, but the read is sized by the file.
  Deno.writeTextFileSync(`${dir}/cur/1700000002.M1P1.dovecot,S=5000000000,W=9999999999:2,S`, text);
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  try {
    const [wLies, bothLie] = await mailbox.refresh();
    await mailbox.exactSizes([wLies!.uid, bothLie!.uid]);
    assert.equal(mailbox.get(wLies!.uid)!.sizeBytes, 21, "counted, not the W=");
    for (const { uid } of [wLies!, bothLie!]) {
      let bytes: Uint8Array = new Uint8Array();
      const biggest = await biggestArrayDuring(async () => {
        bytes = await mailbox.readMessage(uid);
      });
      assert.equal(new TextDecoder().decode(bytes), "Subject: dc\r\n\r\nbody\r\n");
      assert.ok(biggest <= 2 * text.length, `reading ${text.length} bytes made ${biggest}`);
      assert.equal(mailbox.get(uid)!.sizeBytes, 21, "the size that was read");
    }
  } finally {
    mailbox.release();
  }
});

/** Bytes this process has read through read(2) so far (`cat`: see imap_fetch_stream_test.ts). */
function bytesRead(): number {
  const out = new Deno.Command("cat", { args: [`/proc/${Deno.pid}/io`] }).outputSync();
  const rchar = /^rchar: (\d+)$/m.exec(new TextDecoder().decode(out.stdout))?.[1];
  if (rchar === undefined) throw new Error("no rchar");
  return Number(rchar);
}

Deno.test("a big LF file fetched in 64 KB chunks (Thunderbird's partial FETCHes) is read from near each chunk, not from the file's start", async () => {
  const { mailboxes, dir } = setup();
  for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(`${dir}/${sub}`, { recursive: true });
  const line = "z".repeat(79) + "\n";
  const stored = "Subject: big\n\n" + line.repeat(100_000); // 8 MB
  Deno.writeTextFileSync(`${dir}/cur/1700000000.M1P1.mutt:2,S`, stored);
  const served = stored.replaceAll("\n", "\r\n");
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  try {
    const [message] = await mailbox.refresh();
    const chunk = 64 * 1024;
    const before = bytesRead();
    let got = "";
    for (let from = 0; from < served.length; from += chunk) {
      const bytes = await readRange(
        (visit, fromByte) => mailbox.readMessagePieces(message!.uid, visit, fromByte),
        { fromByte: from, maxBytes: chunk },
      );
      got += new TextDecoder().decode(bytes);
    }
    const read = bytesRead() - before;
    assert.equal(got, served);
    // Each chunk reads from the mark before it: at most two pieces, wherever it starts.
    const chunks = Math.ceil(served.length / chunk);
    assert.ok(
      read < chunks * 2 * PIECE_BYTES,
      `read ${read} bytes of an ${stored.length}-byte file in ${chunks} chunks`,
    );
  } finally {
    mailbox.release();
  }
});
