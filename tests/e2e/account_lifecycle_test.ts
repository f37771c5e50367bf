/**
 * Accounts changing while the server runs: `pillarbox user del` and `user
 * add` again, with the account's Maildir removed by hand in between (what an
 * administrator does to discard a deleted account's mail).
 */
import assert from "node:assert/strict";
import { maildirFiles, python, runCli, type Server, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";
import { RawClient } from "./raw_client.ts";
import { command } from "./imap_helpers.ts";

const BOB = "bob@example.test";
const PASSWORD = "bob pw";

/**
 * Deletes Bob, removes his Maildir, and adds him again (with the same password: the
 * server may not have reloaded the users file yet, and either version must work).
 */
async function recreateBob(server: Server): Promise<void> {
  const spool = `--spool-dir=${server.spoolDir}`;
  const deleted = await runCli(["user", "del", BOB, spool]);
  assert.equal(deleted.code, 0, deleted.stderr);
  await Deno.remove(`${server.spoolDir}/mail/example.test/bob`, { recursive: true });
  const added = await runCli(["user", "add", BOB, spool], { stdin: PASSWORD + "\n" });
  assert.equal(added.code, 0, added.stderr);
}

async function sendToBob(server: Server, subject: string): Promise<void> {
  const refused = await sendWithSmtplib({
    port: server.ports.smtp!,
    from: "alice@remote.test",
    rcpts: [BOB],
    messages: [`Subject: ${subject}\r\n\r\nHello Bob\r\n`],
  });
  assert.deepEqual(refused, [[]]);
}

Deno.test("mail to an account whose Maildir was removed while the server ran is delivered into a new one", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD } });
  try {
    await sendToBob(server, "before");
    await waitUntil(() => maildirFiles(server.spoolDir, BOB).length === 1, 10_000, "first mail");
    await recreateBob(server);
    await sendToBob(server, "after");
    await waitUntil(
      () => maildirFiles(server.spoolDir, BOB).length === 1,
      10_000,
      "the second mail in the new Maildir",
    );
    const text = await Deno.readTextFile(maildirFiles(server.spoolDir, BOB)[0]!);
    assert.match(text, /Subject: after/);
  } finally {
    await server.stop();
  }
});

/** Bob's INBOX over IMAP: UIDVALIDITY and `uid subject` per message. */
async function imapInbox(server: Server, password: string): Promise<string> {
  return await python(
    `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select("INBOX")
print(m.response("UIDVALIDITY")[1][0].decode())
typ, data = m.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
for item in data:
    if isinstance(item, tuple):
        uid = item[0].decode().split("UID ")[1].split(" ")[0]
        print(uid, item[1].decode().strip())
m.logout()
`,
    [server.ports.imap!, BOB, password],
  );
}

/** Bob's maildrop over POP3: `count size`, then the subjects of TOP 0. */
async function popSubjects(server: Server, password: string): Promise<string> {
  return await python(
    `
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]))
p.user(sys.argv[2]); p.pass_(sys.argv[3])
count, _ = p.stat()
print(count)
for i in range(1, count + 1):
    print([l.decode() for l in p.top(i, 0)[1] if l.startswith(b"Subject:")][0])
p.quit()
`,
    [server.ports.pop3!, BOB, password],
  );
}

Deno.test("POP3 and IMAP open a Maildir that was removed and made again while the server ran, and IMAP never reuses a UID under the old UIDVALIDITY", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  try {
    await sendToBob(server, "before");
    const [oldValidity, oldMessage] = (await imapInbox(server, PASSWORD)).trim().split("\n");
    assert.match(oldMessage ?? "", /^1 Subject: before$/);
    assert.equal((await popSubjects(server, PASSWORD)).trim(), "1\nSubject: before");
    await recreateBob(server);
    // Logged in again before any new mail arrived.
    assert.equal((await popSubjects(server, PASSWORD)).trim(), "0");
    await sendToBob(server, "after");
    await waitUntil(() => maildirFiles(server.spoolDir, BOB).length === 1, 10_000, "new mail");
    assert.equal((await popSubjects(server, PASSWORD)).trim(), "1\nSubject: after");
    const [validity, ...messages] = (await imapInbox(server, PASSWORD)).trim().split("\n");
    assert.equal(messages.length, 1);
    const [uid, subject] = [
      messages[0]!.split(" ")[0],
      messages[0]!.slice(messages[0]!.indexOf(" ") + 1),
    ];
    assert.equal(subject, "Subject: after");
    // RFC 3501 2.3.1.1: UID 1 under the same UIDVALIDITY would name the old message.
    assert.ok(validity !== oldValidity || Number(uid) > 1, `UIDVALIDITY ${validity}, UID ${uid}`);
  } finally {
    await server.stop();
  }
});

