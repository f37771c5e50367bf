/**
 * Differential test of how the servers read the network: each session of a
 * corpus (SMTP on port 25 and submission, POP3, IMAP, the status page) is
 * played whole in one write, one line per write, one byte per write, and cut
 * inside its tricky spans (CRLF, the end of data, a stuffed dot, a literal's
 * marker, a UTF-8 sequence, a base64 line) at every offset. The server's
 * replies (ids and dates normalised) and what it stored must be the same
 * every time: TCP may split or coalesce a client's writes anywhere.
 */
import assert from "node:assert/strict";
import { maildirFiles, type Server, startServer, waitUntil } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";
import {
  edges,
  octets,
  plainResponse,
  play,
  type Segmentation,
  segmentations,
  type Session,
  session,
} from "./wire_splits.ts";

const USERS = { "bob@example.test": "pw-bob", "carol@example.test": "pw-carol" };

/** Replaces what differs from run to run (queue ids, dates, UIDVALIDITY) by placeholders. */
function normalise(text: string): string {
  return text
    .replace(/queued as [0-9A-Za-z]+/g, "queued as QID")
    .replace(/\bid [0-9A-Za-z]+/g, "id QID")
    .replace(/(Received: [^;]*;)[^\r\n]*/g, "$1 DATE")
    .replace(/^Date: [^\r\n]*/gim, "Date: DATE")
    .replace(/^Message-ID: [^\r\n]*/gim, "Message-ID: MID")
    .replace(/UIDVALIDITY \d+/g, "UIDVALIDITY N")
    .replace(/APPENDUID \d+/g, "APPENDUID N")
    .replace(/INTERNALDATE "[^"]*"/g, 'INTERNALDATE "DATE"')
    .replace(/\(cid [0-9A-Za-z]+\)/g, "(cid CID)");
}

/** Messages delivered to carol since the last call, normalised and sorted; removed after. */
async function takeCarolsMail(server: Server, expected: number): Promise<string[]> {
  const files = () => maildirFiles(server.spoolDir, "carol@example.test");
  await waitUntil(() => files().length >= expected, 10_000, `${expected} messages for carol`);
  // A moment for a further (wrongly duplicated) message to show up as well.
  await waitUntil(() => queueIsEmpty(server), 10_000, "an empty queue");
  const texts = files().map((file) => normalise(Deno.readTextFileSync(file)));
  for (const file of files()) Deno.removeSync(file);
  return texts.sort();
}

