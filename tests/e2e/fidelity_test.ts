/**
 * Byte fidelity end to end: nasty messages sent through every way in (SMTP
 * DATA, BDAT in one chunk and in many, submission with AUTH, IMAP APPEND with
 * a literal and a LITERAL+ one) and read back through every way out (the
 * Maildir file, IMAP BODY.PEEK[] / BODY[] / RFC822 / RFC822.SIZE / partial
 * fetches at every boundary, POP3 LIST / RETR / TOP through Python's imaplib
 * and poplib, and a relay to a sink). Nothing may differ but what the RFCs let
 * a server add: our Return-Path and Received (plus the blank line a message
 * without a header section needs after them).
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer } from "./harness.ts";
import { RawClient } from "./raw_client.ts";
import { startSink } from "./smtp_sink.ts";
import { APPEND_ONLY, CORPUS, HEAD } from "./fidelity_corpus.ts";

const encoder = new TextEncoder();
const bytes = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));
const PLAIN_BOB = btoa("\0bob@example.test\0secret");
/** What SMTP can carry of `message`: a last line always ends in CRLF (RFC 5321 4.1.1.4). */
const viaData = (message: string) =>
  message === "" || message.endsWith("\r\n") ? message : message + "\r\n";

function dotStuffed(message: string): string {
  return viaData(message).replace(/^\./gm, "..") + ".\r\n";
}

/** What APPEND stores of `message`: a bare LF as CRLF, a lone CR as sent (RFC 5322 2.3). */
const storedByAppend = (message: string) => message.replace(/(?<!\r)\n/g, "\r\n");

/** Splits `message` at every "\r" and "." and a few more places: BDAT chunk boundaries. */
function chunkCuts(message: string): number[] {
  const cuts = new Set<number>();
  for (let i = 1; i < message.length; i++) {
    if (message[i] === "\n" || message[i] === "." || i % 97 === 0) cuts.add(i);
  }
  return [...cuts, message.length];
}

async function smtpSession(port: number, auth?: string): Promise<RawClient> {
  const client = await RawClient.connect(port);
  await client.reply();
  await client.command("EHLO client.test");
  if (auth) assert.match(await client.command(`AUTH PLAIN ${auth}`), /^235 /);
  return client;
}

/** Sends one message; returns the reply to its end. */
async function sendSmtp(
  port: number,
  message: string,
  options: { bdatCuts?: number[]; auth?: string; from?: string; rcpt?: string } = {},
): Promise<string> {
  const client = await smtpSession(port, options.auth);
  try {
    const from = options.from ?? "a@example.test";
    assert.match(await client.command(`MAIL FROM:<${from}> BODY=8BITMIME`), /^250 /);
    assert.match(await client.command(`RCPT TO:<${options.rcpt ?? "bob@example.test"}>`), /^250 /);
    if (options.bdatCuts === undefined) {
      assert.match(await client.command("DATA"), /^354 /);
      await client.send(bytes(dotStuffed(message)));
      return (await client.reply()).at(-1) as string;
    }
    let start = 0;
    let last = "";
    for (const [i, cut] of options.bdatCuts.entries()) {
      const isLast = i === options.bdatCuts.length - 1;
      const chunk = bytes(message.slice(start, cut));
      start = cut;
      await client.send(encoder.encode(`BDAT ${chunk.length}${isLast ? " LAST" : ""}\r\n`));
      await client.send(chunk);
      last = (await client.reply()).at(-1) as string;
      if (!last.startsWith("250")) break;
    }
    return last;
  } finally {
    client.close();
  }
}

/** IMAP APPEND of exact bytes with a synchronising or a LITERAL+ literal; returns the tagged reply. */
async function append(port: number, message: Uint8Array, isPlus: boolean): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    await client.line();
    await client.send("a LOGIN bob@example.test secret\r\n");
    assert.match(await client.line() ?? "", /^a OK/);
    await client.send(`b APPEND INBOX {${message.length}${isPlus ? "+" : ""}}\r\n`);
    if (!isPlus) assert.match(await client.line() ?? "", /^\+/);
    await client.send(message);
    await client.send("\r\n");
    while (true) {
      const line = await client.line();
      if (line === null || line.startsWith("b ")) return line ?? "";
    }
  } finally {
    client.close();
  }
}

