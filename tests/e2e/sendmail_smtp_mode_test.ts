/**
 * `sendmail -bs`, as Symfony Mailer and Laravel (`/usr/sbin/sendmail -bs`) and
 * SwiftMailer use it: SMTP on the command's stdin and stdout, several
 * messages in one dialogue, each queued and delivered.
 */
import assert from "node:assert/strict";
import { maildirFiles, runCli, startServer, waitUntil } from "./harness.ts";

const USERS = { "alice@example.test": "pw", "bob@example.test": "pw" };

Deno.test("sendmail -bs takes an SMTP dialogue on stdin and queues each message", async () => {
  const server = await startServer({ users: USERS });
  const flags = [`--spool-dir=${server.spoolDir}`, "--domains=example.test", "--hostname=mx.test"];
  try {
    const dialogue = [
      "EHLO [127.0.0.1]",
      "MAIL FROM:<app@example.test>",
      "RCPT TO:<bob@example.test>",
      "DATA",
      "From: App <app@example.test>",
      "To: bob@example.test",
      "Subject: first",
      "",
      "..a line that starts with a dot",
      ".",
      "MAIL FROM:<app@example.test> BODY=8BITMIME",
      "RCPT TO:<alice@example.test>",
      "RCPT TO:<bob@example.test>",
      "DATA",
      "Subject: second",
      "",
      "two",
      ".",
      "QUIT",
      "",
    ].join("\r\n");
    const result = await runCli(["sendmail", "-bs", "-i", ...flags], { stdin: dialogue });
    assert.equal(result.code, 0, result.stderr);
    const codes = result.stdout.split("\r\n").filter((line) => line !== "").map((line) =>
      line.slice(0, 4)
    );
    assert.deepEqual(codes, [
      "220 ",
      "250-",
      "250-",
      "250-",
      "250 ",
      "250 ",
      "250 ",
      "354 ",
      "250 ",
      "250 ",
      "250 ",
      "250 ",
      "354 ",
      "250 ",
      "221 ",
    ], result.stdout);
    assert.match(result.stdout, /\r\n250 2\.0\.0 Ok: queued as \S+\r\n/);
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 2);
    await waitUntil(() => maildirFiles(server.spoolDir, "alice@example.test").length === 1);
    const texts = await Promise.all(
      maildirFiles(server.spoolDir, "bob@example.test").map((file) => Deno.readTextFile(file)),
    );
    const first = texts.find((text) => /Subject: first/.test(text))!;
    assert.match(first, /^Return-Path: <app@example\.test>\r\n/);
    assert.match(first, /\r\n\r\n\.a line that starts with a dot\r\n$/, "the doubled dot undone");
  } finally {
    await server.stop();
  }
});
