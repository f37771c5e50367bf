/** The pickup folder through the real server: files in, mail out, bad files moved aside. */
import assert from "node:assert/strict";
import { maildirFiles, startServer, tempDir, waitUntil } from "./harness.ts";
import { exists } from "../path_exists.ts";

const USERS = {
  "bob@example.test": "pw",
  "carol@example.test": "pw",
  "dave@example.test": "pw",
  "erin@example.test": "pw",
};

Deno.test("a dropped LF file is queued as sendmail -t: CRLF, Bcc removed, headers added", async () => {
  const server = await startServer({ users: USERS });
  const pickup = `${server.spoolDir}/pickup`;
  try {
    await Deno.writeTextFile(
      `${pickup}/.msg1`,
      "From: Cron Daemon <alice@example.test>\nTo: Bob <bob@example.test>\n" +
        "Bcc: carol@example.test\nSubject: nightly report\n\nall fine\nsecond line\n",
    );
    await Deno.rename(`${pickup}/.msg1`, `${pickup}/msg1`);
    for (const account of ["bob@example.test", "carol@example.test"]) {
      await waitUntil(() => maildirFiles(server.spoolDir, account).length === 1, 10_000, account);
    }
    const text = await Deno.readTextFile(maildirFiles(server.spoolDir, "bob@example.test")[0]!);
    assert.doesNotMatch(text, /[^\r]\n/, "every line ends in CRLF");
    assert.doesNotMatch(text, /^Bcc:/im);
    assert.doesNotMatch(text, /carol/);
    assert.match(text, /^Return-Path: <alice@example\.test>\r\n/);
    assert.match(text, /\r\nReceived: by mx\.test \(Pillarbox\) id [0-9a-z]+;/);
    assert.match(text, /\r\nDate: \w{3}, \d{2} \w{3} \d{4} [\d:]{8} \+0000\r\n/);
    assert.match(text, /\r\nMessage-ID: <[^>]+@mx\.test>\r\n/);
    assert.ok(text.endsWith("\r\n\r\nall fine\r\nsecond line\r\n"));
    // Delivery can finish before the watcher removes its claimed copy (.claimed-*.msg1); it
    // logs msg.queued only after that removal, so wait for the line, then nothing may be left.
    await server.waitForLog(
      /event=msg\.queued .*source=pickup file=msg1 from=alice@example\.test rcpts=2/,
    );
    assert.ok(!exists(`${pickup}/msg1`), "file removed after queueing");
    assert.deepEqual([...Deno.readDirSync(pickup)], [], "no claim left behind");
  } finally {
    await server.stop();
  }
});

