/**
 * A real Exim 4 sending to us (see exim.ts): on our MX listener over STARTTLS
 * with our test CA (Exim verifies), PIPELINING and CHUNKING as Exim uses them
 * when offered, and on submission with AUTH. What lands is compared byte for
 * byte with what Exim was given.
 */
import assert from "node:assert/strict";
import { makeTestCertificates } from "./certs.ts";
import { freePort, HAS_EXIM, startExim } from "./exim.ts";
import { maildirFiles, startServer, tempDir, waitUntil } from "./harness.ts";
import { canMountDisk, withServerOnSmallDisk } from "./small_disk.ts";

const decoder = new TextDecoder();

/** The lines a message's body holds: dots, spaces, 8-bit text, a 998-octet line, no final newline. */
const AWKWARD_BODY = [
  ".",
  "..",
  "...x",
  ".x",
  "trailing spaces   ",
  "tab\t",
  "",
  "after an empty line",
  "été 8-bit",
  "b".repeat(998),
  "last line without a newline",
];

/** The text after the header section (the first empty line). */
function bodyOf(file: string): string {
  const text = decoder.decode(Deno.readFileSync(file));
  return text.slice(text.indexOf("\r\n\r\n") + 4);
}

function countMatches(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

for (const chunking of [true, false]) {
  Deno.test({
    name: `Exim over STARTTLS with PIPELINING${
      chunking ? " and BDAT" : " and DATA"
    }: a refused recipient mid-batch bounces at Exim, the others get every byte`,
    ignore: !HAS_EXIM,
    fn: async () => {
      const certs = await makeTestCertificates(tempDir());
      const server = await startServer({
        users: { "bob@example.test": "pw", "carol@example.test": "pw" },
        flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`],
      });
      const exim = await startExim({
        relayPort: server.ports.smtp,
        caFile: certs.caFile,
        transport: chunking ? [] : ["hosts_try_chunking = :"],
      });
      try {
        const text = `From: alice@exim.test\nSubject: awkward\n\n${AWKWARD_BODY.join("\n")}`;
        await exim.send(
          "alice@exim.test",
          ["bob@example.test", "nobody@example.test", "carol@example.test"],
          text,
        );
        const log = exim.mainLog();
        // Verified TLS both times (CV=yes), BDAT ("K") only when asked for.
        const delivered = log.split("\n").filter((line) => / [=-]> (bob|carol)@/.test(line));
        assert.equal(delivered.length, 2, log);
        for (const line of delivered) {
          assert.match(line, / X=TLS1\.3:\S+ CV=yes /);
          assert.equal(/ K C=/.test(line), chunking, line);
        }
        assert.match(log, /\*\* nobody@example\.test .*550 5\.1\.1/);
        // Exim's bounce for the refused one, to alice in its own Maildir.
        await waitUntil(() => exim.delivered().length === 1, 10_000, "Exim's bounce");
        assert.match(
          decoder.decode(Deno.readFileSync(exim.delivered()[0]!)),
          /nobody@example\.test/,
        );
        for (const account of ["bob@example.test", "carol@example.test"]) {
          await waitUntil(
            () => maildirFiles(server.spoolDir, account).length === 1,
            10_000,
            `${account}'s copy`,
          );
          const body = bodyOf(maildirFiles(server.spoolDir, account)[0]!);
          assert.equal(body, AWKWARD_BODY.map((line) => line + "\r\n").join(""));
        }
      } finally {
        await exim.stop();
        await server.stop();
      }
    },
  });
}