/** An IMAP session logged in as Bob with INBOX selected. */
async function selectedSession(server: Server, password: string): Promise<RawClient> {
  const client = await RawClient.connect(server.ports.imap!);
  await client.line();
  assert.match((await command(client, "l", `LOGIN ${BOB} "${password}"`)).at(-1)!, /^l OK/);
  assert.match((await command(client, "s", "SELECT INBOX")).at(-1)!, /^s OK/);
  return client;
}

/** NOOP's answer, up to the end of the connection or a tagged failure (then `isClosed` is false). */
async function noopUntilEnd(client: RawClient): Promise<{ lines: string[]; isClosed: boolean }> {
  await client.send("n NOOP\r\n");
  const lines: string[] = [];
  for (let line = await client.line(); line !== null; line = await client.line()) {
    lines.push(line);
    if (/^n (NO|BAD)/.test(line)) return { lines, isClosed: false };
  }
  return { lines, isClosed: true };
}

Deno.test("an IMAP session with INBOX selected hears BYE when the Maildir is removed, or removed and made again", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  const clients: RawClient[] = [];
  try {
    await sendToBob(server, "before");
    const first = await selectedSession(server, PASSWORD);
    clients.push(first);
    await Deno.remove(`${server.spoolDir}/mail/example.test/bob`, { recursive: true });
    const gone = await noopUntilEnd(first);
    assert.ok(gone.lines.includes("* BYE Selected mailbox was deleted"), gone.lines.join("\n"));
    assert.equal(gone.isClosed, true);

    const second = await selectedSession(server, PASSWORD);
    clients.push(second);
    await recreateBob(server);
    await sendToBob(server, "after");
    await waitUntil(() => maildirFiles(server.spoolDir, BOB).length === 1, 10_000, "new mail");
    const replaced = await noopUntilEnd(second);
    assert.ok(
      replaced.lines.includes("* BYE Selected mailbox was deleted"),
      replaced.lines.join("\n"),
    );
    assert.equal(replaced.isClosed, true);
  } finally {
    for (const client of clients) client.close();
    await server.stop();
  }
});

/** Tries `password` for `user` on IMAP, POP3 and submission: one "proto ok|refused" line each. */
async function tryLogins(server: Server, user: string, password: string): Promise<string> {
  return await python(
    `
import imaplib, poplib, smtplib, sys
imap, pop, sub, user, password = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
m = imaplib.IMAP4("127.0.0.1", imap)
try:
    m.login(user, password); print("imap ok"); m.logout()
except imaplib.IMAP4.error:
    print("imap refused")
p = poplib.POP3("127.0.0.1", pop)
p.user(user)
try:
    p.pass_(password); print("pop3 ok"); p.quit()
except poplib.error_proto:
    print("pop3 refused")
s = smtplib.SMTP("127.0.0.1", sub)
s.ehlo("client.test")
try:
    s.login(user, password); print("submission ok")
except smtplib.SMTPAuthenticationError:
    print("submission refused")
s.quit()
`,
    [server.ports.imap!, server.ports.pop3!, server.ports.submission!, user, password],
  );
}

Deno.test("once user passwd or user del has returned, the old password and the deleted account log in nowhere, and a new account does at once", async () => {
  const CAROL = "carol@example.test";
  const server = await startServer({
    users: { [BOB]: PASSWORD, [CAROL]: "carol pw" },
    flags: ["--insecure-auth"],
  });
  const spool = `--spool-dir=${server.spoolDir}`;
  const allOk = "imap ok\npop3 ok\nsubmission ok\n";
  const allRefused = "imap refused\npop3 refused\nsubmission refused\n";
  try {
    // Logins just before each change: the server has read the users file a moment ago.
    assert.equal(await tryLogins(server, BOB, PASSWORD), allOk);
    const changed = await runCli(["user", "passwd", BOB, spool], { stdin: "bob new pw\n" });
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(await tryLogins(server, BOB, PASSWORD), allRefused);
    assert.equal(await tryLogins(server, BOB, "bob new pw"), allOk);

    assert.equal(await tryLogins(server, CAROL, "carol pw"), allOk);
    const deleted = await runCli(["user", "del", CAROL, spool]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await tryLogins(server, CAROL, "carol pw"), allRefused);
    const added = await runCli(["user", "add", "dave@example.test", spool], { stdin: "dave pw\n" });
    assert.equal(added.code, 0, added.stderr);
    assert.equal(await tryLogins(server, "dave@example.test", "dave pw"), allOk);
  } finally {
    await server.stop();
  }
});