Deno.test("unusable files are moved aside with a reason, dotfiles are left alone", async () => {
  const server = await startServer({ users: USERS });
  const pickup = `${server.spoolDir}/pickup`;
  const rejected = `${server.spoolDir}/pickup-rejected`;
  try {
    const dotfile = "From: a@example.test\nTo: dave@example.test\n\nnot yet\n";
    await Deno.writeTextFile(`${pickup}/.being-written`, dotfile);
    await Deno.writeFile(`${pickup}/garbage`, new Uint8Array([0x00, 0xff, 0x10, 0x0a, 0x41]));
    await Deno.writeTextFile(`${pickup}/norcpt`, "From: a@example.test\nSubject: x\n\nbody\n");
    await Deno.writeTextFile(
      `${pickup}/good`,
      "From: a@example.test\nTo: erin@example.test\n\nok\n",
    );
    // The reason is written first, the file moved after it: wait for the file, the last step.
    await waitUntil(() => exists(`${rejected}/garbage`), 10_000, "garbage moved aside");
    await waitUntil(() => exists(`${rejected}/norcpt`), 10_000, "norcpt moved aside");
    await waitUntil(() => maildirFiles(server.spoolDir, "erin@example.test").length === 1);
    assert.match(await Deno.readTextFile(`${rejected}/garbage.reason`), /NUL/);
    assert.match(await Deno.readTextFile(`${rejected}/norcpt.reason`), /No recipient/);
    assert.deepEqual(
      await Deno.readFile(`${rejected}/garbage`),
      new Uint8Array([0x00, 0xff, 0x10, 0x0a, 0x41]),
      "kept byte for byte",
    );
    assert.ok(!exists(`${pickup}/garbage`) && !exists(`${pickup}/norcpt`));
    // The same name dropped again is moved aside under a new name, the first one kept.
    await Deno.writeTextFile(`${pickup}/norcpt`, "Subject: again\n\nx\n");
    await waitUntil(() => exists(`${rejected}/norcpt.1.reason`), 10_000, "second norcpt");
    assert.match(await Deno.readTextFile(`${rejected}/norcpt`), /From: a@example\.test/);
    assert.equal(await Deno.readTextFile(`${pickup}/.being-written`), dotfile);
    assert.equal(maildirFiles(server.spoolDir, "dave@example.test").length, 0);
    await server.waitForLog(/event=pickup\.rejected .*file=garbage/);
    // The server goes on: a good file after the bad ones still arrives.
    await Deno.rename(`${pickup}/.being-written`, `${pickup}/now-ready`);
    await waitUntil(() => maildirFiles(server.spoolDir, "dave@example.test").length === 1);
  } finally {
    await server.stop();
  }
});

