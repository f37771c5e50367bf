/**
 * THREAD and UID THREAD (RFC 5256) on the wire, driven by Python's imaplib
 * (`imap.thread('REFERENCES', 'UTF-8', 'ALL')`): a small conversation with
 * a reply by References, one by In-Reply-To only, one whose parent is
 * missing, replies that join by subject alone (`Re: [fwd: ...]` encoded),
 * a duplicate Message-ID, and the same messages by ORDEREDSUBJECT, with
 * search keys, charsets and refusals. Each answer is also held to the
 * strict response grammar.
 */
import assert from "node:assert/strict";
import { python, startServer } from "./harness.ts";
import { command, loginAsBob, mailboxWith } from "./imap_helpers.ts";
import { parseResponse } from "../imap/grammar/responses.ts";

const SCRIPT = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw-bob")
out = {"capability": M.capability()[1][0].decode().split()}
for raw, arrival in json.loads(sys.argv[2]):
    typ, data = M.append("INBOX", None, imaplib.Time2Internaldate(arrival), raw.encode())
    assert typ == "OK", data
M.select("INBOX")
# The first message goes, so that UIDs are sequence numbers plus one.
M.store("1", "+FLAGS.SILENT", "(\\\\Deleted)")
M.expunge()
typ, data = M.thread("REFERENCES", "UTF-8", "ALL")
out["imaplib"] = [typ, [d.decode() if d is not None else None for d in data]]
typ, data = M.uid("THREAD", "REFERENCES", "UTF-8", "ALL")
out["imaplibUid"] = [typ, [d.decode() if d is not None else None for d in data]]
lines = []
def run(command, *args):
    typ, data = M._simple_command(*command.split(), *args)
    found = M._untagged_response(typ, data, "THREAD")[1]
    line = found[-1].decode() if found and found[-1] is not None else ""
    lines.append(("* THREAD " + line).rstrip())
    return [typ, line if typ == "OK" else data[0].decode()]
for name, command, args in json.loads(sys.argv[3]):
    try:
        out[name] = run(command, *args)
    except M.error as error:
        out[name] = ["BAD", str(error)]
