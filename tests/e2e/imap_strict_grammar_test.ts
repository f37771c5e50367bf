/**
 * Every response the real server sends must parse under RFC 3501's formal
 * syntax (section 9): a broad corpus of messages, folder names, FETCH items,
 * SEARCH keys, STOREs and UID ranges, read byte for byte by
 * `StrictImapClient` and checked by tests/imap/grammar.
 */
import assert from "node:assert/strict";
import { type Server, startServer } from "./harness.ts";
import { binaryBytes, type Checked, StrictImapClient } from "./strict_imap_client.ts";
import { FETCH_ITEMS, FOLDER_ARGUMENTS, NASTY_MESSAGES } from "./grammar_corpus.ts";
import type { Body, Envelope } from "../imap/grammar/responses.ts";
import { mailboxDir } from "../../src/mailbox/mod.ts";

const BOB = "bob@example.test";

/** A server and a strict client logged in as bob, the corpus APPENDed to INBOX, INBOX selected. */
async function corpusMailbox(): Promise<{ server: Server; client: StrictImapClient }> {
  const server = await startServer({ users: { [BOB]: "pw-bob" }, flags: ["--insecure-auth"] });
  const { client } = await StrictImapClient.connect(server.ports.imap!);
  assert.equal(tagged(await client.command("l", `LOGIN ${BOB} pw-bob`)), "OK");
  for (const [i, message] of Object.values(NASTY_MESSAGES).entries()) {
    const bytes = binaryBytes(message);
    await client.send(`a${i} APPEND INBOX (\\Seen $Label) " 1-Jan-2024 10:00:00 +0100" `);
    // Every other one as a synchronising literal: the continuation request is checked too.
    if (i % 2 === 0) {
      await client.send(`{${bytes.length}}\r\n`);
      assert.equal((await client.next()).response.kind, "continue");
    } else await client.send(`{${bytes.length}+}\r\n`);
    await client.send(bytes);
    await client.send("\r\n");
    assert.equal(tagged(await client.untilTagged(`a${i}`)), "OK");
  }
  assert.equal(tagged(await client.command("s", "SELECT INBOX")), "OK");
  return { server, client };
}

/** The status of the tagged response that ends `responses`. */
function tagged(responses: Checked[]): string {
  const last = responses.at(-1)!.response;
  return last.kind === "tagged" ? last.status : `not tagged: ${JSON.stringify(last)}`;
}

Deno.test("every response to a broad command corpus parses under RFC 3501's formal syntax", async () => {
  const { server, client } = await corpusMailbox();
  try {
    const run = async (line: string) => await client.command("c", line);
    for (const item of FETCH_ITEMS) await run(`FETCH 1:* ${item}`);
    await run("UID FETCH 4:2 (FLAGS BODY.PEEK[1.MIME])");
    await run("UID FETCH *:1 UID");
    await run("FETCH 1 (UID BODY[HEADER.FIELDS ({4+}\r\nDate)])");
    for (
      const key of [
        "ALL",
        "ANSWERED BCC x BEFORE 3-Jan-2024 BODY body CC c DELETED DRAFT FLAGGED FROM a",
        "KEYWORD $Label NEW OLD ON 1-Jan-2024 RECENT SEEN SINCE 1-Jan-2024 SUBJECT x TEXT y",
        "TO b UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $x UNSEEN HEADER X-Bin a",
        "LARGER 10 SMALLER 100000 SENTBEFORE 3-Jan-2024 SENTON 1-Jan-2024 SENTSINCE 1-Jan-2000",
        "OR NOT 1:2 (UID 4:* 5) *",
        "CHARSET UTF-8 SUBJECT {5+}\r\ncaf\xc3\xa9",
        "CHARSET X-UNKNOWN ALL",
        "UID *:*",
      ]
    ) {
      await run(`SEARCH ${key}`);
      await run(`UID SEARCH ${key}`);
      // ESEARCH (RFC 4731), SORT and THREAD (RFC 5256) over the same keys.
      await run(`SEARCH RETURN (MIN MAX COUNT ALL) ${key}`);
      await run(`UID SEARCH RETURN () ${key}`);
      const sortKey = key.startsWith("CHARSET ") ? key.slice("CHARSET ".length) : `UTF-8 ${key}`;
      await run(`SORT (REVERSE SUBJECT FROM DISPLAYFROM) ${sortKey}`);
      await run(`UID SORT (DATE CC TO SIZE ARRIVAL REVERSE DISPLAYTO) ${sortKey}`);
      await run(`THREAD REFERENCES ${sortKey}`);
      await run(`UID THREAD ORDEREDSUBJECT ${sortKey}`);
    }
    for (
      const store of [
        "1 +FLAGS (\\Flagged $New)",
        "1:2 -FLAGS.SILENT (\\Seen)",
        "2 FLAGS ($a $b \\Draft)",
        "3:* +FLAGS \\Answered",
        "* -FLAGS ()",
      ]
    ) {
      await run(`STORE ${store}`);
      await run(`UID STORE ${store}`);
    }
    for (const folder of FOLDER_ARGUMENTS) {
      assert.equal(tagged(await run(`CREATE ${folder}`)), "OK");
    }
    for (
      const line of [
        'LIST "" *',
        'LIST "" %',
        'LIST "" ""',
        'LSUB "" *',
        'LIST (SUBSCRIBED RECURSIVEMATCH) "" % RETURN (CHILDREN SPECIAL-USE)',
        'LIST "" (* %) RETURN (SUBSCRIBED)',
        'LIST () "" % RETURN (CHILDREN)',
        'LIST (SUBSCRIBED) "" *',
        'LIST (SPECIAL-USE RECURSIVEMATCH) "" *',
        'LIST "" * RETURN (STATUS (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE))',
        'LIST (SUBSCRIBED) "" * RETURN (SUBSCRIBED STATUS (UNSEEN))',
        'ID ("name" "strict" "version" NIL)',
        'STATUS "a b" (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)',
        'STATUS "&AOk-t&AOk-" (UIDNEXT)',
        "COPY 1:3 {3+}\r\nlit",
        'UID COPY 9,1,3:2 "a b"',
        'UID MOVE 5:6 "brack]et"',
        "COPY 1 Missing",
        "STORE 1 +FLAGS.SILENT (\\Deleted)",
        "EXPUNGE",
        "NAMESPACE",
        "ID NIL",
        "ENABLE CONDSTORE",
        "CAPABILITY",
        "NOOP",
        'RENAME "a b" "&AOk-"',
        "CHECK",
        "FROB",
        "FETCH 1 BODY[0]",
        "UNSELECT",
        'EXAMINE "&AOk-"',
        "FETCH 1:* FAST",
        "CLOSE",
      ]
    ) await run(line);
    assert.deepEqual(client.violations, []);
    assert.ok(client.transcript.length > 400, `${client.transcript.length} responses checked`);
  } finally {
    client.close();
    await server.stop();
  }
});

