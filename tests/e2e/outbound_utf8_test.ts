/**
 * 8-bit and UTF-8 on the way out, through the real server and SMTP sinks:
 * RFC 2047 header encoding for a peer without 8BITMIME/SMTPUTF8, SMTPUTF8
 * pass-through, 5.6.7 bounces, and 8-bit mail received without BODY=8BITMIME.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";
import { startSink } from "./smtp_sink.ts";

/** Reads a message file the way a mail reader would: decoded headers and text. */
const READ = `
import email, json, sys
from email.header import decode_header, make_header
raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw)
def text(name):
    return str(make_header(decode_header(msg[name])))
body = msg.get_payload(decode=True).decode(msg.get_content_charset() or "ascii")
print(json.dumps({
    "is7bit": all(b < 128 for b in raw),
    "subject": text("Subject"),
    "from": text("From"),
    "to": text("To"),
    "cte": msg["Content-Transfer-Encoding"],
    "body": body,
}))
`;

const SUBJECT = "Grüße aus Köln — 日本語のテキストとても長い件名 " +
  "ÄÖÜ äöü ß ".repeat(6).trimEnd();
const BODY = "Liebe Zoë,\r\nschöne Grüße — ½ € 日本語\r\n";
const MESSAGE = `From: "Müller, Jürgen" <alice@example.test>\r\nTo: Zoë <zoe@remote.test>\r\n` +
  `Subject: ${SUBJECT}\r\nMIME-Version: 1.0\r\n` +
  "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + BODY;

async function readAsPython(dir: string, data: Uint8Array): Promise<Record<string, unknown>> {
  const path = `${dir}/received.eml`;
  await Deno.writeFile(path, data);
  return JSON.parse(await python(READ, [path]));
}

for (
  const c of [
    { name: "with BODY=8BITMIME", mailOptions: ["BODY=8BITMIME"] },
    { name: "without BODY=8BITMIME (8-bit sent anyway)", mailOptions: [] },
  ]
) {
  Deno.test(`a UTF-8 Subject and display name sent ${c.name} reach a 7-bit sink as RFC 2047 words`, async () => {
    const sink = await startSink({ eightBitMime: false });
    const server = await startServer({ flags: [`--route=remote.test=127.0.0.1:${sink.port}`] });
    try {
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "alice@example.test",
        rcpts: ["zoe@remote.test"],
        messages: [MESSAGE],
        ehloName: "client.test",
        mailOptions: c.mailOptions,
      });
      await server.waitForLog(/event=msg\.queued /);
      await waitUntil(() => sink.transactions.length === 1, 10_000, "delivery");
      const tx = sink.transactions[0]!;
      assert.doesNotMatch(tx.mailParams, /BODY=8BITMIME|SMTPUTF8/);
      const read = await readAsPython(server.spoolDir, tx.data);
      assert.equal(read.is7bit, true);
      assert.equal(read.subject, SUBJECT);
      assert.equal(read.from, "Müller, Jürgen <alice@example.test>");
      assert.equal(read.to, "Zoë <zoe@remote.test>");
      assert.equal(read.cte, "quoted-printable");
      assert.equal(read.body, BODY);
      const lines = new TextDecoder().decode(tx.data).split("\r\n");
      assert.ok(lines.every((line) => line.length <= 78), "folded");
    } finally {
      await server.stop();
      await sink.close();
    }
  });
}

const UTF8_MESSAGE = "From: alice@example.test\r\nTo: jürgen@remote.test\r\n" +
  "Subject: für Jürgen\r\n\r\nHallo Jürgen\r\n";