out["lines"] = lines
print(json.dumps(out))
`;

const AT = (text: string) => Date.parse(text) / 1000;
const DAY = "Mon, 1 Jan 2024";
/** A message with `fields` (header lines) and a body line. */
const mail = (fields: string[], body = "hello") => fields.join("\r\n") + `\r\n\r\n${body}\r\n`;

/** [message, INTERNALDATE in seconds]; the first one is expunged before any THREAD. */
const MESSAGES: [string, number][] = [
  [mail(["Subject: gone"]), AT("2024-02-01T00:00:00Z")],
  // 1: the start of a conversation.
  [
    mail(["Subject: Lunch?", "Message-ID: <lunch@x.test>", `Date: ${DAY} 10:00:00 +0000`]),
    AT("2024-03-01T00:00:00Z"),
  ],
  // 2: its reply, by References.
  [
    mail([
      "Subject: Re: Lunch?",
      "Message-ID: <r1@x.test>",
      "References: <lunch@x.test>",
      `Date: ${DAY} 11:05:00 +0100`,
    ], "pizza?"),
    AT("2024-03-02T00:00:00Z"),
  ],
  // 3: another conversation, the earliest of all.
  [
    mail(["Subject: Report", "Message-ID: <rep@x.test>", `Date: ${DAY} 09:00:00 +0000`]),
    AT("2024-03-03T00:00:00Z"),
  ],
  // 4: a reply to 2 by In-Reply-To alone.
  [
    mail([
      "Subject: Re: Lunch?",
      "Message-ID: <r2@x.test>",
      "In-Reply-To: <r1@x.test>",
      `Date: ${DAY} 10:10:00 +0000`,
    ], "pizza!"),
    AT("2024-03-04T00:00:00Z"),
  ],
  // 5: a reply to 3 by its subject alone.
  [mail(["Subject: Re: Report", `Date: ${DAY} 11:00:00 +0000`]), AT("2024-03-05T00:00:00Z")],
  // 6: "Re: [fwd: Lunch?]", encoded, whose parent is not here: it joins 1 by its subject.
  [
    mail([
      "Subject: =?utf-8?q?Re=3A_=5Bfwd=3A_Lunch=3F=5D?=",
      "Message-ID: <fw@x.test>",
      "References: <elsewhere@x.test>",
      `Date: ${DAY} 12:00:00 +0000`,
    ]),
    AT("2024-03-06T00:00:00Z"),
  ],
  // 7: the Message-ID of 3 again, and its subject: two originals under one dummy.
  [
    mail(["Subject: Report", "Message-ID: <rep@x.test>", `Date: ${DAY} 13:00:00 +0000`]),
    AT("2024-03-07T00:00:00Z"),
  ],
];

const COMMANDS: [string, string, string[]][] = [
  ["references", "THREAD", ["REFERENCES", "UTF-8", "ALL"]],
  ["uidReferences", "UID THREAD", ["references", "us-ascii", "ALL"]],
  ["orderedSubject", "THREAD", ["ORDEREDSUBJECT", "UTF-8", "ALL"]],
  ["uidOrderedSubject", "UID THREAD", ["ORDEREDSUBJECT", "UTF-8", "ALL"]],
  ["searched", "THREAD", ["REFERENCES", "UTF-8", "SUBJECT", "lunch"]],
  ["searchedBody", "THREAD", ["REFERENCES", "UTF-8", "BODY", "pizza"]],
  ["searchedUids", "UID THREAD", ["REFERENCES", "UTF-8", "UID", "2:4"]],
  // RFC 5256 3's own example of an empty answer.
  ["rfcEmpty", "THREAD", ["REFERENCES", "US-ASCII", "TEXT", '"gewp"']],
  ["unknownAlgorithm", "THREAD", ["FOO", "UTF-8", "ALL"]],
  ["badCharset", "THREAD", ["REFERENCES", "KOI8-R", "ALL"]],
  ["noCharset", "THREAD", ["REFERENCES", "ALL"]],
  ["noKeys", "THREAD", ["REFERENCES", "UTF-8"]],
];

Deno.test("THREAD REFERENCES and ORDEREDSUBJECT through imaplib, by number and by UID", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    const out = JSON.parse(
      await python(SCRIPT, [
        server.ports.imap!,
        JSON.stringify(MESSAGES),
        JSON.stringify(COMMANDS),
      ]),
    );
    assert.ok(out.capability.includes("THREAD=REFERENCES"), out.capability.join(" "));
    assert.ok(out.capability.includes("THREAD=ORDEREDSUBJECT"), out.capability.join(" "));
    // 3 and 7 (both "Report", neither a reply) under a dummy, 5 joining 3 by subject; 1 with
    // 2 (References) then 4 (In-Reply-To), and 6 by subject. Threads by their first date.
    const references = "((3 5)(7))(1 (2 4)(6))";
    assert.deepEqual(out.imaplib, ["OK", [references]], "imap.thread()");
    assert.deepEqual(out.imaplibUid, ["OK", ["((4 6)(8))(2 (3 5)(7))"]], "imap.uid('THREAD')");
    assert.deepEqual(out.references, ["OK", references]);
    assert.deepEqual(out.uidReferences, ["OK", "((4 6)(8))(2 (3 5)(7))"]);
    // One thread per base subject, later messages all children of the first by date.
    assert.deepEqual(out.orderedSubject, ["OK", "(3 (5)(7))(1 (2)(4)(6))"]);
    assert.deepEqual(out.uidOrderedSubject, ["OK", "(4 (6)(8))(2 (3)(5)(7))"]);
    assert.deepEqual(out.searched, ["OK", "(1 (2 4)(6))"], "only the searched are threaded");
    assert.deepEqual(out.searchedBody, ["OK", "(2 4)"], "a body search");
    // UIDs 2:4 are messages 1 to 3: 1 and 2 linked, 3 alone and earliest.
    assert.deepEqual(out.searchedUids, ["OK", "(4)(2 3)"]);
    assert.deepEqual(out.rfcEmpty, ["OK", ""], "RFC 5256 3: an empty THREAD");
    assert.equal(out.unknownAlgorithm[0], "BAD", "RFC 5256 3: BAD for an unknown algorithm");
    assert.equal(out.badCharset[0], "NO");
    assert.match(out.badCharset[1], /^\[BADCHARSET \(UTF-8 US-ASCII\)\]/);
    assert.equal(out.noCharset[0], "BAD", "the charset is not optional in THREAD");
    assert.equal(out.noKeys[0], "BAD", "at least one search key");
    for (const line of out.lines as string[]) {
      if (line !== "* THREAD" && !line.startsWith("* THREAD (")) continue;
      assert.equal(parseResponse(line + "\r\n").kind, "thread", line);
    }
  } finally {
    await server.stop();
  }
});

Deno.test("THREAD holds back another session's EXPUNGE and answers in the numbers the client knows", async () => {
  const message = (subject: string) => `Subject: ${subject}\r\nFrom: a@remote.test\r\n\r\nbody\r\n`;
  const { server, client } = await mailboxWith([message("c"), message("b"), message("a")]);
  const other = await loginAsBob(server.ports.imap!);
  try {
    assert.match((await command(other, "s", "SELECT INBOX")).at(-1)!, /^s OK/);
    await command(other, "d", "STORE 2 +FLAGS.SILENT (\\Deleted)");
    assert.match((await command(other, "e", "EXPUNGE")).at(-1)!, /^e OK/);
    // RFC 3501 7.4.1 as for SEARCH (RFC 5256 3: THREAD searches): message 3 stays 3.
    assert.deepEqual(await command(client, "t", "THREAD ORDEREDSUBJECT UTF-8 ALL"), [
      "* THREAD (1)(3)",
      "t OK THREAD completed",
    ]);
    assert.deepEqual(await command(client, "n", "NOOP"), ["* 2 EXPUNGE", "n OK NOOP completed"]);
  } finally {
    other.close();
    client.close();
    await server.stop();
  }
});

/**
 * Bytes the process has read so far (`rchar` of /proc/<pid>/io), read by
 * `cat`: Deno lets only --allow-all read another process's /proc/<pid>/io.
 */
function bytesRead(pid: number): number {
  const out = new Deno.Command("cat", { args: [`/proc/${pid}/io`] }).outputSync();
  const rchar = /^rchar: (\d+)$/m.exec(new TextDecoder().decode(out.stdout))?.[1];
  if (!out.success || rchar === undefined) throw new Error(`no rchar in /proc/${pid}/io`);
  return Number(rchar);
}

Deno.test("THREAD reads the header sections only, not the bodies, unless a key searches them", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const client = await loginAsBob(server.ports.imap!); // makes the Maildir
  try {
    const count = 10;
    const bodyBytes = 4_000_000;
    const body = "a line of the body, read by nothing that threads\r\n".repeat(bodyBytes / 50);
    for (let i = 0; i < count; i++) {
      const header = `Subject: Re: topic\r\nMessage-ID: <m${i}@x.test>\r\n` +
        (i > 0 ? `References: <m${i - 1}@x.test>\r\n` : "");
      await Deno.writeTextFile(
        `${server.spoolDir}/mail/example.test/bob/new/${1700000000 + i}.M${i}P1.other`,
        `${header}\r\n${body}`,
      );
    }
    assert.match((await command(client, "s", "EXAMINE INBOX")).at(-1)!, /^s OK/);
    const chain = `* THREAD (${Array.from({ length: count }, (_, i) => i + 1).join(" ")})`;
    for (const algorithm of ["REFERENCES", "ORDEREDSUBJECT"]) {
      const before = bytesRead(server.pid);
      const lines = await command(client, "t", `THREAD ${algorithm} UTF-8 ALL`);
      const read = bytesRead(server.pid) - before;
      if (algorithm === "REFERENCES") assert.equal(lines[0], chain);
      assert.match(lines.at(-1)!, /^t OK/);
      // Each header is read in one piece of at most 256 KiB: far less than the 40 MB of bodies.
      assert.ok(read < (count * bodyBytes) / 10, `${algorithm} read ${read} bytes`);
    }
    // The measure sees a body search: it reads every body.
    const before = bytesRead(server.pid);
    const lines = await command(client, "b", "THREAD REFERENCES UTF-8 BODY nowhere");
    assert.deepEqual(lines, ["* THREAD", "b OK THREAD completed"]);
    assert.ok(bytesRead(server.pid) - before >= count * bodyBytes, "a BODY key reads the bodies");
  } finally {
    client.close();
    await server.stop();
  }
});