Deno.test("an aliases file moved away for a moment (a mv half done) keeps its aliases: RCPT is never refused 550 meanwhile", async () => {
  const server = await startServer({
    users: { [BOB]: PASSWORD },
    aliases: "team@example.test: bob@example.test\n",
  });
  const client = await RawClient.connect(server.ports.smtp!);
  try {
    await client.reply();
    assert.match(await client.command("EHLO client.test"), /^250 /);
    assert.match(await client.command("MAIL FROM:<alice@remote.test>"), /^250 /);
    assert.match(await client.command("RCPT TO:<team@example.test>"), /^250 /);
    const aliasesFile = `${server.spoolDir}/aliases`;
    await Deno.rename(aliasesFile, `${aliasesFile}.old`);
    // Until the server has looked at the missing file (at most a second after the last look).
    while (!/event=auth\.reload_failed .*aliases is gone/.test(server.log())) {
      assert.match(await client.command("RCPT TO:<team@example.test>"), /^250 /);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(await client.command("RCPT TO:<team@example.test>"), /^250 /);
    assert.match(await client.command("RSET"), /^250 /);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a users file truncated to be written in place (cat new > users) keeps its accounts meanwhile: logins and RCPT still work", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  try {
    const usersFile = `${server.spoolDir}/users`;
    const text = await Deno.readTextFile(usersFile);
    await Deno.truncate(usersFile);
    // Each login looks at the file: the first sees it empty.
    assert.equal(await tryLogins(server, BOB, PASSWORD), "imap ok\npop3 ok\nsubmission ok\n");
    await server.waitForLog(/event=auth\.reload_failed .*users is empty/);
    await sendToBob(server, "while the users file was empty");
    await Deno.writeTextFile(usersFile, text);
    assert.equal(await tryLogins(server, BOB, PASSWORD), "imap ok\npop3 ok\nsubmission ok\n");
  } finally {
    await server.stop();
  }
});

/** A POP3 session (RawClient) logged in as Bob. */
async function popSession(server: Server, password: string): Promise<RawClient> {
  const client = await RawClient.connect(server.ports.pop3!);
  assert.match((await client.line())!, /^\+OK/);
  await client.send(`USER ${BOB}\r\nPASS ${password}\r\n`);
  assert.match((await client.line())!, /^\+OK/);
  assert.match((await client.line())!, /^\+OK Logged in/);
  return client;
}

Deno.test("a POP3 session logged in before the Maildir was removed and made again leaves the new Maildir's UIDVALIDITY and UIDs alone at QUIT", async () => {
  // More DELEs than the UID index lets pile up before it compacts (see uid_index.ts).
  const oldCount = 40;
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  let restarted: Server | null = null;
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@remote.test",
      rcpts: [BOB],
      messages: Array.from({ length: oldCount }, (_, i) => `Subject: old ${i}\r\n\r\nHi\r\n`),
    });
    await waitUntil(
      () => maildirFiles(server.spoolDir, BOB).length === oldCount,
      10_000,
      "old mail",
    );
    const [oldValidity] = (await imapInbox(server, PASSWORD)).trim().split("\n");
    const pop = await popSession(server, PASSWORD);
    for (let n = 1; n <= oldCount; n++) {
      await pop.send(`DELE ${n}\r\n`);
      assert.match((await pop.line())!, /^\+OK/);
    }
    // Removed by hand, the account kept: its session still stands and reaches UPDATE (after
    // `user del` and `add` it would end at QUIT: see pop3_login_revoked_test.ts).
    await Deno.remove(`${server.spoolDir}/mail/example.test/bob`, { recursive: true });
    await sendToBob(server, "after");
    await waitUntil(() => maildirFiles(server.spoolDir, BOB).length === 1, 10_000, "new mail");
    const before = (await imapInbox(server, PASSWORD)).trim();
    const [newValidity] = before.split("\n");
    assert.notEqual(newValidity, oldValidity);
    assert.equal(before, `${newValidity}\n1 Subject: after`);
    // The old session's UPDATE: its messages went with the old Maildir.
    await pop.send("QUIT\r\n");
    assert.match((await pop.line())!, /^\+OK/);
    pop.close();
    await sendToBob(server, "later");
    await waitUntil(() => maildirFiles(server.spoolDir, BOB).length === 1, 10_000, "more mail");
    const expected = `${newValidity}\n1 Subject: after\n2 Subject: later`;
    assert.equal((await imapInbox(server, PASSWORD)).trim(), expected);
    await server.stop();
    // RFC 3501 2.3.1.1: the UIDs persist (or UIDVALIDITY grows); never the old UIDVALIDITY
    // back, under which UID 2 named an old message.
    restarted = await startServer({ spoolDir: server.spoolDir, flags: ["--insecure-auth"] });
    assert.equal((await imapInbox(restarted, PASSWORD)).trim(), expected);
  } finally {
    await server.stop();
    await restarted?.stop();
  }
});
