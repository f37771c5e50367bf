import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import {
  CrossDeviceError,
  KEYWORDS_FILE,
  type Mailbox,
  type MailboxChange,
  Mailboxes,
  maildirName,
  MaildirStore,
} from "../../src/mailbox/mod.ts";

const ACCOUNT = "bob@example.test";
const encoder = new TextEncoder();
const quietLog = () => new Logger({ sink: () => {} });

/** A spool with a store and a registry, as the server process has them. */
function setup(spoolDir = makeTestDir({ prefix: "pillarbox-move-" })) {
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log: quietLog(), store });
  return { spoolDir, store, mailboxes, dir: mailboxes.accountDir(ACCOUNT) };
}

/** INBOX holding `count` messages ("Subject: <i>") and an empty Archive, both listed. */
async function twoFolders(count: number, spoolDir?: string) {
  const parts = setup(spoolDir);
  const inbox = await parts.mailboxes.openMailbox(ACCOUNT);
  const archive = await parts.mailboxes.openMailbox(ACCOUNT, "Archive", { create: true });
  for (let i = 1; i <= count; i++) {
    await inbox.append([encoder.encode(`Subject: ${i}\r\n\r\nbody ${i}\r\n`)]);
  }
  await inbox.refresh();
  await archive.refresh();
  return { ...parts, inbox, archive };
}

/** The names in a Maildir folder's subdirectory. */
function names(dir: string, sub = "cur"): string[] {
  return [...Deno.readDirSync(join(dir, sub))].map((entry) => entry.name).sort();
}

/** The name of an appended (so already seen, in cur/) message's file. */
function fileOf(message: { base: string; letters: string }): string {
  return `${message.base}:2,${message.letters}`;
}

/** The subjects of a mailbox's messages, in UID order. */
async function subjects(mailbox: Mailbox): Promise<string[]> {
  const out: string[] = [];
  for (const message of mailbox.messages()) {
    const text = new TextDecoder().decode(await mailbox.readMessage(message.uid));
    out.push(/^Subject: (.*)\r$/m.exec(text)?.[1] ?? "?");
  }
  return out;
}

Deno.test("moveTo() renames each file into the destination's cur/ and numbers it there", async () => {
  const { inbox, archive } = await twoFolders(3);
  const inboxFiles = names(inbox.dir);
  const result = await inbox.moveTo(archive, [3, 1]);
  assert.deepEqual(result, { sourceUids: [3, 1], destinationUids: [1, 2], droppedKeywords: [] });
  assert.deepEqual(inbox.messages().map((m) => m.uid), [2]);
  assert.deepEqual(await subjects(archive), ["3", "1"], "UIDs follow the order of the set");
  assert.equal(names(inbox.dir).length, 1);
  assert.equal(names(archive.dir).length, 2);
  const kept = inboxFiles.filter((name) => names(archive.dir).includes(name));
  assert.deepEqual(kept, [], "each moved file has a fresh name in the destination");
  assert.deepEqual(names(archive.dir, "tmp"), [], "no temporary file: the file itself moved");
});

Deno.test("moveTo() keeps flags, internal date and keywords, mapping them to the destination's letters", async () => {
  const { inbox, archive, dir } = await twoFolders(0);
  await archive.store([(await archive.append([encoder.encode("Subject: a\r\n\r\n")])).uid], {
    add: ["Other"],
  });
  const dateMs = Date.UTC(2021, 4, 6, 7, 8, 9);
  const appended = await inbox.append([encoder.encode("Subject: k\r\n\r\n")], {
    flags: ["\\Seen", "\\Flagged", "$Junk", "Custom"],
    internalDateMs: dateMs,
  });
  assert.equal(appended.letters, "FSab");
  await inbox.moveTo(archive, [appended.uid]);
  const moved = archive.get(2)!;
  assert.deepEqual(moved.flags, ["\\Flagged", "\\Seen"]);
  assert.deepEqual(moved.keywords, ["$Junk", "Custom"]);
  assert.equal(moved.letters, "FSbc", "Other keeps a; $Junk and Custom get b and c");
  assert.equal(moved.internalDateMs, dateMs);
  assert.equal(moved.sizeBytes, appended.sizeBytes);
  const keywordsFile = Deno.readTextFileSync(join(dir, ".Archive", KEYWORDS_FILE));
  assert.equal(keywordsFile, "0 Other\n1 $Junk\n2 Custom\n");
  const reopened = await setup(inbox.dir.replace(/\/mail\/.*$/, "")).mailboxes
    .openMailbox(ACCOUNT, "Archive");
  const again = (await reopened.refresh()).find((m) => m.uid === 2)!;
  assert.deepEqual([again.flags, again.keywords, again.internalDateMs], [
    moved.flags,
    moved.keywords,
    dateMs,
  ]);
});

