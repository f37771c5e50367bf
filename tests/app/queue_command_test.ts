/**
 * `pillarbox queue` reading a queue whose files the server reuses: a name
 * whose file now holds another message is not shown as that message.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../../src/app/cli.ts";
import { runQueueCommand } from "../../src/app/queue_command.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { Spool } from "../../src/spool/mod.ts";

const encoder = new TextEncoder();

async function queue(spoolDir: string, words: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const config = loadConfig([`--spool-dir=${spoolDir}`, "--hostname=mx.test"]).config;
  const status = await runQueueCommand(words, {
    config,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { status, out, err };
}

/** The spool in `spoolDir` as the queue command opens it (no sweeping). */
function openSpool(spoolDir: string): Promise<Spool> {
  return Spool.open({ spoolDir, log: new Logger({ level: "error" }), isSweeping: false });
}

Deno.test("queue list and show skip a file that was reused for another message", async () => {
  const spoolDir = makeTestDir({ prefix: "pillarbox-queue-" });
  try {
    const spool = await openSpool(spoolDir);
    const accept = (rcpt: string) =>
      spool.accept({
        envelope: { from: "a@mx.test", rcpts: [rcpt], source: "smtp" },
        message: encoder.encode(`Subject: to ${rcpt}\r\n\r\nbody\r\n`),
      });
    const first = await accept("one@remote.test");
    const second = await accept("two@remote.test");
    const shown = await queue(spoolDir, ["show", first]);
    assert.equal(shown.status, 0, shown.err.join("\n"));
    assert.ok(shown.out.includes("Subject: to one@remote.test"), shown.out.join("\n"));
    // What the server does when `first` is delivered and a new message is written
    // over its file: the old name now holds another message's envelope.
    await Deno.copyFile(join(spool.msgDir, second), join(spool.msgDir, first));
    const reused = await queue(spoolDir, ["show", first]);
    assert.equal(reused.status, 1);
    assert.deepEqual(reused.out, []);
    assert.match(reused.err.join("\n"), new RegExp(`No message ${first}`));
    // Nor listed, nor retried, as that other message under the old name.
    const reusedList = await queue(spoolDir, ["list", "--json"]);
    const reusedQids = JSON.parse(reusedList.out.join("\n")).map((e: { qid: string }) => e.qid);
    assert.deepEqual(reusedQids, [second]);
    assert.equal((await queue(spoolDir, ["retry", first])).status, 1);
    // Reused for a mailbox message instead: no envelope line at all.
    await Deno.writeTextFile(join(spool.msgDir, first), "Subject: for a mailbox\r\n\r\nhi\r\n");
    const mailboxFile = await queue(spoolDir, ["show", first]);
    assert.equal(mailboxFile.status, 1);
    assert.match(mailboxFile.err.join("\n"), new RegExp(`No readable message ${first}: `));
    const listed = await queue(spoolDir, ["list", "--json"]);
    assert.equal(listed.status, 0, listed.err.join("\n"));
    const qids = JSON.parse(listed.out.join("\n")).map((entry: { qid: string }) => entry.qid);
    assert.deepEqual(qids, [second]);
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("queue retry without a queue id makes every message due, as `queue retry [QID|--all]` says", async () => {
  const spoolDir = makeTestDir({ prefix: "pillarbox-queue-" });
  try {
    const spool = await openSpool(spoolDir);
    const qids: string[] = [];
    for (const rcpt of ["one@remote.test", "two@remote.test"]) {
      qids.push(
        await spool.accept({
          envelope: { from: "a@mx.test", rcpts: [rcpt], source: "smtp" },
          message: encoder.encode(`Subject: to ${rcpt}\r\n\r\nbody\r\n`),
        }),
      );
    }
    const retried = await queue(spoolDir, ["retry"]);
    assert.equal(retried.status, 0, retried.err.join("\n"));
    assert.deepEqual(retried.out, ["2 messages due for delivery now"]);
    // One request for the whole queue, not one file per message.
    const woken = [...Deno.readDirSync(join(spoolDir, "queue", "wake"))].map((entry) => entry.name);
    assert.deepEqual(woken, ["all"]);
    assert.equal(qids.length, 2);
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("queue with a --spool-dir it cannot use exits 2 naming it, without a stack trace", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-queue-" });
  try {
    await Deno.writeTextFile(join(dir, "file"), "");
    const spoolDir = join(dir, "file", "spool");
    const out: string[] = [];
    const err: string[] = [];
    const status = await runCli(
      ["queue", "list", `--spool-dir=${spoolDir}`, "--hostname=mx.test"],
      {
        out: (line) => out.push(line),
        err: (line) => err.push(line),
        stdin: new ReadableStream({ start: (controller) => controller.close() }),
      },
    );
    assert.equal(status, 2);
    assert.deepEqual(out, []);
    assert.equal(err.length, 1, err.join("\n"));
    assert.ok(err[0]!.startsWith(`pillarbox: Cannot use --spool-dir "${spoolDir}": `), err[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("queue show prints header control characters as ?, so a sender cannot drive the admin's terminal", async () => {
  const spoolDir = makeTestDir({ prefix: "pillarbox-queue-" });
  try {
    const spool = await openSpool(spoolDir);
    const qid = await spool.accept({
      envelope: { from: "a@remote.test", rcpts: ["b@far.test"], source: "smtp" },
      message: encoder.encode(
        "Subject: \x1b]0;owned\x07\x1b[31mred\x1b[0m\x7f\r\nX-Tab: a\tb\r\n\r\nbody\r\n",
      ),
    });
    const shown = await queue(spoolDir, ["show", qid]);
    assert.equal(shown.status, 0, shown.err.join("\n"));
    const text = shown.out.join("\n");
    assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/);
    assert.match(text, /^Subject: \?\]0;owned\?\?\[31mred\?\[0m\?$/m);
    assert.match(text, /^X-Tab: a\tb$/m);
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("queue list and show print C1 controls in addresses and remote replies as ?", async () => {
  const spoolDir = makeTestDir({ prefix: "pillarbox-queue-" });
  try {
    const spool = await openSpool(spoolDir);
    // RFC 6531 lets a quoted local part hold any non-ASCII character, U+009B (CSI) too;
    // a remote server's reply text is stripped of C0 controls only.
    const from = '"\u009b2J\u009b31mx"@remote.test';
    const rcpt = '"y\u0085z"@far.test';
    const qid = await spool.accept({
      envelope: { from, rcpts: [rcpt], source: "smtp" },
      message: encoder.encode("Subject: hi\r\n\r\nbody\r\n"),
    });
    const state = {
      rcpts: {
        [rcpt]: {
          status: "pending",
          attempts: 1,
          lastStatus: "4.2.0",
          lastReason: "450 4.2.0 busy \u009d0;owned\u009c\u009b31m",
        },
      },
      nextAttemptMs: Date.now() + 60_000,
    };
    await Deno.mkdir(join(spoolDir, "queue", "state"), { recursive: true });
    await Deno.writeTextFile(join(spoolDir, "queue", "state", qid), JSON.stringify(state));
    for (const words of [["list"], ["show", qid]]) {
      const result = await queue(spoolDir, words);
      assert.equal(result.status, 0, result.err.join("\n"));
      const text = result.out.join("\n");
      assert.match(text, /busy \?0;owned\?\?31m/, text);
      assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/, words.join(" "));
    }
    // For scripts, --json keeps the exact values (JSON escapes nothing here, but it is data).
    const json = await queue(spoolDir, ["list", "--json"]);
    assert.equal(JSON.parse(json.out.join("\n"))[0].from, from);
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("queue retry of a damaged queue file names the damage instead of saying there is no such message", async () => {
  const spoolDir = makeTestDir({ prefix: "pillarbox-queue-" });
  try {
    const spool = await openSpool(spoolDir);
    await Deno.writeTextFile(join(spool.msgDir, "broken3"), 'PBQ1 {"qid":"broken3","fr');
    const retried = await queue(spoolDir, ["retry", "broken3"]);
    assert.equal(retried.status, 1);
    assert.deepEqual(retried.out, []);
    assert.match(
      retried.err.join("\n"),
      /^pillarbox queue: broken3: damaged queue file, not retried: /,
    );
    assert.doesNotMatch(retried.err.join("\n"), /No message/);
    const missing = await queue(spoolDir, ["retry", "gone4"]);
    assert.equal(missing.status, 1);
    assert.deepEqual(missing.err, ["pillarbox queue: No message gone4"]);
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("queue on a --spool-dir that does not exist says so (status 2) and makes nothing there", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-queue-" });
  try {
    // A typo in --spool-dir: "0 messages in the queue" would tell the admin a lie.
    const spoolDir = join(dir, "spoool");
    for (
      const words of [["list"], ["list", "--json"], ["show", "abc"], ["retry"], ["delete", "abc"]]
    ) {
      const out: string[] = [];
      const err: string[] = [];
      const status = await runCli([
        "queue",
        ...words,
        `--spool-dir=${spoolDir}`,
        "--hostname=mx.test",
      ], {
        out: (line) => out.push(line),
        err: (line) => err.push(line),
        stdin: new ReadableStream({ start: (controller) => controller.close() }),
      });
      assert.equal(status, 2, `queue ${words.join(" ")}: ${out.join("\n")}`);
      assert.deepEqual(out, []);
      assert.deepEqual(err, [`pillarbox: Cannot use --spool-dir "${spoolDir}": no such directory`]);
      assert.equal(await Deno.stat(spoolDir).catch(() => null), null, "the spool was made");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("queue show gives no Next-Attempt line for a message not yet tried", async () => {
  const spoolDir = makeTestDir({ prefix: "pillarbox-queue-" });
  try {
    const spool = await openSpool(spoolDir);
    const qid = await spool.accept({
      envelope: { from: "a@mx.test", rcpts: ["r@remote.test"], source: "smtp" },
      message: encoder.encode("Subject: new\r\n\r\nbody\r\n"),
    });
    const shown = await queue(spoolDir, ["show", qid]);
    assert.equal(shown.status, 0, shown.err.join("\n"));
    assert.ok(
      shown.out.includes("Recipient: <r@remote.test> pending attempts=0"),
      shown.out.join("\n"),
    );
    assert.ok(!shown.out.some((line) => line.startsWith("Next-Attempt:")), shown.out.join("\n"));
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("queue show gives the DSN requests a sender made (RFC 3461), and nothing for a message without them", async () => {
  const spoolDir = makeTestDir({ prefix: "pillarbox-queue-" });
  try {
    const spool = await openSpool(spoolDir);
    const asked = await spool.accept({
      envelope: {
        from: "a@mx.test",
        rcpts: ["r@remote.test", "s@remote.test", "t@remote.test"],
        source: "smtp",
        ret: "HDRS",
        envid: "job+2042",
        rcptDsn: {
          "r@remote.test": { notify: ["SUCCESS", "FAILURE"], orcpt: "rfc822;R@remote.test" },
          "s@remote.test": { notify: ["NEVER"], orcpt: "rfc822;team@mx.test" },
        },
        expanded: [{ rcpt: "team@mx.test" }],
      },
      message: encoder.encode("Subject: asked\r\n\r\nbody\r\n"),
    });
    const shown = await queue(spoolDir, ["show", asked]);
    assert.equal(shown.status, 0, shown.err.join("\n"));
    assert.deepEqual(shown.out.filter((line) => /^(DSN|Recipient|Expanded)/.test(line)), [
      "DSN: RET=HDRS ENVID=job+2042",
      "Recipient: <r@remote.test> pending attempts=0",
      "Recipient-DSN: <r@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;R@remote.test",
      "Recipient: <s@remote.test> pending attempts=0",
      "Recipient-DSN: <s@remote.test> NOTIFY=NEVER ORCPT=rfc822;team@mx.test",
      "Recipient: <t@remote.test> pending attempts=0",
      "Expanded: <team@mx.test>",
    ]);
    const plain = await spool.accept({
      envelope: { from: "a@mx.test", rcpts: ["r@remote.test"], source: "smtp" },
      message: encoder.encode("Subject: plain\r\n\r\nbody\r\n"),
    });
    const plainShown = await queue(spoolDir, ["show", plain]);
    assert.ok(!plainShown.out.some((line) => /DSN|Expanded/.test(line)), plainShown.out.join("\n"));
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
});