Deno.test({
  name:
    "Exim sends a list of 300 addresses, a fifth unknown, 100 a transaction down one connection: none deferred",
  ignore: !HAS_EXIM,
  fn: async () => {
    const aliases = Array.from({ length: 300 }, (_, i) => `m${i}@example.test: bob@example.test\n`);
    const server = await startServer({
      users: { "bob@example.test": "pw" },
      aliases: aliases.join(""),
    });
    // One delivery process, so one connection: Exim's max_rcpt (100) makes three transactions.
    const exim = await startExim({
      relayPort: server.ports.smtp,
      main: ["remote_max_parallel = 1"],
    });
    try {
      const rcpts = Array.from(
        { length: 300 },
        (_, i) => i % 5 === 4 ? `gone${i}@example.test` : `m${i}@example.test`,
      );
      await exim.send("list@exim.test", rcpts, "Subject: to the list\n\nlist mail\n");
      const log = exim.mainLog();
      const deferred = countMatches(log, / == /g);
      assert.equal(countMatches(log, / [=-]> m\d+@example\.test /g), 240, `${deferred} deferred`);
      assert.equal(countMatches(log, / \*\* gone\d+@example\.test .*550 5\.1\.1/g), 60);
      assert.equal(deferred, 0, "nothing deferred");
      assert.equal(countMatches(server.log(), /event=smtp\.connect /g), 1);
      assert.doesNotMatch(server.log(), /too_many_errors/);
    } finally {
      await exim.stop();
      await server.stop();
    }
  },
});

Deno.test({
  name: "Exim's DSN parameters reach us, and our success notice goes back through Exim with them",
  ignore: !HAS_EXIM,
  fn: async () => {
    const eximPort = freePort();
    const server = await startServer({
      users: { "bob@example.test": "pw" },
      flags: [`--route=exim.test=127.0.0.1:${eximPort}`],
    });
    const exim = await startExim({ port: eximPort, relayPort: server.ports.smtp });
    try {
      // Exim's own SMTP input (-bs), so the DSN parameters are a client's, as Exim passes them on.
      const replies = await exim.smtp(
        [
          "EHLO client.test",
          "MAIL FROM:<alice@exim.test> RET=HDRS ENVID=list+2B7",
          "RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bob@example.test",
          "DATA",
          "Subject: tell me",
          "",
          "hello",
          ".",
          "QUIT",
          "",
        ].join("\r\n"),
      );
      assert.match(replies, /^250 OK id=/m);
      await exim.runQueue();
      await waitUntil(() => exim.delivered().length === 1, 10_000, "our success notice at Exim");
      const notice = decoder.decode(Deno.readFileSync(exim.delivered()[0]!));
      assert.match(notice, /^Return-path: <>$/m);
      assert.match(notice, /^Original-Envelope-Id: list\+7$/m);
      assert.match(notice, /^Original-Recipient: rfc822; b\+ob@example\.test$/m);
      assert.match(notice, /^Action: delivered$/m);
      assert.equal(maildirFiles(server.spoolDir, "bob@example.test").length, 1);
    } finally {
      await exim.stop();
      await server.stop();
    }
  },
});

Deno.test({
  name: "Exim's SMTPUTF8 message with a UTF-8 sender arrives as sent, traced as UTF8SMTP",
  ignore: !HAS_EXIM,
  fn: async () => {
    const server = await startServer({ users: { "bob@example.test": "pw" } });
    const exim = await startExim({ relayPort: server.ports.smtp });
    try {
      const replies = await exim.smtp(
        [
          "EHLO client.test",
          "MAIL FROM:<jörg@exim.test> SMTPUTF8",
          "RCPT TO:<bob@example.test>",
          "DATA",
          "From: Jörg <jörg@exim.test>",
          "Subject: grüße",
          "",
          "grüße",
          ".",
          "QUIT",
          "",
        ].join("\r\n"),
      );
      assert.match(replies, /^250 OK id=/m);
      await exim.runQueue();
      await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);
      const stored = decoder.decode(
        Deno.readFileSync(maildirFiles(server.spoolDir, "bob@example.test")[0]!),
      );
      assert.match(stored, /^Return-Path: <jörg@exim\.test>\r$/m);
      assert.match(stored, /^\tby mx\.test \(Pillarbox\) with UTF8SMTP id /m);
      assert.match(stored, /^From: Jörg <jörg@exim\.test>\r\nSubject: grüße\r$/m);
      assert.equal(bodyOf(maildirFiles(server.spoolDir, "bob@example.test")[0]!), "grüße\r\n");
    } finally {
      await exim.stop();
      await server.stop();
    }
  },
});