Deno.test("moveTo() takes a message from new/ to the destination's cur/", async () => {
  const { store, mailboxes } = setup();
  await store.deliver([ACCOUNT], [encoder.encode("Subject: fresh\r\n\r\n")]);
  const inbox = await mailboxes.openMailbox(ACCOUNT);
  const archive = await mailboxes.openMailbox(ACCOUNT, "Archive", { create: true });
  const [message] = await inbox.refresh();
  assert.equal(message!.isNew, true);
  await inbox.moveTo(archive, [message!.uid]);
  assert.deepEqual(names(inbox.dir, "new"), []);
  assert.deepEqual(names(archive.dir, "new"), []);
  assert.equal(archive.get(1)!.isNew, false);
  assert.deepEqual(await subjects(archive), ["fresh"]);
});

Deno.test("moveTo() tells the source's listeners of expunges and the destination's of additions", async () => {
  const { inbox, archive } = await twoFolders(2);
  const heard: [string, MailboxChange][] = [];
  inbox.onChange((change) => heard.push(["inbox", change]));
  archive.onChange((change) => heard.push(["archive", change]));
  await inbox.moveTo(archive, [2], { origin: "session-1" });
  assert.deepEqual(heard.map(([where, change]) => `${where} ${change.kind}`), [
    "archive added",
    "inbox expunged",
  ]);
  assert.deepEqual(heard[1]![1], { kind: "expunged", uids: [2], origin: "session-1" });
});

Deno.test("moveTo() skips a message whose file is gone and moves the rest", async () => {
  const { inbox, archive } = await twoFolders(3);
  Deno.removeSync(join(inbox.dir, "cur", fileOf(inbox.get(2)!)));
  const result = await inbox.moveTo(archive, [1, 2, 3]);
  assert.deepEqual(result, { sourceUids: [1, 3], destinationUids: [1, 2], droppedKeywords: [] });
  assert.deepEqual(await subjects(archive), ["1", "3"]);
  assert.deepEqual((await inbox.refresh()).map((m) => m.uid), [], "the gone one is dropped");
});

Deno.test("moveTo() that fails midway puts every file back and changes neither listing", async () => {
  const { inbox, archive } = await twoFolders(2);
  // A symlink as message 3 (directories are not listed): moveTo refuses what is no regular file.
  Deno.writeTextFileSync(join(inbox.dir, "elsewhere"), "Subject: 3\r\n\r\n");
  Deno.symlinkSync(
    join(inbox.dir, "elsewhere"),
    join(inbox.dir, "cur", maildirName("mx.test", 10) + ":2,"),
  );
  await inbox.refresh();
  assert.equal(inbox.messageCount, 3);
  const before = names(inbox.dir);
  await assert.rejects(inbox.moveTo(archive, [1, 2, 3]), /not a regular file/);
  assert.deepEqual(names(inbox.dir), before);
  assert.deepEqual(names(archive.dir), []);
  assert.equal(inbox.messageCount, 3);
  assert.equal(archive.messageCount, 0);
});

Deno.test("moveTo() into a folder removed meanwhile fails and the messages stay in the source", async () => {
  const { inbox, archive } = await twoFolders(2);
  Deno.removeSync(archive.dir, { recursive: true });
  await assert.rejects(inbox.moveTo(archive, [1, 2]), Deno.errors.NotFound);
  assert.equal(names(inbox.dir).length, 2);
  assert.deepEqual((await inbox.refresh()).map((m) => m.uid), [1, 2]);
});

