/**
 * `pillarbox sendmail` in-process: where the message on stdin ends, which
 * words are recipients, and the exit status when the queue cannot take it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../../src/app/cli.ts";
import { runSendmailCommand } from "../../src/app/sendmail_command.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { Spool } from "../../src/spool/mod.ts";
import { makeTestDir } from "../temp_dirs.ts";

/** Runs sendmail with stdin read in `chunks`; the status, stderr and what was queued. */
async function sendmail(args: string[], chunks: string[], spoolDir = makeTestDir()) {
  const err: string[] = [];
  const status = await runCli(
    [
      "sendmail",
      `--spool-dir=${spoolDir}`,
      "--hostname=mx.test",
      "--domains=example.test",
      ...args,
    ],
    {
      out: () => {},
      err: (line) => err.push(line),
      stdin: ReadableStream.from(chunks.map((chunk) => new TextEncoder().encode(chunk))),
    },
  );
  const queued: { rcpts: string[]; from: string; text: string }[] = [];
  if (status === 0) {
    const spool = await Spool.open({ spoolDir, log: new Logger({ sink: () => {} }) });
    for (const qid of await spool.list()) {
      const { envelope, bytes, messageOffset } = await spool.read(qid);
      const text = new TextDecoder().decode(bytes.subarray(messageOffset));
      queued.push({ rcpts: [...envelope.rcpts], from: envelope.from, text });
    }
    spool.spares?.close();
  }
  return { status, err: err.join("\n"), queued };
}

/** The body of a queued message: what follows the header's blank line. */
const bodyOf = (text: string) => text.slice(text.indexOf("\r\n\r\n") + 4);

const DOT_CASES: [string, string[]][] = [
  ["LF lines", ["Subject: a\n\nhi\n.\nafter\n"]],
  ["CRLF lines", ["Subject: a\r\n\r\nhi\r\n.\r\nafter\r\n"]],
  ["the dot line split after its CR", ["Subject: a\n\nhi\n.\r", "\nafter\n"]],
  ["the dot alone in one read", ["Subject: a\n\nhi\n", ".", "\nafter\n"]],
  ["the dot line's LF in the next read", ["Subject: a\n\nhi\n.", "\nafter\n"]],
];
for (const [what, chunks] of DOT_CASES) {
  Deno.test(`sendmail without -i ends the message at a line of one dot: ${what}`, async () => {
    const { status, err, queued } = await sendmail(["bob@example.test"], chunks);
    assert.equal(status, 0, err);
    assert.equal(queued.length, 1);
    assert.equal(bodyOf(queued[0]!.text), "hi\r\n");
  });
}

Deno.test("sendmail without -i ends the message at a dot that is the input's last line, with no line end", async () => {
  const { status, err, queued } = await sendmail(["bob@example.test"], ["Subject: a\n\nhi\n."]);
  assert.equal(status, 0, err);
  assert.equal(bodyOf(queued[0]!.text), "hi\r\n");
});

Deno.test("sendmail -i keeps a line of one dot and what follows it", async () => {
  const { status, err, queued } = await sendmail(["-i", "bob@example.test"], [
    "Subject: a\n\nhi\n.\nafter\n",
  ]);
  assert.equal(status, 0, err);
  assert.equal(bodyOf(queued[0]!.text), "hi\r\n.\r\nafter\r\n");
});

Deno.test("sendmail skips an empty word among the recipients (a script's unset variable)", async () => {
  const { status, err, queued } = await sendmail(["bob@example.test", ""], ["Subject: a\n\nhi\n"]);
  assert.equal(status, 0, err);
  assert.deepEqual(queued[0]!.rcpts, ["bob@example.test"]);
});

Deno.test("sendmail exits 75 (EX_TEMPFAIL, try again) when the queue cannot be opened", async () => {
  const spoolDir = join(makeTestDir(), "spool");
  Deno.writeTextFileSync(spoolDir, "a file where the spool should be");
  const { status, err } = await sendmail(["bob@example.test"], ["Subject: a\n\nhi\n"], spoolDir);
  assert.equal(status, 75, err);
  assert.match(err, /^pillarbox sendmail: Cannot queue the message: /);
});