Deno.test("an SMTPUTF8 message with a UTF-8 local part reaches an SMTPUTF8 sink intact", async () => {
  const sink = await startSink({ smtputf8: true });
  const server = await startServer({ flags: [`--route=remote.test=127.0.0.1:${sink.port}`] });
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["jürgen@remote.test"],
      messages: [UTF8_MESSAGE],
      ehloName: "client.test",
      mailOptions: ["SMTPUTF8", "BODY=8BITMIME"],
    });
    await waitUntil(() => sink.transactions.length === 1, 10_000, "delivery");
    const tx = sink.transactions[0]!;
    assert.deepEqual(tx.rcpts, ["jürgen@remote.test"]);
    assert.match(tx.mailParams, /(^| )SMTPUTF8( |$)/);
    assert.match(tx.mailParams, /(^| )BODY=8BITMIME( |$)/);
    assert.ok(new TextDecoder().decode(tx.data).endsWith(UTF8_MESSAGE), "headers and body as sent");
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("an SMTPUTF8 message to a sink without SMTPUTF8 bounces 5.6.7 to the local sender", async () => {
  const sink = await startSink({ smtputf8: false });
  const server = await startServer({
    users: { "alice@example.test": "pw" },
    flags: [`--route=remote.test=127.0.0.1:${sink.port}`],
  });
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["jürgen@remote.test"],
      messages: [UTF8_MESSAGE],
      ehloName: "client.test",
      mailOptions: ["SMTPUTF8", "BODY=8BITMIME"],
    });
    await waitUntil(
      () => maildirFiles(server.spoolDir, "alice@example.test").length === 1,
      10_000,
      "DSN",
    );
    const dsn = await Deno.readTextFile(maildirFiles(server.spoolDir, "alice@example.test")[0]!);
    assert.match(dsn, /^Status: 5\.6\.7\r?$/m);
    assert.match(dsn, /^Action: failed\r?$/m);
    assert.match(dsn, /SMTPUTF8/);
    assert.equal(sink.transactions.length, 0, "nothing reached the sink");
    assert.ok(sink.commands.flat().every((line) => !line.startsWith("MAIL")), "no MAIL sent");
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("8-bit data sent without BODY=8BITMIME is accepted and queued as 8-bit", async () => {
  // No route and a closed DNS port: the message waits in the queue for us to read.
  const server = await startServer();
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["zoe@remote.test", "bob@remote.test"],
      messages: [MESSAGE, "Subject: plain\r\n\r\nascii only\r\n"],
      ehloName: "client.test",
      mailOptions: [],
    });
    const queued = () => [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)];
    await waitUntil(() => queued().length === 2, 10_000, "two queued messages");
    const envelopes = queued().map((entry) => {
      const text = new TextDecoder().decode(
        Deno.readFileSync(`${server.spoolDir}/queue/msg/${entry.name}`),
      );
      const line = text.slice(0, text.indexOf("\n"));
      return JSON.parse(line.slice(line.indexOf("{"))) as { is8bit?: boolean; rcpts: unknown };
    });
    assert.deepEqual(envelopes.map((e) => e.is8bit === true).sort(), [false, true]);
  } finally {
    await server.stop();
  }
});

const binaryBytes = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

Deno.test("through a sink without 8BITMIME: a forwarded message/global arrives whole, unconvertible 8-bit bounces 5.6.3", async () => {
  const sink = await startSink({ eightBitMime: false });
  const server = await startServer({
    users: { "alice@example.test": "pw" },
    flags: [`--route=remote.test=127.0.0.1:${sink.port}`],
  });
  const inner =
    "From: j\xc3\xb6rg@b\xc3\xbccher.test\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n\r\nHallo\r\n";
  const forwarded = "Subject: fwd\r\nMIME-Version: 1.0\r\n" +
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/global\r\n\r\n" +
    inner + "--b--\r\n";
  const unconvertible = "Subject: pdf\r\nMIME-Version: 1.0\r\nContent-Type: application/pdf\r\n" +
    "Content-Transfer-Encoding: base64\r\n\r\nAA\xe9\r\n";
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["zoe@remote.test"],
      messages: [binaryBytes(forwarded), binaryBytes(unconvertible)],
      ehloName: "client.test",
      mailOptions: ["BODY=8BITMIME"],
    });
    const dsns = () => maildirFiles(server.spoolDir, "alice@example.test");
    await waitUntil(
      () => sink.transactions.length === 1 && dsns().length === 1,
      10_000,
      "one delivery and one DSN",
    );
    const data = sink.transactions[0]!.data;
    assert.ok(data.every((byte) => byte < 128), "7-bit");
    // Python's email reads message/global as a container and will not undo its encoding:
    // the part is cut out here and decoded by quopri.
    const text = new TextDecoder().decode(data);
    const part = text.slice(text.indexOf("\r\n--b\r\n") + 7, text.lastIndexOf("\r\n--b--"));
    const [partHeader = "", encoded = ""] = part.split(/\r\n\r\n(.*)/s);
    assert.match(
      partHeader,
      /^Content-Type: message\/global\r\nContent-Transfer-Encoding: quoted-printable$/,
    );
    const decoded = await python(
      "import quopri, sys; sys.stdout.buffer.write(quopri.decodestring(sys.argv[1].encode()))",
      [encoded],
    );
    assert.equal(decoded, new TextDecoder().decode(binaryBytes(inner.slice(0, -2))));
    const dsn = await Deno.readTextFile(dsns()[0]!);
    assert.match(dsn, /^Status: 5\.6\.3\r?$/m, "conversion required but not supported");
    assert.match(dsn, /^Subject: pdf\r?$/m);
  } finally {
    await server.stop();
    await sink.close();
  }
});