Deno.test("a file still being written is not taken until it stops changing", async () => {
  const server = await startServer({ users: USERS });
  const path = `${server.spoolDir}/pickup/slow`;
  try {
    const file = await Deno.open(path, { write: true, createNew: true });
    const write = (text: string) => file.write(new TextEncoder().encode(text));
    await write("From: a@example.test\nTo: dave@example.test\nSubject: slow\n\n");
    // A slow producer: a line every 100 ms for two seconds (longer than the stability window).
    for (let i = 0; i < 20; i++) {
      await write(`line ${i}\n`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await write("THE END\n");
    file.close();
    await waitUntil(() => maildirFiles(server.spoolDir, "dave@example.test").length === 1);
    const text = await Deno.readTextFile(maildirFiles(server.spoolDir, "dave@example.test")[0]!);
    assert.match(text, /line 0\r\n[\s\S]*line 19\r\nTHE END\r\n$/);
    // The mailbox file can appear before the watcher logs its msg.queued line.
    await server.waitForLog(/event=msg\.queued .*source=pickup/);
    assert.equal(server.log().match(/source=pickup/g)?.length, 1, "queued once, whole");
    assert.doesNotMatch(server.log(), /pickup\.rejected/);
  } finally {
    await server.stop();
  }
});

Deno.test("a file claimed by a server that then died is taken by the next one", async () => {
  const spoolDir = tempDir();
  Deno.mkdirSync(`${spoolDir}/pickup`, { recursive: true });
  // What a crash between claiming a file and removing it leaves (see src/pickup/claim.ts).
  await Deno.writeTextFile(
    `${spoolDir}/pickup/.claimed-0123456789ab.report`,
    "From: cron@example.test\nTo: dave@example.test\nSubject: left claimed\n\nbody\n",
  );
  const server = await startServer({ users: USERS, spoolDir });
  try {
    await waitUntil(
      () => maildirFiles(spoolDir, "dave@example.test").length === 1,
      15_000,
      "delivered",
    );
    const text = await Deno.readTextFile(maildirFiles(spoolDir, "dave@example.test")[0]!);
    assert.match(text, /\r\nSubject: left claimed\r\n/);
    await server.waitForLog(/event=pickup\.claims_released .*files=1/);
    await server.waitForLog(/event=msg\.queued .*source=pickup file=report /);
    await waitUntil(() => [...Deno.readDirSync(`${spoolDir}/pickup`)].length === 0, 5_000, "empty");
  } finally {
    await server.stop();
  }
});

Deno.test("an unusable file with a name near the 255-byte limit is still moved aside", async () => {
  const server = await startServer({ users: USERS });
  const pickup = `${server.spoolDir}/pickup`;
  const rejected = `${server.spoolDir}/pickup-rejected`;
  const longName = `report-${"x".repeat(240)}`; // 247 bytes: fits, NAME.reason does not
  const longLink = `link-${"y".repeat(245)}`;
  try {
    await Deno.writeTextFile(
      `${pickup}/${longName}`,
      "From: a@example.test\nSubject: x\n\nno rcpt\n",
    );
    await Deno.symlink("/etc/hostname", `${pickup}/${longLink}`);
    await waitUntil(
      () =>
        /event=pickup\.reject_failed/.test(server.log()) ||
        (server.log().match(/event=pickup\.rejected /g)?.length ?? 0) === 2,
      10_000,
      "both dealt with",
    );
    assert.doesNotMatch(server.log(), /pickup\.reject_failed/);
    const names = [...Deno.readDirSync(rejected)].map((entry) => entry.name).sort();
    assert.equal(names.length, 4, names.join(" "));
    const reasons = names.filter((name) => name.endsWith(".reason"));
    const notes = reasons.map((name) => Deno.readTextFileSync(`${rejected}/${name}`)).join("");
    assert.match(notes, /No recipient/);
    assert.match(notes, /Not a regular file/);
    assert.ok(notes.includes(longName) && notes.includes(longLink), "the notes name the files");
    const kept = names.filter((name) => !name.endsWith(".reason"));
    const contents = kept.map((name) => {
      const info = Deno.lstatSync(`${rejected}/${name}`);
      return info.isSymlink ? "symlink" : Deno.readTextFileSync(`${rejected}/${name}`);
    }).sort();
    assert.deepEqual(contents, ["From: a@example.test\nSubject: x\n\nno rcpt\n", "symlink"]);
    assert.deepEqual([...Deno.readDirSync(pickup)], [], "nothing left, not even a claim");
  } finally {
    await server.stop();
  }
});

Deno.test("an empty file is not taken while its producer has yet to write (cmd > pickup/file)", async () => {
  const server = await startServer({ users: USERS });
  const pickup = `${server.spoolDir}/pickup`;
  const drop = async (name: string, rcpt: string) => {
    await Deno.writeTextFile(
      `${pickup}/.${name}`,
      `From: a@example.test\nTo: ${rcpt}\n\n${name}\n`,
    );
    await Deno.rename(`${pickup}/.${name}`, `${pickup}/${name}`);
  };
  // A shell redirection creates the file at once; the command may print nothing for a while.
  const file = await Deno.open(`${pickup}/report`, { write: true, createNew: true });
  try {
    // Dropped after "report": once it is queued, the scan that took it had seen "report"
    // empty and unchanged for as long; "last" queued after it means that scan is over.
    await drop("later", "erin@example.test");
    await server.waitForLog(/event=msg\.queued .*file=later /, 15_000);
    await drop("last", "erin@example.test");
    await server.waitForLog(/event=msg\.queued .*file=last /, 15_000);
    await file.write(
      new TextEncoder().encode("From: cron@example.test\nTo: dave@example.test\n\nreport\n"),
    );
    file.close();
    await waitUntil(
      () =>
        maildirFiles(server.spoolDir, "dave@example.test").length === 1 ||
        /event=pickup\.rejected/.test(server.log()),
      15_000,
      "report delivered or rejected",
    );
    assert.doesNotMatch(server.log(), /event=pickup\.rejected/);
    const text = await Deno.readTextFile(maildirFiles(server.spoolDir, "dave@example.test")[0]!);
    assert.ok(text.endsWith("\r\n\r\nreport\r\n"));
  } finally {
    try {
      file.close();
    } catch { /* closed */ }
    await server.stop();
  }
});