function queueIsEmpty(server: Server): boolean {
  try {
    return [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length === 0;
  } catch {
    return true;
  }
}

/**
 * Plays `s` in every segmentation and asserts each run's outcome (the replies,
 * and whatever `stored` reads after the run) equals the run in one write.
 */
async function assertSameEverySplit(
  what: string,
  s: Session,
  run: (cuts: number[]) => Promise<string>,
  options: { bytewise?: boolean } = {},
): Promise<string> {
  let reference: string | null = null;
  const differences: string[] = [];
  for (const segmentation of segmentations(s, options)) {
    const outcome = await run(segmentation.cuts);
    if (reference === null) reference = outcome;
    else if (outcome !== reference) differences.push(describe(segmentation, s, outcome));
  }
  assert.deepEqual(differences, [], `${what}: in one write:\n${reference}`);
  return reference!;
}

function describe(segmentation: Segmentation, s: Session, outcome: string): string {
  const decoder = new TextDecoder();
  const cuts = segmentation.cuts.slice(0, 8).map((cut) =>
    JSON.stringify(decoder.decode(s.bytes.subarray(Math.max(0, cut - 6), cut))) + "|" +
    JSON.stringify(decoder.decode(s.bytes.subarray(cut, cut + 6)))
  );
  return `${segmentation.name} (${cuts.join(", ")}):\n${outcome}`;
}

const MESSAGE_A = "Subject: split ünïcode\r\n\r\n..a stuffed dot\r\n..\r\ncafé € 𝄞\r\nlast\r\n";
const SMTP_SESSION = session(
  "EHLO client",
  { tricky: ".test\r\n" },
  "MAIL FROM:<alice@remote.test> BODY=8BITMIME\r\n",
  "RCPT TO:<carol@example.test>\r\n",
  { tricky: "DATA\r\n" },
  "Subject: split ünïcode\r\n\r\n",
  { tricky: "..a stuffed dot\r\n..\r\n" },
  { tricky: "café € 𝄞\r\n" },
  "last",
  { tricky: "\r\n.\r\n" },
  // Refused (a bare LF before the dot), and the session stays in step after it.
  "MAIL FROM:<alice@remote.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\n",
  { tricky: "smuggled\n.\r\nMAIL" },
  " FROM:<x@remote.test>\r\n",
  { tricky: "\r\n.\r\n" },
  "MAIL FROM:<alice@remote.test>\r\nRCPT TO:<carol@example.test>\r\n",
  { tricky: "BDAT 12\r\nSubj" },
  "ect: b\r\n",
  { tricky: "BDAT 9 LAST\r\n\r\nch" },
  "unk\r\n",
  // An SMTPUTF8 sender cut inside its UTF-8 sequences (RFC 6531).
  "MAIL FROM:<",
  { tricky: "ärö𝄞@" },
  "remote.test> SMTPUTF8\r\nRSET\r\n",
  // At the 512-octet limit and one past it (RFC 5321 4.5.3.1.4).
  `NOOP ${"x".repeat(505)}`,
  { tricky: "\r\nNOOP " },
  `${"y".repeat(506)}`,
  { tricky: "\r\nNOOP\r\nQUIT\r\n" },
);

Deno.test({
  name: "wire splits: SMTP and submission answer and store the same however the bytes arrive",
  fn: async () => {
    const server = await startServer({ users: USERS, flags: ["--insecure-auth"] });
    try {
      const smtp = await assertSameEverySplit("SMTP", SMTP_SESSION, async (cuts) => {
        const replies = normalise(await play(server.ports.smtp!, SMTP_SESSION, cuts));
        return replies + "\n---\n" + (await takeCarolsMail(server, 2)).join("\n---\n");
      });
      assert.equal(smtp.match(/^250 2\.0\.0 Ok: queued as QID\r$/gm)?.length, 2, smtp);
      assert.match(
        smtp,
        /^250 2\.1\.0 Sender ok\r\n250 2\.0\.0 Ok\r\n250 2\.0\.0 Ok\r\n500 5\.5\.2 Line too long\r\n250 2\.0\.0 Ok\r\n221 /m,
      );
      assert.ok(smtp.includes(MESSAGE_A.replaceAll("\r\n..", "\r\n.")), smtp);

      const submission = session(
        "EHLO client.test\r\n",
        { tricky: `AUTH PLAIN ${plainResponse("carol@example.test", "pw-carol").slice(0, 6)}` },
        `${plainResponse("carol@example.test", "pw-carol").slice(6)}\r\n`,
        "MAIL FROM:<carol@example.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\n",
        "Subject: submitted\r\n\r\nbody\r\n.\r\nQUIT\r\n",
      );
      await assertSameEverySplit("submission", submission, async (cuts) => {
        const replies = normalise(await play(server.ports.submission!, submission, cuts));
        return replies + "\n---\n" + (await takeCarolsMail(server, 1)).join("\n---\n");
      });
      // AUTH PLAIN answering the empty challenge, and AUTH LOGIN's two lines (RFC 4954 4).
      const challenged = [
        session(
          "EHLO client.test\r\n",
          ...edges("AUTH PLAIN\r\n", 4),
          ...edges(`${plainResponse("carol@example.test", "pw-carol")}\r\nNOOP\r\nQUIT\r\n`),
        ),
        session(
          "EHLO client.test\r\n",
          ...edges(`AUTH LOGIN ${btoa("carol@example.test")}\r\n`),
          ...edges(`${btoa("pw-carol")}\r\nNOOP\r\nQUIT\r\n`),
        ),
      ];
      for (const s of challenged) {
        const out = await assertSameEverySplit("submission AUTH", s, async (cuts) => {
          return normalise(await play(server.ports.submission!, s, cuts));
        }, { bytewise: false });
        assert.match(out, /^235 2\.7\.0 .*\r\n250 2\.0\.0 Ok\r\n221 /m);
      }
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "wire splits: POP3 answers the same however the bytes arrive",
  fn: async () => {
    const server = await startServer({ users: USERS, flags: ["--insecure-auth"] });
    try {
      await deliver(server, ["Subject: one\r\n\r\nfirst ü\r\n.dot\r\n"]);
      const pop3 = session(
        { tricky: "CAPA\r\n" },
        "USER bob@example.",
        { tricky: "test\r\nPASS " },
        "pw-bob\r\n",
        "STAT\r\nLIST\r\nUIDL\r\n",
        { tricky: "TOP 1 0\r\nRETR 1\r\n" },
        "DELE 1\r\nRSET\r\nNOOP\r\nQUIT\r\n",
      );
      await assertSameEverySplit("POP3", pop3, async (cuts) => {
        return normalise(await play(server.ports.pop3!, pop3, cuts));
      });
      const pop3Auth = session(
        { tricky: "AUTH PLAIN\r\n" },
        { tricky: plainResponse("bob@example.test", "pw-bob").slice(0, 8) },
        `${plainResponse("bob@example.test", "pw-bob").slice(8)}\r\n`,
        "STAT\r\nQUIT\r\n",
      );
      await assertSameEverySplit("POP3 AUTH", pop3Auth, async (cuts) => {
        return normalise(await play(server.ports.pop3!, pop3Auth, cuts));
      });
    } finally {
      await server.stop();
    }
  },
});

const APPENDED = "Subject: appended\r\n\r\ncafé 𝄞\r\n";
Deno.test({
  name: "wire splits: IMAP answers and stores the same however the bytes arrive",
  fn: async () => {
    const server = await startServer({ users: USERS, flags: ["--insecure-auth"] });
    try {
      const imap = session(
        "a1 LOGIN bob@example.test ",
        { tricky: "{6+}\r\npw-bob\r\n" },
        "a2 CREATE T\r\n",
        "a3 APPEND T (\\Seen) ",
        { tricky: `{${octets(APPENDED)}+}\r\nSubj` },
        APPENDED.slice(4, -12),
        { tricky: APPENDED.slice(-12) + "\r\n" },
        "a4 SELECT T\r\n",
        "a5 FETCH 1 (FLAGS RFC822.SIZE BODY[])\r\n",
        "a6 SEARCH CHARSET UTF-8 BODY ",
        { tricky: `{${octets("é 𝄞")}+}\r\né 𝄞\r\n` },
        { tricky: "a7 IDLE\r\nDONE\r\n" },
        "a8 STORE 1 +FLAGS (\\Deleted)\r\na9 EXPUNGE\r\n",
        "b1 UNSELECT\r\n",
        { tricky: "b2 DELETE T\r\nb3 LOGOUT\r\n" },
      );
      const authenticate = session(
        ...edges("c1 AUTHENTICATE PLAIN\r\n"),
        ...edges(`${plainResponse("bob@example.test", "pw-bob")}\r\n`),
        "c2 SELECT INBOX\r\n",
        "c3 SEARCH CHARSET UTF-8 SUBJECT ",
        { tricky: `"ünï"\r\n` },
        "c4 LOGOUT\r\n",
      );
      const authenticated = await assertSameEverySplit(
        "IMAP AUTHENTICATE",
        authenticate,
        async (cuts) => {
          return normalise(await play(server.ports.imap!, authenticate, cuts));
        },
      );
      assert.match(authenticated, /^c1 OK /m);
      const out = await assertSameEverySplit("IMAP", imap, async (cuts) => {
        return normalise(await play(server.ports.imap!, imap, cuts));
      });
      assert.match(out, /^a6 OK /m);
      assert.match(out, /^\* SEARCH 1\r$/m);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "wire splits: the status page answers the same however the request arrives",
  fn: async () => {
    const server = await startServer({ flags: ["--http-listen=127.0.0.1:0"] });
    try {
      const request = session(
        "GET /healthz ",
        { tricky: "HTTP/1.1\r\n" },
        "Host: localhost\r\nUser-Agent: ",
        { tricky: "split\r\n" },
        { tricky: "\r\n" },
      );
      const out = await assertSameEverySplit("HTTP", request, async (cuts) => {
        const response = await play(server.ports.http!, request, cuts);
        return response.replace(/^Date: .*$/gim, "Date: DATE");
      });
      assert.match(out, /^HTTP\/1\.1 200 /);
    } finally {
      await server.stop();
    }
  },
});