/** Reads every message back through imaplib and poplib; one JSON object per message. */
const READ_BACK = `
import sys, json, base64, imaplib, poplib, re
imap_port, pop_port = int(sys.argv[1]), int(sys.argv[2])
b64 = lambda b: base64.b64encode(b).decode()
im = imaplib.IMAP4("127.0.0.1", imap_port)
im.login("bob@example.test", "secret")
typ, data = im.select("INBOX", readonly=True)
count = int(data[0])
out = []
def literal(resp):
    parts = [x for x in resp if isinstance(x, tuple)]
    return [p[1] for p in parts]
for n in range(1, count + 1):
    typ, resp = im.fetch(str(n), "(RFC822.SIZE BODY.PEEK[])")
    size = int(re.search(rb"RFC822.SIZE (\\d+)", resp[0][0]).group(1))
    whole = literal(resp)[0]
    typ, resp = im.fetch(str(n), "(RFC822.HEADER RFC822.TEXT)")
    header_text = b"".join(literal(resp))
    partials = []
    for off in sorted({0, 1, len(whole) - 1, len(whole), len(whole) + 1}):
        for length in (1, len(whole) + 1):
            typ, resp = im.fetch(str(n), "(BODY.PEEK[]<%d.%d>)" % (off, length))
            got = literal(resp)
            if not got:
                got = [b""] if re.search(rb'BODY\\[\\]<\\d+> ""', resp[0]) else [None]
            partials.append([off, length, None if got[0] is None else b64(got[0])])
    out.append({"size": size, "whole": b64(whole), "headerText": b64(header_text),
                "partials": partials})
im.logout()
pop = poplib.POP3("127.0.0.1", pop_port)
pop.user("bob@example.test")
pop.pass_("secret")
listed = [int(line.split()[1]) for line in pop.list()[1]]
for n in range(1, count + 1):
    resp, lines, octets = pop.retr(n)
    said = int(resp.split()[1])
    retr = b"".join(line + b"\\r\\n" for line in lines)
    top = b"".join(line + b"\\r\\n" for line in pop.top(n, 0)[1])
    out[n - 1].update({"listed": listed[n - 1], "said": said, "retr": b64(retr), "top": b64(top)})
pop.quit()
print(json.dumps(out))
`;

interface ReadBack {
  size: number;
  whole: string;
  headerText: string;
  partials: [number, number, string | null][];
  listed: number;
  said: number;
  retr: string;
  top: string;
}

const latin1 = (data: Uint8Array) => {
  let text = "";
  for (let i = 0; i < data.length; i += 8192) {
    text += String.fromCharCode(...data.subarray(i, i + 8192));
  }
  return text;
};
const fromBase64 = (text: string) => latin1(Uint8Array.fromBase64(text));

/** The message a POP3 client sees: every line end CRLF, the last line ended (RFC 1939 3). */
function withCrlfLines(text: string): string {
  const out = text.replace(/\r?\n/g, "\r\n");
  return out === "" || out.endsWith("\r\n") ? out : out + "\r\n";
}

/** The header section and the blank line, as TOP n 0 sends it (all of it without one). */
function topZero(text: string): string {
  if (text.startsWith("\r\n")) return "\r\n";
  const end = text.indexOf("\r\n\r\n");
  return end < 0 ? text : text.slice(0, end + 4);
}

/** Our trace fields in front of a message taken over SMTP: Return-Path, then Received. */
const TRACE = /^Return-Path: <[^>]*>\r\nReceived: [^\r]*\r\n(?:[ \t][^\r]*\r\n)*/;
/** After an authenticated submission, also the Date and Message-ID it lacked (RFC 6409 8.2, 8.3). */
const SUBMISSION_TRACE = new RegExp(
  TRACE.source + "(?:Date: [^\\r]*\\r\\n)?(?:Message-ID: <[^>]*>\\r\\n)?",
);

