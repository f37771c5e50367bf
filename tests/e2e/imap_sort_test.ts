/**
 * SORT and UID SORT (RFC 5256, with RFC 5957's DISPLAYFROM and DISPLAYTO)
 * on the wire, driven by Python's imaplib with raw commands: five messages
 * chosen so that the criteria order them differently (base subjects with
 * Re:/[list]/(fwd)/[fwd:], encoded words, display names, Date fields in
 * several zones and one missing, a group and a missing From), ties broken
 * by sequence number, search keys, charsets and refusals.
 */
import assert from "node:assert/strict";
import { python, startServer } from "./harness.ts";
import { command, loginAsBob, mailboxWith } from "./imap_helpers.ts";

const SCRIPT = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw-bob")
out = {"capability": M.capability()[1][0].decode().split()}
messages = json.loads(sys.argv[2])
for raw, arrival in messages:
    typ, data = M.append("INBOX", None, imaplib.Time2Internaldate(arrival), raw.encode())
    assert typ == "OK", data
M.select("INBOX")
# The first message goes, so that UIDs are sequence numbers plus one.
M.store("1", "+FLAGS.SILENT", "(\\\\Deleted)")
M.expunge()
def run(command, *args):
    typ, data = M._simple_command(*command.split(), *args)
    found = M._untagged_response(typ, data, command.split()[-1])[1]
    line = found[-1].decode() if found and found[-1] is not None else ""
    return [typ, line.split() if typ == "OK" else data[0].decode()]
for name, command, args in json.loads(sys.argv[3]):
    try:
        out[name] = run(command, *args)
    except M.error as error:
        out[name] = ["BAD", str(error)]
