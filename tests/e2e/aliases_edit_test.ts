/**
 * The users and aliases files edited by hand while the server runs: a line with a mistake
 * leaves what was loaded before in use, and an address that may be new in the broken file
 * gets a temporary answer (451 at RCPT, a wait in the queue or the pickup folder), never a
 * final "no such user".
 */
import assert from "node:assert/strict";
import { maildirFiles, startServer, waitUntil } from "./harness.ts";
import { expectReply, openSession, sendMessage } from "./smtp_dialog.ts";

const BROKEN_ALIASES = "team@example.test: bob@example.test\n" +
  "sales@example.test: bob@example.test\n" +
  "support@example.test bob@example.test\n";

Deno.test("an address added to an aliases file that turned malformed gets 451 at RCPT, a pickup file for it waits, until the file is fixed", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    aliases: "team@example.test: bob@example.test\n",
  });
  const aliases = `${server.spoolDir}/aliases`;
  try {
    await Deno.writeTextFile(aliases, BROKEN_ALIASES);
    const client = await openSession(server.ports.smtp!);
    await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
    // RFC 5321 4.2.1: a 5yz would tell the sender's server to give up on sales@ for good.
    await expectReply(client, "RCPT TO:<sales@example.test>", /^451 4\.3\.0 /);
    await expectReply(client, "RCPT TO:<team@example.test>", /^250 /);
    await expectReply(client, "QUIT", /^221 /);
    await server.waitForLog(/event=auth\.reload_failed .*line 3/);
    // A local program's message for sales@: the file stays in the pickup folder meanwhile.
    const pickup = `${server.spoolDir}/pickup`;
    await Deno.writeTextFile(
      `${pickup}/.report`,
      "From: cron@example.test\nTo: sales@example.test\nSubject: report\n\nnumbers\n",
    );
    await Deno.rename(`${pickup}/.report`, `${pickup}/report`);
    await server.waitForLog(/event=pickup\.deferred .*file=report .*sales@example\.test/);
    await Deno.writeTextFile(
      aliases,
      BROKEN_ALIASES.replace("support@example.test ", "support@example.test: "),
    );
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1, 15_000);
    assert.doesNotMatch(server.log(), /event=msg\.(failed|bounced)/);
    const again = await openSession(server.ports.smtp!);
    await expectReply(again, "MAIL FROM:<alice@remote.test>", /^250 /);
    await expectReply(again, "RCPT TO:<sales@example.test>", /^250 /);
    await expectReply(again, "RCPT TO:<nobody@example.test>", /^550 5\.1\.1 /);
    await expectReply(again, "QUIT", /^221 /);
  } finally {
    await server.stop();
  }
});

Deno.test("an alias target whose account is in a users file that turned malformed waits in the queue, not bounced, until the file is fixed", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    aliases: "team@example.test: bob@example.test, newguy@example.test\n",
    flags: ["--retry-min=1s", "--retry-interval=1s"],
  });
  const users = `${server.spoolDir}/users`;
  try {
    const bobLine = (await Deno.readTextFile(users)).split("\n").find((l) => l.startsWith("bob@"))!;
    const newguyLine = bobLine.replace("bob@", "newguy@");
    // newguy added by hand, with a mistake on another line: the accounts from before stay.
    await Deno.writeTextFile(users, `${bobLine}\n${newguyLine}\nmistake\n`);
    const client = await openSession(server.ports.smtp!);
    await sendMessage(client, {
      rcpts: ["team@example.test"],
      message: "Subject: welcome\r\n\r\nhi\r\n.\r\n",
    });
    await expectReply(client, "QUIT", /^221 /);
    await server.waitForLog(/event=msg\.deferred .*rcpt=newguy@example\.test status=4\.3\.0/);
    await Deno.writeTextFile(users, `${bobLine}\n${newguyLine}\n`);
    await waitUntil(
      () => maildirFiles(server.spoolDir, "newguy@example.test").length === 1,
      15_000,
      "newguy's copy",
    );
    assert.equal(maildirFiles(server.spoolDir, "bob@example.test").length, 1);
    assert.doesNotMatch(server.log(), /event=msg\.(failed|bounced)/);
  } finally {
    await server.stop();
  }
});