/** Whether /dev/shm is another file system than the one temporary directories are on. */
const hasOtherDevice = (() => {
  try {
    const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
    return Deno.statSync("/dev/shm").dev !== Deno.statSync(tmp).dev;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "moveTo() into a folder on another file system throws CrossDeviceError with nothing moved",
  ignore: !hasOtherDevice,
  fn: async () => {
    const { inbox, mailboxes, dir } = await twoFolders(2);
    const elsewhere = makeTestDir({ dir: "/dev/shm", prefix: "pillarbox-move-" });
    try {
      for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(join(elsewhere, sub));
      Deno.writeFileSync(join(elsewhere, "maildirfolder"), new Uint8Array());
      Deno.symlinkSync(elsewhere, join(dir, ".Far"));
      const far = await mailboxes.openMailbox(ACCOUNT, "Far");
      await far.refresh();
      await assert.rejects(inbox.moveTo(far, [1, 2]), CrossDeviceError);
      assert.equal(names(inbox.dir).length, 2);
      assert.equal(inbox.messageCount, 2);
      assert.deepEqual(names(far.dir), []);
    } finally {
      Deno.removeSync(elsewhere, { recursive: true });
    }
  },
});

Deno.test("moveTo() whose second rename meets another file system (EXDEV) throws CrossDeviceError and puts the first back", async () => {
  // The same as above wherever no second file system is at hand (/dev/shm needs --allow-all).
  const { inbox, archive } = await twoFolders(2);
  const rename = Deno.rename;
  let calls = 0;
  Deno.rename = (from, to) => {
    if (String(to).startsWith(archive.dir) && ++calls === 2) {
      const error = new Error("Invalid cross-device link (os error 18)");
      return Promise.reject(Object.assign(error, { code: "EXDEV" }));
    }
    return rename(from, to);
  };
  try {
    await assert.rejects(inbox.moveTo(archive, [1, 2]), CrossDeviceError);
  } finally {
    Deno.rename = rename;
  }
  assert.equal(names(inbox.dir).length, 2);
  assert.equal(inbox.messageCount, 2);
  assert.deepEqual(names(archive.dir), []);
});

Deno.test("moveTo() into a destination without a free keyword letter moves the message and reports the keywords left off", async () => {
  const { inbox, archive } = await twoFolders(0);
  const filler = await archive.append([encoder.encode("Subject: f\r\n\r\n")]);
  const letters = Array.from({ length: 26 }, (_, i) => `Word${i}`);
  await archive.store([filler.uid], { add: letters });
  const message = await inbox.append([encoder.encode("Subject: k\r\n\r\n")], {
    flags: ["$New", "\\Seen", "Word7"],
  });
  const result = await inbox.moveTo(archive, [message.uid]);
  assert.deepEqual(result.sourceUids, [message.uid]);
  assert.deepEqual(result.droppedKeywords, ["$New"]);
  assert.equal(inbox.messageCount, 0);
  assert.equal(archive.messageCount, 2);
  const moved = archive.get(result.destinationUids[0]!);
  assert.deepEqual(moved?.keywords, ["Word7"]);
  assert.deepEqual(moved?.flags, ["\\Seen"]);
});

Deno.test("moves in opposite directions at once both finish (the locks are taken in one order)", async () => {
  const { inbox, archive } = await twoFolders(20);
  for (let i = 0; i < 20; i++) {
    await archive.append([encoder.encode(`Subject: a${i}\r\n\r\n`)]);
  }
  const moves = [];
  for (let i = 1; i <= 20; i++) {
    moves.push(inbox.moveTo(archive, [i]), archive.moveTo(inbox, [i]));
  }
  await Promise.all(moves);
  assert.equal(inbox.messageCount + archive.messageCount, 40);
  const all = [...await subjects(inbox), ...await subjects(archive)].sort();
  assert.equal(new Set(all).size, 40, "no message lost or doubled");
});

Deno.test("a kill after the rename, before the UID lists: the destination adopts the file with a new UID and the source drops it", async () => {
  const first = await twoFolders(3);
  await first.archive.append([encoder.encode("Subject: old\r\n\r\n")]);
  const uidNext = first.archive.uidNext;
  // What moveTo() has done when killed after one rename: the file is in Archive's cur/
  // under a fresh name; neither UID list knows.
  const moving = first.inbox.get(2)!;
  const fresh = `${maildirName("mx.test", moving.sizeBytes, moving.internalDateMs)}:2,S`;
  Deno.renameSync(
    join(first.inbox.dir, "cur", fileOf(moving)),
    join(first.archive.dir, "cur", fresh),
  );
  const second = setup(first.spoolDir);
  const inbox = await second.mailboxes.openMailbox(ACCOUNT);
  const archive = await second.mailboxes.openMailbox(ACCOUNT, "Archive");
  assert.deepEqual((await inbox.refresh()).map((m) => m.uid), [1, 3]);
  const listed = await archive.refresh();
  assert.deepEqual(listed.map((m) => m.uid), [1, uidNext]);
  assert.deepEqual(listed[1]!.flags, ["\\Seen"]);
  assert.deepEqual(await subjects(archive), ["old", "2"]);
  assert.equal(inbox.uidValidity, first.inbox.uidValidity);
  assert.equal(archive.uidValidity, first.archive.uidValidity);
});

Deno.test("moveTo() refuses the mailbox itself as its destination", async () => {
  const { inbox } = await twoFolders(1);
  await assert.rejects(inbox.moveTo(inbox, [1]), /into itself/);
  assert.equal(inbox.messageCount, 1);
});
