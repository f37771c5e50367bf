/**
 * THREAD against Dovecot 2.3's (a second implementation of RFC 5256): the
 * same fixed-seed random mailboxes APPENDed to a private Dovecot and to
 * Pillarbox, and each one's THREAD REFERENCES and ORDEREDSUBJECT answers
 * compared: the unit table's nasty cases, then random mailboxes with
 * Message-IDs from a small pool (duplicates), References naming the
 * message itself, later messages, missing ones and loops, few subjects
 * with and without "Re:", equal dates. Skipped without Dovecot.
 */
import assert from "node:assert/strict";
import { DovecotUser, HAS_DOVEADM } from "./dovecot.ts";
import { python, startServer } from "./harness.ts";

const SUBJECTS = ["a", "Re: a", "b", "Fwd: b", "[l] a", "", "a (fwd)", "Re: [fwd: b]"];

/** `count` random messages. */
function mailbox(rnd: (n: number) => number, count: number): string[] {
  const ids = Math.max(2, Math.floor(count * 0.8));
  return Array.from({ length: count }, () => {
    const lines = [
      `Subject: ${SUBJECTS[rnd(SUBJECTS.length)]}`,
      `Date: Mon, 1 Jan 2024 10:0${rnd(6)}:00 +0000`,
    ];
    if (rnd(8) > 0) lines.push(`Message-ID: <m${rnd(ids)}@x.test>`);
    const refs = Array.from({ length: rnd(5) }, () => `<m${rnd(ids + 3)}@x.test>`);
    if (refs.length > 0) lines.push(`References: ${refs.join(" ")}`);
    if (rnd(3) === 0) lines.push(`In-Reply-To: <m${rnd(ids + 3)}@x.test>`);
    return lines.join("\r\n") + "\r\n\r\nbody\r\n";
  });
}

/** A message: Subject, minute past 10:00 UTC, more header lines. */
const mail = (subject: string, minute: number, ...fields: string[]) =>
  [`Subject: ${subject}`, `Date: Mon, 1 Jan 2024 10:${String(minute).padStart(2, "0")}:00 +0000`]
    .concat(fields).join("\r\n") + "\r\n\r\nbody\r\n";

/** The nasty cases of tests/imap/thread_references_test.ts whose answer is the RFC's letter. */
const FIXED: string[][] = [
  // The last reference is the message itself: 1.B breaks 1.A's link and makes none.
  [mail("x", 0, "Message-ID: <a@x>"), mail("y", 1, "Message-ID: <b@x>", "References: <a@x> <b@x>")],
  // The first reference is the message itself: 1.A makes it its reference's parent.
  [mail("x", 0, "Message-ID: <a@x>"), mail("y", 1, "Message-ID: <b@x>", "References: <b@x> <a@x>")],
  // Two messages naming each other: the first link made stands.
  [
    mail("x", 0, "Message-ID: <a@x>", "References: <b@x>"),
    mail("y", 1, "Message-ID: <b@x>", "References: <a@x>"),
  ],
  // A References field cut short does not move a message that has a parent.
  [
    mail("x", 0, "Message-ID: <a@x>"),
    mail("y", 1, "Message-ID: <b@x>", "References: <a@x>"),
    mail("z", 2, "Message-ID: <c@x>", "References: <a@x> <b@x>"),
    mail("w", 3, "Message-ID: <d@x>", "References: <z@x> <b@x>"),
  ],
  // A dummy's subject is its first child's by date.
  [
    mail("Re: y", 5, "Message-ID: <b@x>", "References: <gone@x>"),
    mail("Re: x", 1, "Message-ID: <c@x>", "References: <gone@x>"),
    mail("x", 0, "Message-ID: <a@x>"),
  ],
  // A quoted Message-ID is the same ID unquoted.
  [mail("x", 0, 'Message-ID: <"a.b"@x>'), mail("y", 1, "Message-ID: <b@x>", "References: <a.b@x>")],
];

/**
 * For each mailbox: APPENDs its messages to a new folder, selects it and
 * asks each THREAD; prints the answers as JSON ([mailbox][algorithm] = line).
 */
const SCRIPT = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login(sys.argv[2], "pw-bob")
out = []
for i, messages in enumerate(json.loads(sys.argv[3])):
    folder = "t%d" % i
    assert M.create(folder)[0] == "OK"
    for raw in messages:
        typ, data = M.append(folder, None, None, raw.encode())
        assert typ == "OK", data
    M.select(folder)
    answers = []
    for algorithm in ("REFERENCES", "ORDEREDSUBJECT"):
        typ, data = M.thread(algorithm, "UTF-8", "ALL")
        assert typ == "OK", data
        answers.append((data[0] or b"").decode())
    out.append(answers)
print(json.dumps(out))
`;
import { seededRandom as random } from "../seeded_random.ts";

Deno.test({
  name:
    "THREAD REFERENCES and ORDEREDSUBJECT answer as Dovecot's on nasty cases and 100 random mailboxes",
  ignore: !HAS_DOVEADM,
  fn: async () => {
    const rnd = random(20080601);
    const mailboxes = [...FIXED, ...Array.from({ length: 100 }, () => mailbox(rnd, 1 + rnd(10)))];
    const dovecot = new DovecotUser();
    const imapd = await dovecot.serveImap();
    const server = await startServer({
      users: { "bob@example.test": "pw-bob" },
      flags: ["--insecure-auth"],
    });
    try {
      const theirs = JSON.parse(
        await python(SCRIPT, [imapd.port, "bob", JSON.stringify(mailboxes)]),
      );
      const ours = JSON.parse(
        await python(SCRIPT, [server.ports.imap!, "bob@example.test", JSON.stringify(mailboxes)]),
      );
      const differences: string[] = [];
      mailboxes.forEach((messages, i) => {
        ["REFERENCES", "ORDEREDSUBJECT"].forEach((algorithm, j) => {
          if (ours[i][j] === theirs[i][j]) return;
          differences.push(
            `${algorithm}: ours ${ours[i][j]}, Dovecot's ${theirs[i][j]}\n` +
              messages.map((m, n) =>
                `  ${n + 1}: ${m.split("\r\n\r\n")[0]!.replaceAll("\r\n", " | ")}`
              )
                .join("\n"),
          );
        });
      });
      assert.deepEqual(differences, []);
    } finally {
      await server.stop();
      await imapd.stop();
    }
  },
});