/**
 * Whether `stored` is `expected` as it must arrive: exactly, or after our
 * trace fields (`trace`), with the blank line a message whose first line is
 * body text needs after them.
 */
function matchesSent(stored: string, trace: RegExp | null, expected: string): boolean {
  if (trace === null) return stored === expected;
  const fields = trace.exec(stored)?.[0];
  if (fields === undefined) return false;
  const isBodyFirst = expected !== "" && !/^([\x21-\x39\x3b-\x7e]+[ \t]*:|\r\n)/.test(expected);
  return stored.slice(fields.length) === (isBodyFirst ? "\r\n" : "") + expected;
}

/** The ways in; `expected(message)` is what must follow our trace fields (or be the file). */
const WAYS_IN: {
  name: string;
  send: (ports: Record<string, number>, message: string) => Promise<string>;
  trace: RegExp | null;
  expected: (message: string) => string;
  corpus?: { name: string; message: string }[];
}[] = [
  {
    name: "SMTP DATA",
    send: (ports, message) => sendSmtp(ports.smtp!, message),
    trace: TRACE,
    expected: viaData,
  },
  {
    name: "submission with AUTH",
    send: (ports, message) =>
      sendSmtp(ports.submission!, message, { auth: PLAIN_BOB, from: "bob@example.test" }),
    trace: SUBMISSION_TRACE,
    expected: viaData,
  },
  {
    name: "BDAT in one chunk",
    send: (ports, message) => sendSmtp(ports.smtp!, message, { bdatCuts: [message.length] }),
    trace: TRACE,
    expected: (message) => message,
  },
  {
    name: "BDAT cut at every line end and dot",
    send: (ports, message) => sendSmtp(ports.smtp!, message, { bdatCuts: chunkCuts(message) }),
    trace: TRACE,
    expected: (message) => message,
  },
  {
    name: "IMAP APPEND with a literal",
    send: (ports, message) => append(ports.imap!, bytes(message), false),
    trace: null,
    corpus: [...CORPUS, ...APPEND_ONLY],
    expected: storedByAppend,
  },
  {
    name: "IMAP APPEND with a LITERAL+ literal",
    send: (ports, message) => append(ports.imap!, bytes(message), true),
    trace: null,
    corpus: [...CORPUS, ...APPEND_ONLY],
    expected: storedByAppend,
  },
];

Deno.test("every way in, read back through every way out, keeps the message's bytes", async () => {
  const server = await startServer({
    users: { "bob@example.test": "secret" },
    flags: ["--insecure-auth"],
  });
  try {
    const sent: { what: string; trace: RegExp | null; expected: string }[] = [];
    for (const way of WAYS_IN) {
      for (const { name, message } of way.corpus ?? CORPUS) {
        const what = `${way.name}: ${name}`;
        const reply = await way.send(server.ports, message);
        assert.match(reply, /^(250 |b OK)/, `${what}: ${reply}`);
        sent.push({ what, trace: way.trace, expected: way.expected(message) });
      }
    }
    // Read before POP3 moves them to cur/ under new names (APPEND puts its own in cur/).
    const files = ["new", "cur"].flatMap((sub) =>
      maildirFiles(server.spoolDir, "bob@example.test", sub)
    )
      .map((path) => ({ path, text: latin1(Deno.readFileSync(path)) }));
    assert.equal(files.length, sent.length);
    const read: ReadBack[] = JSON.parse(
      await python(READ_BACK, [server.ports.imap!, server.ports.pop3!]),
    );
    assert.equal(read.length, sent.length);
    // Mailbox order is UID order, which is not the order sent (APPEND numbers its message
    // at once, a delivery when a session first sees it): each message finds its read-back.
    const unused = new Set(read.keys());
    for (const { what, trace: tracePattern, expected } of sent) {
      const index = [...unused].find((j) =>
        matchesSent(fromBase64(read[j]!.whole), tracePattern, expected)
      );
      assert.ok(index !== undefined, `${what}: no message in the mailbox is the one sent`);
      unused.delete(index);
      const back = read[index]!;
      const stored = fromBase64(back.whole);
      // The Maildir file (as it was before POP3 read it) and its name's S=.
      const file = files.find(({ text }) => text === stored);
      assert.ok(file !== undefined, `${what}: no Maildir file holds what FETCH sent`);
      assert.match(file.path, new RegExp(`,S=${stored.length}(:|$)`), what);
      assert.equal(back.size, stored.length, `${what}: RFC822.SIZE`);
      assert.equal(fromBase64(back.headerText), stored, `${what}: RFC822.HEADER + RFC822.TEXT`);
      for (const [offset, length, got] of back.partials) {
        const want = stored.slice(offset, offset + length);
        assert.equal(got === null ? null : fromBase64(got), want, `${what}: <${offset}.${length}>`);
      }
      const wire = withCrlfLines(stored);
      assert.equal(fromBase64(back.retr), wire, `${what}: POP3 RETR`);
      assert.equal(back.listed, wire.length, `${what}: POP3 LIST`);
      assert.equal(back.said, wire.length, `${what}: POP3 RETR's octets`);
      assert.equal(fromBase64(back.top), topZero(wire), `${what}: POP3 TOP n 0`);
    }
  } finally {
    await server.stop();
  }
});

