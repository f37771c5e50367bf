/** SMTP in, Maildir out: driven by Python's smtplib against the real server. */
import assert from "node:assert/strict";
import { maildirFiles, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const MESSAGE = "From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: hello\r\n" +
  "Message-ID: <1@remote.test>\r\n\r\nHi Bob,\r\n.leading dot line\r\n\r\nbye\r\n";

Deno.test("a message sent with smtplib arrives byte-exact in the right Maildir", async () => {
  const server = await startServer({ users: { "bob@example.test": "pw-bob" } });
  try {
    const refused = await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@remote.test",
      rcpts: ["bob@example.test"],
      messages: [MESSAGE],
      ehloName: "client.test",
    });
    assert.deepEqual(refused, [[]]);
    await waitUntil(
      () => maildirFiles(server.spoolDir, "bob@example.test").length === 1,
      10_000,
      "delivery",
    );
    const [file] = maildirFiles(server.spoolDir, "bob@example.test");
    const stored = await Deno.readTextFile(file!);
    const headerEnd = stored.indexOf("From: Alice");
    assert.equal(stored.slice(headerEnd), MESSAGE, "body bytes unchanged after our trace headers");
    const trace = stored.slice(0, headerEnd);
    assert.match(
      trace,
      /^Return-Path: <alice@remote\.test>\r\nReceived: from client\.test \(\[127\.0\.0\.1\]\)\r\n/,
    );
    assert.match(
      trace,
      /by mx\.test \(Pillarbox\) with ESMTP id [0-9a-z]+\r\n\tfor <bob@example\.test>; /,
    );
    assert.match(file!, /,S=\d+$/);
    const size = Number(/,S=(\d+)$/.exec(file!)![1]);
    assert.equal(size, new TextEncoder().encode(stored).length, "S= carries the real size");
  } finally {
    await server.stop();
  }
});

Deno.test("the log says a message was queued before it says it was delivered, also when delivered at once", async () => {
  const server = await startServer({ users: { "bob@example.test": "pw-bob" } });
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@remote.test",
      rcpts: ["bob@example.test"],
      messages: [MESSAGE],
    });
    const delivered = await server.waitForLog(/event=msg\.delivered .*qid=\S+/);
    const qid = /qid=(\S+)/.exec(delivered)![1]!;
    const events = server.log().split("\n").filter((line) => line.includes(`qid=${qid} `))
      .map((line) => /event=(\S+)/.exec(line)?.[1]);
    assert.deepEqual(events, ["msg.queued", "msg.delivered"]);
  } finally {
    await server.stop();
  }
});

Deno.test("100 messages over one connection all arrive", async () => {
  const server = await startServer({ users: { "bob@example.test": "pw" } });
  try {
    const refused = await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "a@remote.test",
      rcpts: ["bob@example.test"],
      messages: Array.from({ length: 100 }, (_, i) => `Subject: n${i}\r\n\r\nbody ${i}\r\n`),
    });
    assert.equal(refused.length, 100);
    await waitUntil(
      () => maildirFiles(server.spoolDir, "bob@example.test").length === 100,
      15_000,
      "100 deliveries",
    );
    const subjects = new Set<string>();
    for (const file of maildirFiles(server.spoolDir, "bob@example.test")) {
      subjects.add(/Subject: (n\d+)/.exec(await Deno.readTextFile(file))![1]!);
    }
    assert.equal(subjects.size, 100);
  } finally {
    await server.stop();
  }
});

Deno.test("aliases fan out to several users and a catch-all takes unknown local parts", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw", "carol@example.test": "pw", "dave@other.test": "pw" },
    aliases:
      "# team list\nteam@example.test: bob@example.test, carol@example.test\n@other.test: dave@other.test\n",
  });
  try {
    const refused = await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "a@remote.test",
      rcpts: ["team@example.test", "whoever@other.test"],
      messages: ["Subject: x\r\n\r\nhello\r\n"],
      ehloName: "client.test",
    });
    assert.deepEqual(refused, [[]]);
    for (const account of ["bob@example.test", "carol@example.test", "dave@other.test"]) {
      await waitUntil(() => maildirFiles(server.spoolDir, account).length === 1, 10_000, account);
    }
  } finally {
    await server.stop();
  }
});

Deno.test("a 3 MB message (spilled to disk while received) arrives byte-exact for every recipient", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw", "carol@example.test": "pw" },
    // remote.test's next hop refuses connections: its copy waits in the queue.
    flags: ["--route=remote.test=127.0.0.1:9"],
  });
  try {
    let body = "";
    for (let i = 0; body.length < 3_000_000; i++) {
      body += `line ${i} ${"x".repeat(60)}\r\n${i % 97 === 0 ? ".starts with a dot\r\n" : ""}`;
    }
    const message = "Subject: big\r\nMessage-ID: <big@remote.test>\r\n\r\n" + body;
    const refused = await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@remote.test",
      rcpts: ["bob@example.test", "carol@example.test", "far@remote.test"],
      messages: [message],
    });
    assert.deepEqual(refused, [[]]);
    for (const account of ["bob@example.test", "carol@example.test"]) {
      await waitUntil(() => maildirFiles(server.spoolDir, account).length === 1, 15_000, account);
      const stored = await Deno.readTextFile(maildirFiles(server.spoolDir, account)[0]!);
      assert.ok(stored.endsWith(message), `${account}: the message after our trace headers`);
      assert.match(stored, /^Return-Path: <alice@remote\.test>\r\nReceived: from /);
    }
    await server.waitForLog(/event=msg\.deferred .*rcpt=far@remote\.test/);
    const queued = [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].map((e) => e.name);
    assert.equal(queued.length, 1, "the remote copy waits in the queue");
    const queueFile = await Deno.readTextFile(`${server.spoolDir}/queue/msg/${queued[0]}`);
    assert.ok(queueFile.endsWith(message), "the queued copy is byte-exact too");
    // The deferral's state file may be being written through queue/tmp right now (an atomic
    // write's temporary); what must not stay is the spill file of the message.
    await waitUntil(
      () => [...Deno.readDirSync(`${server.spoolDir}/queue/tmp`)].length === 0,
      10_000,
      "no spill file left",
    );
  } finally {
    await server.stop();
  }
});

Deno.test("a message without a header section gets a blank line after our trace fields, so its text stays body", async () => {
  const server = await startServer({ users: { "bob@example.test": "pw-bob" } });
  try {
    const messages = ["no header here\r\njust text\r\n", "Subject: has one\r\n\r\ntext\r\n"];
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@remote.test",
      rcpts: ["bob@example.test"],
      messages,
    });
    await waitUntil(
      () => maildirFiles(server.spoolDir, "bob@example.test").length === 2,
      10_000,
      "delivery",
    );
    const stored = await Promise.all(
      maildirFiles(server.spoolDir, "bob@example.test").map((file) => Deno.readTextFile(file)),
    );
    const bare = stored.find((text) => text.includes("no header here"))!;
    assert.match(
      bare,
      /^Return-Path: <alice@remote\.test>\r\nReceived: [^]*?\r\n\r\nno header here\r\n/,
    );
    assert.ok(bare.endsWith("\r\n\r\nno header here\r\njust text\r\n"));
    const headed = stored.find((text) => text.includes("has one"))!;
    assert.match(headed, /; [^\r\n]+\r\nSubject: has one\r\n\r\ntext\r\n$/, "no blank line added");
  } finally {
    await server.stop();
  }
});
