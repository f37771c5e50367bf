/** Outbound through the real server: routes, MX via a fake DNS, retries, pooling, 8-bit. */
import assert from "node:assert/strict";
import { startFakeDns } from "./fake_dns.ts";
import { python, startServer, waitUntil } from "./harness.ts";
import { sendCopies } from "./outbound_helpers.ts";
import { startSink } from "./smtp_sink.ts";

const decoder = new TextDecoder();
const MESSAGE = "From: Alice <alice@example.test>\r\nTo: bob@remote.test\r\nSubject: out #N#\r\n" +
  "Message-ID: <#N#@example.test>\r\n\r\nHello Bob,\r\n.leading dot\r\n..two dots\r\n\r\nbye\r\n";

Deno.test("a routed message reaches the sink byte-exact after our Received header", async () => {
  const sink = await startSink();
  const server = await startServer({ flags: [`--route=remote.test=127.0.0.1:${sink.port}`] });
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test", "carol@remote.test"],
      body: MESSAGE,
    });
    await waitUntil(() => sink.transactions.length === 1, 10_000, "delivery to the sink");
    const tx = sink.transactions[0]!;
    assert.equal(tx.from, "alice@example.test");
    assert.deepEqual(tx.rcpts, ["bob@remote.test", "carol@remote.test"]);
    const data = decoder.decode(tx.data);
    const expected = MESSAGE.replaceAll("#N#", "0");
    assert.ok(data.endsWith(expected), data);
    const trace = data.slice(0, data.length - expected.length);
    assert.match(trace, /^Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.test /);
    assert.equal((trace.match(/\r\n(?![ \t])/g) ?? []).length, 1, "exactly one header added");
    await server.waitForLog(/event=msg\.delivered .*rcpt=carol@remote\.test/);
    await waitUntil(() => [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length === 0);
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("MX delivery follows preference, falls back to the next MX and to A records", async () => {
  const sink = await startSink();
  const dns = await startFakeDns({
    "pref.test": {
      mx: [
        { preference: 30, exchange: "never.pref.test" },
        { preference: 10, exchange: "dead.pref.test" },
        { preference: 20, exchange: "live.pref.test" },
      ],
    },
    "dead.pref.test": { a: ["127.0.0.9"] },
    "live.pref.test": { a: ["127.0.0.1"] },
    "never.pref.test": { a: ["127.0.0.1"] },
    "bare.test": { a: ["127.0.0.1"] },
  });
  const server = await startServer({
    flags: [`--dns-server=127.0.0.1:${dns.port}`, `--remote-smtp-port=${sink.port}`],
  });
  try {
    for (const rcpt of ["bob@pref.test", "bob@bare.test"]) {
      await sendCopies({
        port: server.ports.smtp!,
        from: "alice@example.test",
        rcpts: [rcpt],
        body: MESSAGE,
      });
    }
    await waitUntil(() => sink.transactions.length === 2, 10_000, "two MX deliveries");
    assert.deepEqual(sink.transactions.map((tx) => tx.rcpts[0]).sort(), [
      "bob@bare.test",
      "bob@pref.test",
    ]);
    const line = await server.waitForLog(/event=msg\.delivered .*rcpt=bob@pref\.test/);
    assert.match(line, /relay="?live\.pref\.test/);
    const order = ["dead", "live", "never"].map((h) => dns.questions.indexOf(`A ${h}.pref.test`));
    assert.ok(order[0]! >= 0 && order[0]! < order[1]! && order[1]! < order[2]!, "by preference");
    await server.waitForLog(
      /event=smtp\.connect_failed .*remote=dead\.pref\.test\[127\.0\.0\.9\]/,
    );
    assert.ok(dns.questions.includes("A bare.test"), "no MX: the domain's own A record");
  } finally {
    await server.stop();
    await dns.close();
    await sink.close();
  }
});

Deno.test("a null MX fails the recipient permanently with 5.1.10", async () => {
  const dns = await startFakeDns({ "nomail.test": { mx: [{ preference: 0, exchange: "." }] } });
  const server = await startServer({ flags: [`--dns-server=127.0.0.1:${dns.port}`] });
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@nomail.test"],
      body: MESSAGE,
    });
    const line = await server.waitForLog(/event=msg\.failed /);
    assert.match(line, /rcpt=bob@nomail\.test/);
    assert.match(line, /status=5\.1\.10/);
  } finally {
    await server.stop();
    await dns.close();
  }
});

