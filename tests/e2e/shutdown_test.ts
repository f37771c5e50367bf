/** Stopping the server: open sessions are told why and the process ends. */
import assert from "node:assert/strict";
import { type Server, startServer, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";
import { startSink } from "./smtp_sink.ts";

Deno.test("SIGTERM tells an idle SMTP client 421 4.3.2 and an IMAP client BYE, then the server exits", async () => {
  const server = await startServer({ flags: ["--insecure-auth"] });
  const smtp = await RawClient.connect(server.ports.smtp!);
  const imap = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await smtp.reply())[0]!, /^220 /);
    assert.equal(await smtp.command("EHLO client.test"), "250 HELP");
    assert.match((await imap.line())!, /^\* OK/);
    const stopped = server.stop();
    assert.match((await smtp.reply())[0]!, /^421 4\.3\.2 /);
    assert.ok(await smtp.isClosed(), "SMTP connection closed after the 421");
    assert.match((await imap.line())!, /^\* BYE Server shutting down/);
    await stopped;
    assert.match(server.log(), /event=server\.stopped/);
  } finally {
    smtp.close();
    imap.close();
    await server.stop();
  }
});

Deno.test("SIGTERM in the middle of DATA, a BDAT chunk or an AUTH exchange is 421 4.3.2, not an idle timeout", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    flags: ["--insecure-auth", "--log-level=debug"],
  });
  const port = server.ports.smtp!;
  const clients: RawClient[] = [];
  const open = async () => {
    const client = await RawClient.connect(port);
    clients.push(client);
    assert.match((await client.reply())[0]!, /^220 /);
    assert.equal(await client.command("EHLO client.test"), "250 HELP");
    return client;
  };
  try {
    const inData = await open();
    assert.match(await inData.command("MAIL FROM:<a@remote.test>"), /^250 /);
    assert.match(await inData.command("RCPT TO:<bob@example.test>"), /^250 /);
    assert.match(await inData.command("DATA"), /^354 /);
    await inData.send("Subject: half\r\n\r\nhalf a mess");
    const inBdat = await open();
    assert.match(await inBdat.command("MAIL FROM:<a@remote.test>"), /^250 /);
    assert.match(await inBdat.command("RCPT TO:<bob@example.test>"), /^250 /);
    await inBdat.send("BDAT 100 LAST\r\nSubject: half\r\n");
    await server.waitForLog(/event=smtp\.command .*verb=BDAT/);
    const inAuth = await open();
    assert.equal(await inAuth.command("AUTH LOGIN"), "334 VXNlcm5hbWU6");
    // Every session is now waiting for input inside its command (DATA: after the 354
    // and the bytes; AUTH: after the 334); the BDAT one is reading its chunk.
    const stopped = server.stop();
    for (const [name, client] of [["DATA", inData], ["BDAT", inBdat], ["AUTH", inAuth]] as const) {
      const reply = await client.reply();
      assert.match(reply[0]!, /^421 4\.3\.2 /, `${name}: ${reply}`);
      assert.ok(await client.isClosed(), `${name}: closed after the 421`);
    }
    await stopped;
  } finally {
    for (const client of clients) client.close();
    await server.stop();
  }
});

Deno.test("SIGTERM tells an IMAP client in IDLE or AUTHENTICATE, and a POP3 client in AUTH, that the server is stopping", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const open = async () => {
    const client = await RawClient.connect(server.ports.imap!);
    assert.match((await client.line())!, /^\* OK /);
    return client;
  };
  const idling = await open();
  const authenticating = await open();
  const pop3 = await RawClient.connect(server.ports.pop3!);
  try {
    assert.match((await pop3.line())!, /^\+OK /);
    await pop3.send("AUTH PLAIN\r\n");
    assert.equal(await pop3.line(), "+ ");
    await idling.send("l LOGIN bob@example.test pw-bob\r\ns SELECT INBOX\r\ni IDLE\r\n");
    while ((await idling.line()) !== "+ idling");
    await authenticating.send("a AUTHENTICATE PLAIN\r\n");
    assert.equal(await authenticating.line(), "+ ");
    const stopped = server.stop();
    assert.equal(await idling.line(), "* BYE Server shutting down");
    assert.equal(await authenticating.line(), "* BYE Server shutting down");
    assert.equal(await pop3.line(), "-ERR [SYS/TEMP] Server shutting down");
    await stopped;
  } finally {
    idling.close();
    authenticating.close();
    pop3.close();
    await server.stop();
  }
});

/**
 * Runs `check` on a server whose one delivery attempt would never end: the next hop
 * takes the connection and never says a word, so the attempt outlives any grace period.
 */
async function withStuckDelivery(
  check: (server: Server) => Promise<void>,
): Promise<void> {
  const sink = await startSink({ script: (stage) => stage === "greeting" ? "silent" : undefined });
  const server = await startServer({ flags: [`--route=remote.test=127.0.0.1:${sink.port}`] });
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["carol@remote.test"],
      messages: ["Subject: stuck\r\n\r\nbody\r\n"],
    });
    await waitUntil(() => sink.connections() === 1, 10_000, "the delivery attempt");
    await check(server);
  } finally {
    await server.stop();
    await sink.close();
  }
}

Deno.test("a stop cut short after its grace period (a delivery that would not end) is logged and exits non-zero", async () => {
  await withStuckDelivery(async (server) => {
    server.signal("SIGTERM");
    const status = await server.exited;
    assert.match(server.log(), /level=error event=server\.stop_forced /);
    assert.doesNotMatch(server.log(), /event=server\.stopped/);
    assert.notEqual(status.code, 0, "a forced stop is not a clean one");
  });
});

Deno.test("a second SIGTERM during a stop that waits for a delivery ends the server at once, logged, non-zero", async () => {
  await withStuckDelivery(async (server) => {
    server.signal("SIGTERM");
    await server.waitForLog(/event=server\.stopping/);
    // A person's second Ctrl-C, or kill: not the same signal passed on at once by a wrapper.
    await new Promise((resolve) => setTimeout(resolve, 700));
    server.signal("SIGTERM");
    const status = await server.exited;
    assert.match(server.log(), /level=error event=server\.stop_forced signal=SIGTERM/);
    assert.notEqual(status.code, 0, "a forced stop is not a clean one");
    // Forced or not, the message was on disk before its 250: it is still queued.
    assert.equal((await Array.fromAsync(Deno.readDir(`${server.spoolDir}/queue/msg`))).length, 1);
  });
});

Deno.test("a stop signal repeated at once (Ctrl-C on `npx deno task start` reaches the server from the terminal and from each wrapper) is one request, not a forced stop", async () => {
  await withStuckDelivery(async (server) => {
    let hasExited = false;
    server.exited.then(() => hasExited = true);
    server.signal("SIGINT");
    // A few milliseconds later, as a wrapper passes it on (sent at the same instant, two
    // signals would merge into one while pending).
    await new Promise((resolve) => setTimeout(resolve, 40));
    server.signal("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.doesNotMatch(server.log(), /server\.stop_forced/);
    assert.equal(hasExited, false, "still stopping: waiting for the delivery, as for one signal");
    // A second request a person makes later still cuts it off.
    server.signal("SIGINT");
    const status = await server.exited;
    assert.match(server.log(), /level=error event=server\.stop_forced signal=SIGINT/);
    assert.notEqual(status.code, 0);
  });
});
