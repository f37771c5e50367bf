/**
 * A server with one account, bob, holding one message delivered over SMTP:
 * the starting point of the tests whose session outlives a change to its
 * account (`user del`, `user passwd`).
 */
import assert from "node:assert/strict";
import { maildirFiles, type Server, startServer } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

export const BOB = "bob@example.test";
export const PASSWORD = "bob pw";

/** Starts the server (plaintext logins allowed) and delivers bob his one message. */
export async function serverWithMail(): Promise<Server> {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  const refused = await sendWithSmtplib({
    port: server.ports.smtp!,
    from: "alice@remote.test",
    rcpts: [BOB],
    messages: ["Subject: one\r\n\r\nHello Bob\r\n"],
  });
  assert.deepEqual(refused, [[]]);
  return server;
}

/** Bob's messages on disk, new/ and cur/. */
export function bobsFiles(server: Server): string[] {
  return [...maildirFiles(server.spoolDir, BOB), ...maildirFiles(server.spoolDir, BOB, "cur")];
}