/** Lines as RFC 3501 7.4.2 counts them for body-fld-lines. */
function countLines(data: string): number {
  const newlines = data.split("\n").length - 1;
  return data.length > 0 && !data.endsWith("\n") ? newlines + 1 : newlines;
}

Deno.test("BODYSTRUCTURE's octet and line counts are those of each part's BODY[section]", async () => {
  const { server, client } = await corpusMailbox();
  try {
    const count = Object.keys(NASTY_MESSAGES).length;
    const checkPart = async (seq: number, body: Body, path: string[]): Promise<void> => {
      if (body.kind === "multi") {
        for (const [i, part] of body.parts.entries()) {
          await checkPart(seq, part, [...path, String(i + 1)]);
        }
        return;
      }
      const section = path.length === 0 ? "1" : path.join(".");
      const [first] = await client.command("p", `FETCH ${seq} BODY.PEEK[${section}]`);
      const response = first!.response;
      assert.ok(response.kind === "fetch");
      const data = response.atts[0]!.value as string;
      const where = `message ${seq} part ${section}`;
      assert.equal(body.octets, data.length, `${where}: octets`);
      const type = `${body.type}/${body.subtype}`.toUpperCase();
      const hasLines = type.startsWith("TEXT/") || type === "MESSAGE/RFC822";
      assert.equal(body.lines !== undefined, hasLines, `${where}: body-fld-lines present`);
      if (body.lines !== undefined) assert.equal(body.lines, countLines(data), `${where}: lines`);
      if (body.body !== undefined) {
        const inner = path.length === 0 ? ["1"] : path;
        await checkPart(seq, body.body, body.body.kind === "multi" ? inner : [...inner, "1"]);
      }
    };
    for (let seq = 1; seq <= count; seq++) {
      const [first] = await client.command("b", `FETCH ${seq} BODYSTRUCTURE`);
      const response = first!.response;
      assert.ok(response.kind === "fetch");
      await checkPart(seq, response.atts[0]!.value as Body, []);
    }
    assert.deepEqual(client.violations, []);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a message another program put in the Maildir with NUL octets is fetched without them (RFC 3501 9: a literal is CHAR8, %x01-ff)", async () => {
  const server = await startServer({ users: { [BOB]: "pw-bob" }, flags: ["--insecure-auth"] });
  const { client } = await StrictImapClient.connect(server.ports.imap!);
  try {
    assert.equal(tagged(await client.command("l", `LOGIN ${BOB} pw-bob`)), "OK");
    const message = "From: a@example.test\r\nSubject: nul\x00here\r\n\r\nA\x00B\r\n";
    const dir = mailboxDir(server.spoolDir, BOB);
    Deno.writeFileSync(`${dir}/new/1700000000.M1P1.other`, binaryBytes(message));
    assert.equal(tagged(await client.command("s", "SELECT INBOX")), "OK");
    const items = "(RFC822.SIZE ENVELOPE BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT]<1.2> " +
      "BODY.PEEK[HEADER.FIELDS (SUBJECT)] RFC822.HEADER BODYSTRUCTURE)";
    const [first] = await client.command("f", `FETCH 1 ${items}`);
    assert.deepEqual(client.violations, []);
    const response = first!.response;
    assert.ok(response.kind === "fetch");
    const value = (name: string) => response.atts.find((att) => att.name === name)?.value;
    // Each NUL is one 0x80 octet (as Dovecot sends it): every count stays what it was.
    const shown = message.replaceAll("\x00", "\x80");
    assert.equal(value("RFC822.SIZE"), message.length);
    assert.equal(value("BODY[]"), shown);
    assert.equal(value("BODY[HEADER]"), shown.slice(0, shown.indexOf("\r\n\r\n") + 4));
    assert.equal(value("BODY[TEXT]<1>"), "\x80B");
    assert.equal(value("BODY[HEADER.FIELDS (SUBJECT)]"), "Subject: nul\x80here\r\n\r\n");
    assert.equal((value("ENVELOPE") as Envelope).subject, "nul\x80here");
  } finally {
    client.close();
    await server.stop();
  }
});