for (const mechanism of ["PLAIN", "LOGIN"]) {
  Deno.test({
    name: `Exim submits with AUTH ${mechanism} on our submission port`,
    ignore: !HAS_EXIM,
    fn: async () => {
      const server = await startServer({
        users: { "bob@example.test": "pw", "carol@example.test": "pw" },
        flags: ["--insecure-auth"],
      });
      const client = mechanism === "PLAIN"
        ? ["  client_send = ^bob@example.test^pw"]
        : ["  client_send = : bob@example.test : pw"];
      const exim = await startExim({
        relayPort: server.ports.submission,
        transport: ["hosts_require_auth = *"],
        authenticators: [
          "client:",
          "  driver = plaintext",
          `  public_name = ${mechanism}`,
          ...client,
        ],
      });
      try {
        await exim.send("bob@example.test", ["carol@example.test"], "Subject: sent\n\nhi\n");
        assert.match(
          exim.mainLog(),
          new RegExp(`=> carol@example\\.test .* A=client .*C="250 2\\.0\\.0 Ok`),
        );
        await waitUntil(() => maildirFiles(server.spoolDir, "carol@example.test").length === 1);
        const stored = decoder.decode(
          Deno.readFileSync(maildirFiles(server.spoolDir, "carol@example.test")[0]!),
        );
        assert.match(stored, /^\tby mx\.test \(Pillarbox\) with ESMTPA id /m);
      } finally {
        await exim.stop();
        await server.stop();
      }
    },
  });
}

Deno.test({
  name: "our 452 for recipients past --max-recipients: Exim sends them in a later transaction",
  ignore: !HAS_EXIM,
  fn: async () => {
    const server = await startServer({
      users: { "bob@example.test": "pw", "carol@example.test": "pw", "dave@example.test": "pw" },
      flags: ["--max-recipients=2"],
    });
    const exim = await startExim({ relayPort: server.ports.smtp });
    try {
      const rcpts = ["bob@example.test", "carol@example.test", "dave@example.test"];
      await exim.send("alice@exim.test", rcpts, "Subject: three\n\nhi\n");
      assert.match(exim.mainLog(), /== dave@example\.test .*452 4\.5\.3/);
      // Exim's retry (2 s here) brings the third.
      for (const rcpt of rcpts) {
        await waitUntil(
          () => maildirFiles(server.spoolDir, rcpt).length === 1,
          15_000,
          `${rcpt}'s copy`,
        );
      }
      await waitUntil(() => /Completed/.test(exim.mainLog()), 10_000, "Exim done");
      for (const rcpt of rcpts) assert.equal(maildirFiles(server.spoolDir, rcpt).length, 1);
    } finally {
      await exim.stop();
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "our 452 on a full spool after Exim's BDAT LAST: Exim retries, and the message lands once when there is room",
  ignore: !HAS_EXIM || !canMountDisk,
  fn: () =>
    withServerOnSmallDisk(
      { sizeBytes: 4_000_000, users: { "bob@example.test": "pw" } },
      async (disk, server) => {
        const exim = await startExim({ relayPort: server.ports.smtp });
        try {
          disk.fill(300_000);
          const line = "z".repeat(76) + "\n";
          await exim.send(
            "alice@exim.test",
            ["bob@example.test"],
            `Subject: big\n\n${line.repeat(13_000)}`,
          );
          assert.match(
            exim.mainLog(),
            /== bob@example\.test .*after end of data: 452 4\.3\.1 Insufficient system storage/,
          );
          assert.equal(maildirFiles(server.spoolDir, "bob@example.test").length, 0);
          disk.unfill();
          // Exim's queue runner (every 2 s here) tries again.
          await waitUntil(
            () => maildirFiles(server.spoolDir, "bob@example.test").length === 1,
            15_000,
            "bob's copy",
          );
          await waitUntil(() => /Completed/.test(exim.mainLog()), 10_000, "Exim done");
          assert.equal(maildirFiles(server.spoolDir, "bob@example.test").length, 1);
        } finally {
          await exim.stop();
        }
      },
    ),
});