Deno.test("a deferred message is retried and delivered once the sink recovers", async () => {
  const sink = await startSink({
    script: (stage) => stage === "rcpt" ? "451 4.3.0 try later" : undefined,
  });
  const server = await startServer({
    flags: [`--route=remote.test=127.0.0.1:${sink.port}`, "--retry-min=1s"],
  });
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test"],
      body: MESSAGE,
    });
    const deferred = await server.waitForLog(/event=msg\.deferred /);
    assert.match(deferred, /status=4\.3\.0/);
    assert.equal(sink.transactions.length, 0);
    sink.setScript(undefined);
    await waitUntil(() => sink.transactions.length === 1, 10_000, "the retry");
    await server.waitForLog(/event=msg\.delivered .*rcpt=bob@remote\.test/);
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("20 messages to one domain use at most 3 connections", async () => {
  const sink = await startSink();
  const server = await startServer({ flags: [`--route=remote.test=127.0.0.1:${sink.port}`] });
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test"],
      body: MESSAGE,
      count: 20,
    });
    await waitUntil(() => sink.transactions.length === 20, 15_000, "20 deliveries");
    const subjects = new Set(
      sink.transactions.map((tx) => /Subject: out (\d+)/.exec(decoder.decode(tx.data))![1]),
    );
    assert.equal(subjects.size, 20);
    assert.ok(sink.connections() <= 3, `connections used: ${sink.connections()}`);
  } finally {
    await server.stop();
    await sink.close();
  }
});

const DECODE = `
import email, sys
from email import policy
raw = open(sys.argv[1], "rb").read()
if sys.argv[2] == "strict":
    assert all(b < 128 for b in raw), "not 7-bit clean"
msg = email.message_from_bytes(raw, policy=policy.default)
for part in msg.walk():
    if part.get_content_type() == "text/plain":
        print(part["Content-Transfer-Encoding"])
        sys.stdout.buffer.write(part.get_content().encode("utf-8"))
`;

Deno.test("an 8-bit message through a sink without 8BITMIME arrives 7-bit and decodes to the same text", async () => {
  const sink = await startSink({ eightBitMime: false });
  const server = await startServer({ flags: [`--route=remote.test=127.0.0.1:${sink.port}`] });
  const text = "Grüße aus Köln — ½ € 日本語\r\n.dot line\r\n";
  const body =
    "From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: 8bit\r\nMIME-Version: 1.0\r\n" +
    'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\n' +
    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
    text + "--zz--\r\n";
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test"],
      body,
    });
    await waitUntil(() => sink.transactions.length === 1, 10_000, "delivery");
    const path = `${server.spoolDir}/received.eml`;
    await Deno.writeFile(path, sink.transactions[0]!.data);
    const out = await python(DECODE, [path, "strict"]);
    const originalPath = `${server.spoolDir}/original.eml`;
    await Deno.writeTextFile(originalPath, body);
    const original = await python(DECODE, [originalPath, "lenient"]);
    assert.equal(out.split("\n")[0], "quoted-printable");
    assert.equal(original.split("\n")[0], "8bit");
    assert.equal(out.slice(out.indexOf("\n")), original.slice(original.indexOf("\n")));
    assert.ok(out.includes("Grüße aus Köln — ½ € 日本語"), out);
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("SIGKILL during delivery loses nothing after a restart", async () => {
  // The first 5 messages are taken; every later one waits for ever for its final reply, so
  // the kill always comes while deliveries are in flight, however quickly they would all go.
  let dots = 0;
  const sink = await startSink({
    script: (stage) => stage === "dot" && ++dots > 5 ? "silent" : undefined,
  });
  const flags = [`--route=remote.test=127.0.0.1:${sink.port}`];
  let server = await startServer({ flags });
  const spoolDir = server.spoolDir;
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test"],
      body: MESSAGE,
      count: 40,
    });
    await waitUntil(() => sink.transactions.length >= 5, 10_000, "some deliveries");
    await server.kill();
    const beforeRestart = sink.transactions.length;
    assert.ok(beforeRestart < 40, "the kill came while delivery was in progress");
    sink.setScript(undefined);
    server = await startServer({ spoolDir, flags });
    const subjects = () =>
      new Set(
        sink.transactions.map((tx) => /Subject: out (\d+)/.exec(decoder.decode(tx.data))![1]),
      );
    await waitUntil(() => subjects().size === 40, 15_000, "every message after the restart");
    await waitUntil(() => [...Deno.readDirSync(`${spoolDir}/queue/msg`)].length === 0);
    const duplicates = sink.transactions.length - 40;
    assert.ok(duplicates >= 0 && duplicates <= 3 * 3, `duplicates: ${duplicates}`);
    console.log(
      `  delivered before kill: ${beforeRestart}, duplicates after restart: ${duplicates}`,
    );
  } finally {
    await server.stop();
    await sink.close();
  }
});