print(json.dumps(out))
`;

const AT = (text: string) => Date.parse(text) / 1000;
/** [message, INTERNALDATE in seconds]; the first one is expunged before any SORT. */
const MESSAGES: [string, number][] = [
  ["Subject: gone\r\n\r\nx\r\n", AT("2024-02-01T00:00:00Z")],
  // 1: base subject "APPLE", from "ZOE", 10:00 UTC, arrival 3rd, 200 bytes or so.
  [
    "From: Zoe <zoe@x.test>\r\nTo: Mary <mary@x.test>\r\nSubject: Re: [list] Fwd: Re: Apple\r\n" +
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n" + "a".repeat(100) + "\r\n",
    AT("2024-03-03T00:00:00Z"),
  ],
  // 2: "ÄRGER" (after every ASCII letter), "ADAM", 13:00 UTC, arrival 5th, biggest.
  [
    "From: adam@x.test\r\nTo: zed@x.test\r\nSubject: =?utf-8?q?=C3=84rger?=\r\n" +
    "Date: Mon, 1 Jan 2024 05:00:00 -0800\r\n\r\n" + "b".repeat(900) + "\r\n",
    AT("2024-03-05T00:00:00Z"),
  ],
  // 3: "BANANA", a group whose first member is "M" (shown as "Al"), no Date: INTERNALDATE 12:00.
  [
    "From: team: Al <m@x.test>, al@x.test;\r\nCc: carl@x.test\r\nSubject: banana (fwd)\r\n\r\n" +
    "c".repeat(500) + "\r\n",
    AT("2024-01-01T12:00:00Z"),
  ],
  // 4: no From, no Subject, no To: empty strings; Date 10:00 UTC, a tie with 1.
  ["Date: 1 Jan 2024 11:00:00 +0100\r\n\r\nd\r\n", AT("2024-03-04T00:00:00Z")],
  // 5: "CHERRY" in a [fwd: ] wrapper, "BOB" in an encoded name, 01:00 UTC on 1 January.
  [
    "From: =?utf-8?q?B=C3=B6b?= <Bob@x.test>\r\nTo: al@x.test\r\nSubject: [fwd: cherry]\r\n" +
    "Date: Sun, 31 Dec 2023 23:00:00 -0200\r\n\r\n" + "e".repeat(300) + "\r\n",
    AT("2024-03-02T00:00:00Z"),
  ],
];

const COMMANDS: [string, string, string[]][] = [
  ["subject", "SORT", ["(SUBJECT)", "UTF-8", "ALL"]],
  // RFC 5256 5's own examples.
  ["rfcExample", "SORT", ["(SUBJECT REVERSE DATE)", "UTF-8", "ALL"]],
  ["rfcEmpty", "SORT", ["(SUBJECT)", "US-ASCII", "TEXT", '"not in mailbox"']],
  ["from", "SORT", ["(FROM)", "UTF-8", "ALL"]],
  ["to", "SORT", ["(TO)", "UTF-8", "ALL"]],
  ["displayFrom", "SORT", ["(DISPLAYFROM)", "UTF-8", "ALL"]],
  ["displayTo", "UID SORT", ["(REVERSE DISPLAYTO)", "UTF-8", "ALL"]],
  ["cc", "SORT", ["(CC)", "US-ASCII", "ALL"]],
  ["date", "SORT", ["(DATE)", "UTF-8", "ALL"]],
  ["reverseDate", "SORT", ["(REVERSE DATE)", "UTF-8", "ALL"]],
  ["arrival", "SORT", ["(ARRIVAL)", "UTF-8", "ALL"]],
  ["size", "SORT", ["(REVERSE SIZE)", "UTF-8", "ALL"]],
  ["ccThenSubject", "SORT", ["(CC REVERSE SUBJECT)", "UTF-8", "ALL"]],
  ["uidDate", "UID SORT", ["(DATE)", "UTF-8", "ALL"]],
  ["searched", "SORT", ["(SUBJECT)", "US-ASCII", "NOT", "FROM", "zoe", "LARGER", "100"]],
  ["uidSearched", "UID SORT", ["(ARRIVAL)", "utf-8", "UID", "3:5"]],
  // "*" is the last sequence number, and in a UID set the highest UID (RFC 3501 9, seq-number).
  ["lastSeq", "SORT", ["(ARRIVAL)", "UTF-8", "*"]],
  ["uidsFromFive", "UID SORT", ["(ARRIVAL)", "UTF-8", "UID", "5:*"]],
  ["bySearchedHeader", "UID SORT", ["(SIZE)", "UTF-8", "OR", "SUBJECT", "apple", "TO", "al"]],
  ["byBody", "SORT", ["(FROM)", "UTF-8", "BODY", "ccc"]],
  ["none", "SORT", ["(DATE)", "UTF-8", "FROM", "nobody"]],
  ["badCharset", "SORT", ["(DATE)", "KOI8-R", "ALL"]],
  ["noParentheses", "SORT", ["DATE", "UTF-8", "ALL"]],
  ["noCharset", "SORT", ["(DATE)", "ALL"]],
  ["unknownKey", "SORT", ["(COLOR)", "UTF-8", "ALL"]],
  ["strayParenthesis", "SORT", ["(DATE)", "UTF-8", "ALL)"]],
];

Deno.test("SORT orders by every RFC 5256 criterion, ties by sequence number, with search keys", async () => {
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
    assert.ok(out.capability.includes("SORT"), out.capability.join(" "));
    assert.ok(out.capability.includes("SORT=DISPLAY"), out.capability.join(" "));
    const ok = (numbers: string) => ["OK", numbers === "" ? [] : numbers.split(" ")];
    // Base subjects: "" (none), APPLE, BANANA, CHERRY, ÄRGER (U+00C4 after ASCII).
    assert.deepEqual(out.subject, ok("4 1 3 5 2"), "subject");
    assert.deepEqual(out.rfcExample, ok("4 1 3 5 2"), "no two base subjects are equal here");
    assert.deepEqual(out.rfcEmpty, ok(""), "RFC 5256 5: an empty SORT");
    // Local parts: "" (no From), ADAM, BOB, M (the group's first member), ZOE.
    assert.deepEqual(out.from, ok("4 2 5 3 1"), "from");
    // RFC 5957: what is shown: "" (no From), "ADAM@X.TEST" (no name), "AL", "BöB" (decoded), "ZOE".
    assert.deepEqual(out.displayFrom, ok("4 2 3 5 1"), "display from");
    // Shown To, descending: ZED@X.TEST, MARY, AL@X.TEST, then "" twice in sequence order (UIDs).
    assert.deepEqual(out.displayTo, ok("3 2 6 4 5"), "display to");
    // "" twice (3 and 4, by number), AL, MARY, ZED.
    assert.deepEqual(out.to, ok("3 4 5 1 2"), "to");
    assert.deepEqual(out.cc, ok("1 2 4 5 3"), "cc");
    // UTC: 5 at 01:00, 1 and 4 at 10:00 (tie: by number), 3 at 12:00 (INTERNALDATE), 2 at 13:00.
    assert.deepEqual(out.date, ok("5 1 4 3 2"), "date");
    // REVERSE turns the dates round but not the tie-break: 1 still before 4 (RFC 5256 3).
    assert.deepEqual(out.reverseDate, ok("2 3 1 4 5"), "reverse date");
    assert.deepEqual(out.arrival, ok("3 5 1 4 2"), "arrival");
    assert.deepEqual(out.size, ok("2 3 5 1 4"), "size");
    // Empty Cc on 1, 2, 4, 5, by subject descending (ÄRGER, CHERRY, APPLE, ""), then CARL.
    assert.deepEqual(out.ccThenSubject, ok("2 5 1 4 3"), "cc then subject");
    assert.deepEqual(out.uidDate, ok("6 2 5 4 3"), "UID SORT answers UIDs");
    assert.deepEqual(out.searched, ok("3 5 2"), "searched");
    assert.deepEqual(out.uidSearched, ok("4 5 3"), "UID set searched");
    assert.deepEqual(out.lastSeq, ok("5"), "* as the last sequence number");
    assert.deepEqual(out.uidsFromFive, ok("6 5"), "* as the highest UID");
    assert.deepEqual(out.bySearchedHeader, ok("2 6"), "header keys searched");
    assert.deepEqual(out.byBody, ok("3"), "body searched");
    assert.deepEqual(out.none, ok(""), "no match");
    assert.equal(out.badCharset[0], "NO");
    assert.match(out.badCharset[1], /^\[BADCHARSET \(UTF-8 US-ASCII\)\]/);
    for (const name of ["noParentheses", "noCharset", "unknownKey", "strayParenthesis"]) {
      assert.equal(out[name][0], "BAD", name);
    }
  } finally {
    await server.stop();
  }
});

Deno.test("SORT holds back another session's EXPUNGE and answers in the numbers the client knows", async () => {
  const message = (subject: string) => `Subject: ${subject}\r\nFrom: a@remote.test\r\n\r\nbody\r\n`;
  const { server, client } = await mailboxWith([message("c"), message("b"), message("a")]);
  const other = await loginAsBob(server.ports.imap!);
  try {
    assert.match((await command(other, "s", "SELECT INBOX")).at(-1)!, /^s OK/);
    await command(other, "d", "STORE 2 +FLAGS.SILENT (\\Deleted)");
    assert.match((await command(other, "e", "EXPUNGE")).at(-1)!, /^e OK/);
    // RFC 3501 7.4.1 as for SEARCH (RFC 5256 3: SORT is SEARCH in order): message 3 stays 3.
    assert.deepEqual(await command(client, "t", "SORT (SUBJECT) UTF-8 ALL"), [
      "* SORT 3 1",
      "t OK SORT completed",
    ]);
    assert.deepEqual(await command(client, "n", "NOOP"), ["* 2 EXPUNGE", "n OK NOOP completed"]);
  } finally {
    other.close();
    client.close();
    await server.stop();
  }
});