/** Runs sendmail as the given login (the envelope sender when no -f and no From names one). */
async function sendmailAs(loginName: string, args: string[], message: string) {
  const spoolDir = makeTestDir();
  const err: string[] = [];
  const config = loadConfig([
    `--spool-dir=${spoolDir}`,
    "--hostname=mx.test",
    "--domains=example.test",
  ]).config;
  const status = await runSendmailCommand(args, {
    config,
    loginName,
    err: (line) => err.push(line),
    stdin: ReadableStream.from([new TextEncoder().encode(message)]),
  });
  const spool = await Spool.open({ spoolDir, log: new Logger({ sink: () => {} }) });
  const froms: string[] = [];
  for (const qid of await spool.list()) froms.push((await spool.read(qid)).envelope.from);
  spool.spares?.close();
  return { status, err: err.join("\n"), froms };
}

const SENDER_CASES: [string, string, string[], number, string[]][] = [
  ["-f '<>' sends with the null sender (a vacation reply, a bounce)", "cron", ["-f", "<>"], 0, [
    "",
  ]],
  ["-f '' sends with the null sender too", "cron", ["-f", ""], 0, [""]],
  [
    "-f with two addresses is a usage error",
    "cron",
    ["-f", "a@example.test, b@example.test"],
    64,
    [],
  ],
  ["the login name, lowercased, is the sender when nothing else names one", "Alice", [], 0, [
    "alice@example.test",
  ]],
  ["a login name that is no address's local part gives no made-up sender", "a b", [], 0, [""]],
];
for (const [what, login, args, status, froms] of SENDER_CASES) {
  Deno.test(`sendmail: ${what}`, async () => {
    const result = await sendmailAs(login, [...args, "bob@example.test"], "Subject: a\n\nhi\n");
    assert.equal(result.status, status, result.err);
    assert.deepEqual(result.froms, froms);
  });
}

Deno.test("sendmail asks a running server to deliver what it queued now (queue/wake/<qid>)", async () => {
  const spoolDir = makeTestDir();
  const { status, err } = await sendmail(["bob@example.test"], ["Subject: a\n\nhi\n"], spoolDir);
  assert.equal(status, 0, err);
  const spool = await Spool.open({ spoolDir, log: new Logger({ sink: () => {} }) });
  const [qid] = await spool.list();
  spool.spares?.close();
  assert.ok(Deno.statSync(join(spoolDir, "queue", "wake", qid!)).isFile);
});

Deno.test("sendmail exits 65 (EX_DATAERR) for a message far over the size limit", async () => {
  const { status, err } = await sendmail(
    ["--max-message-size=1000B", "-i", "bob@example.test"],
    ["Subject: a\n\n" + "x".repeat(3_000) + "\n"],
  );
  assert.equal(status, 65, err);
  assert.match(err, /larger than the size limit/);
});

Deno.test("sendmail -q exits 75 (EX_TEMPFAIL) when it cannot leave the request", async () => {
  const spoolDir = join(makeTestDir(), "spool");
  Deno.writeTextFileSync(spoolDir, "a file where the spool should be");
  const { status, err } = await sendmail(["-q"], [], spoolDir);
  assert.equal(status, 75, err);
  assert.match(err, /Cannot ask for a queue run/);
});

Deno.test("sendmail -bs answers 4xx, not 5xx, when the queue cannot be opened (the client tries again)", async () => {
  const spoolDir = join(makeTestDir(), "spool");
  Deno.writeTextFileSync(spoolDir, "a file where the spool should be");
  const replies: string[] = [];
  const config = loadConfig([
    `--spool-dir=${spoolDir}`,
    "--hostname=mx.test",
    "--domains=example.test",
  ]).config;
  const dialogue = ["HELO x", "MAIL FROM:<a@example.test>", "RCPT TO:<bob@example.test>", "DATA"];
  await runSendmailCommand(["-bs"], {
    config,
    loginName: "cron",
    err: () => {},
    out: (line) => replies.push(line),
    stdin: ReadableStream.from([
      new TextEncoder().encode([...dialogue, "Subject: a", "", "hi", ".", "QUIT", ""].join("\r\n")),
    ]),
  });
  const afterData = replies[replies.findIndex((line) => line.startsWith("354")) + 1] ?? "";
  // RFC 5321 4.2.5: a failure that may pass is a 4yz reply to the end of DATA.
  assert.match(afterData, /^4\d\d /, replies.join("\n"));
});