Deno.test("a message relayed to an 8BITMIME peer arrives as it was queued", async () => {
  const sink = await startSink({ eightBitMime: true, smtputf8: true });
  const server = await startServer({ flags: [`--route=remote.test=127.0.0.1:${sink.port}`] });
  try {
    for (const [i, { name, message }] of CORPUS.entries()) {
      const reply = await sendSmtp(server.ports.smtp!, message, { rcpt: "x@remote.test" });
      assert.match(reply, /^250 /, `${name}: ${reply}`);
      const deadline = Date.now() + 10_000;
      while (sink.transactions.length <= i && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const data = latin1(sink.transactions[i]!.data);
      const received = /^Received: [^\r]*\r\n(?:[ \t][^\r]*\r\n)*/.exec(data)?.[0] ?? "";
      assert.notEqual(received, "", name);
      const expected = viaData(message);
      const isBodyFirst = !/^([\x21-\x39\x3b-\x7e]+[ \t]*:|\r\n)/.test(expected);
      assert.equal(data.slice(received.length), (isBodyFirst ? "\r\n" : "") + expected, name);
    }
  } finally {
    await server.stop();
    await sink.close();
  }
});

/** A NUL octet has no place in a message (RFC 5322 2.3, RFC 3501 9 CHAR8): every way in refuses it. */
const NUL_MESSAGE = HEAD + "\r\na\x00b\r\n";
const NUL_REFUSALS: {
  name: string;
  send: (ports: Record<string, number>) => Promise<string>;
  reply: RegExp;
}[] = [
  { name: "SMTP DATA", send: (ports) => sendSmtp(ports.smtp!, NUL_MESSAGE), reply: /^5\d\d / },
  {
    name: "BDAT",
    send: (ports) => sendSmtp(ports.smtp!, NUL_MESSAGE, { bdatCuts: [NUL_MESSAGE.length] }),
    reply: /^5\d\d /,
  },
  {
    name: "IMAP APPEND",
    send: (ports) => append(ports.imap!, bytes(NUL_MESSAGE), true),
    reply: /^b (BAD|NO) /,
  },
];

Deno.test("every way in refuses a message with a NUL octet and stores nothing", async () => {
  const server = await startServer({
    users: { "bob@example.test": "secret" },
    flags: ["--insecure-auth"],
  });
  try {
    for (const { name, send, reply } of NUL_REFUSALS) {
      assert.match(await send(server.ports), reply, name);
      const stored = [
        ...maildirFiles(server.spoolDir, "bob@example.test", "new"),
        ...maildirFiles(server.spoolDir, "bob@example.test", "cur"),
      ];
      assert.deepEqual(stored, [], name);
    }
  } finally {
    await server.stop();
  }
});
