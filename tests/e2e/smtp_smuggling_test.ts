/**
 * SMTP smuggling and hostile bytes: only CRLF.CRLF ends DATA, a message
 * with a bare CR or LF is refused whole with one reply, the session stays
 * in sync, and nothing is stored. NUL and bare LF in commands, and BDAT.
 */
import assert from "node:assert/strict";
import { startServer, waitUntil } from "./harness.ts";
import {
  assertNothingStored,
  expectNext,
  expectReply,
  filesIn,
  mailboxTexts,
  openSession,
  queuedIds,
} from "./smtp_dialog.ts";

const ACCOUNTS = ["bob@example.test", "carol@example.test"];
const VARIANTS: [string, string][] = [
  ["\\n.\\n", "\n.\n"],
  ["\\r.\\n", "\r.\n"],
  ["\\n.\\r\\n", "\n.\r\n"],
  ["\\r.\\r\\n", "\r.\r\n"],
  ["\\r\\n.\\n", "\r\n.\n"],
];
const SMUGGLED = "MAIL FROM:<evil@x>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nsmuggled\r\n";

Deno.test("smuggling, NUL, bare LF and BDAT are handled safely", async (t) => {
  const server = await startServer({ users: Object.fromEntries(ACCOUNTS.map((a) => [a, "pw"])) });
  const port = server.ports.smtp!;
  try {
    for (const [name, variant] of VARIANTS) {
      await t.step(
        `the smuggling variant ${name} gets one 550 5.6.0 and stays in sync`,
        async () => {
          const client = await openSession(port);
          try {
            await client.send("MAIL FROM:<alice@remote.test>\r\nRCPT TO:<carol@example.test>\r\n");
            await expectNext(client, /^250 2\.1\.0 /);
            await expectNext(client, /^250 2\.1\.5 /);
            await expectReply(client, "DATA", /^354 /);
            // The whole attack and the next command in one write.
            await client.send(
              `Subject: smuggle ${name}\r\n\r\nhello${variant}${SMUGGLED}\r\n.\r\nNOOP\r\nVRFY x\r\n`,
            );
            await expectNext(client, /^550 5\.6\.0 /, "the one reply for the whole DATA");
            await expectNext(client, /^250 2\.0\.0 Ok$/, "NOOP");
            await expectNext(client, /^252 /, "VRFY");
            await expectReply(client, "QUIT", /^221 /);
          } finally {
            client.close();
          }
        },
      );
    }

    await t.step("no smuggled message was stored", async () => {
      assert.deepEqual(queuedIds(server), []);
      await assertNothingStored(server, { accounts: ACCOUNTS, refusedMarker: "smuggle" });
      assert.equal(mailboxTexts(server, "carol@example.test").length, 0);
      for (const text of mailboxTexts(server, "bob@example.test")) {
        assert.ok(!text.includes("smuggled") && !text.includes("evil@x"));
      }
    });

    await t.step("a NUL byte in DATA is refused with 550 5.6.0", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
        await expectReply(client, "RCPT TO:<carol@example.test>", /^250 /);
        await expectReply(client, "DATA", /^354 /);
        await client.send("Subject: nul-refused\r\n\r\nbad\0byte\r\n.\r\n");
        await expectNext(client, /^550 5\.6\.0 /);
        await expectReply(client, "NOOP", /^250 2\.0\.0 /);
      } finally {
        client.close();
      }
      await assertNothingStored(server, { accounts: ACCOUNTS, refusedMarker: "nul-refused" });
    });

    await t.step("a bare LF or a NUL in a command line is refused", async () => {
      const client = await openSession(port);
      try {
        await client.send("NOOP\n");
        await expectNext(client, /^500 5\.5\.2 /, "bare LF");
        await client.send("NOOP\rNOOP\r\n");
        await expectNext(client, /^500 5\.5\.2 /, "bare CR");
        await client.send("NOOP\0\r\n");
        await expectNext(client, /^5\d\d 5\.5\.\d /, "NUL");
        await expectReply(client, "NOOP", /^250 2\.0\.0 /);
      } finally {
        client.close();
      }
    });

    await t.step("BDAT with a bare LF is refused with 550 5.6.0", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
        await expectReply(client, "RCPT TO:<carol@example.test>", /^250 /);
        const body = "Subject: bdat-refused\r\n\r\nline one\nMAIL FROM:<evil@x>\r\n";
        await client.send(`BDAT ${body.length} LAST\r\n${body}`);
        await expectNext(client, /^550 5\.6\.0 /);
        await expectReply(client, "NOOP", /^250 2\.0\.0 /);
        await expectReply(client, "DATA", /^503 5\.5\.1 /); // the transaction is gone
      } finally {
        client.close();
      }
      await assertNothingStored(server, { accounts: ACCOUNTS, refusedMarker: "bdat-refused" });
    });

    await t.step("DATA after a BDAT chunk is 503 5.5.1 (RFC 3030 2)", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
        await expectReply(client, "RCPT TO:<carol@example.test>", /^250 /);
        const chunk = "Subject: bdat-mixed\r\n\r\n";
        await client.send(`BDAT ${chunk.length}\r\n${chunk}`);
        await expectNext(client, /^250 2\.0\.0 /);
        await expectReply(client, "DATA", /^503 5\.5\.1 /);
        await expectReply(client, "RSET", /^250 /);
      } finally {
        client.close();
      }
      await assertNothingStored(server, { accounts: ACCOUNTS, refusedMarker: "bdat-mixed" });
    });

    await t.step(
      "RCPT after a BDAT chunk is 503 5.5.1: no message lacking a chunk is taken",
      async () => {
        const client = await openSession(port);
        try {
          await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
          await expectReply(client, "RCPT TO:<nobody@example.test>", /^550 /);
          // Refused (no recipient yet), so its bytes are read and dropped...
          const chunk = "Subject: bdat-chunk-dropped\r\n\r\n";
          await client.send(`BDAT ${chunk.length}\r\n${chunk}`);
          await expectNext(client, /^554 5\.5\.1 /);
          // ...and a recipient given now must not make the rest a message of its own.
          await expectReply(client, "RCPT TO:<carol@example.test>", /^503 5\.5\.1 /);
          const rest = "bdat-tail-alone\r\n";
          await client.send(`BDAT ${rest.length} LAST\r\n${rest}`);
          await expectNext(client, /^5\d\d /);
          await expectReply(client, "RSET", /^250 /);
        } finally {
          client.close();
        }
        await assertNothingStored(server, { accounts: ACCOUNTS, refusedMarker: "bdat-tail-alone" });
      },
    );

    for (const ending of ["QUIT", "EHLO again.test", "a lost connection"]) {
      await t.step(`a large BDAT transaction ended by ${ending} leaves no file`, async () => {
        const tmpDir = `${server.spoolDir}/queue/tmp`;
        const client = await openSession(port);
        try {
          await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
          await expectReply(client, "RCPT TO:<carol@example.test>", /^250 /);
          const chunk = "Subject: bdat-big\r\n\r\n" + ("b".repeat(98) + "\r\n").repeat(6000);
          await client.send(`BDAT ${chunk.length}\r\n${chunk}`);
          await expectNext(client, /^250 2\.0\.0 /);
          await waitUntil(() => filesIn(tmpDir).length === 1, 10_000, "the spilled chunk");
          if (ending === "a lost connection") client.close();
          else await expectReply(client, ending, /^2\d\d /);
        } finally {
          client.close();
        }
        await waitUntil(() => filesIn(tmpDir).length === 0, 10_000, "queue/tmp emptied");
      });
    }

    await t.step("BDAT in two chunks arrives byte-exact", async () => {
      const message = "Message-ID: <bdat-1@remote.test>\r\nSubject: bdat-ok\r\n\r\n" +
        ".leading dot stays\r\nnon-ascii é\r\n\r\n.\r\nend\r\n";
      const bytes = new TextEncoder().encode(message);
      const cut = message.indexOf("\n.leading"); // chunk 1 ends with the CR, chunk 2 starts with LF
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<alice@remote.test> BODY=8BITMIME", /^250 /);
        await expectReply(client, "RCPT TO:<carol@example.test>", /^250 /);
        await client.send(new TextEncoder().encode(`BDAT ${cut}\r\n`));
        await client.send(bytes.subarray(0, cut));
        await expectNext(client, /^250 2\.0\.0 /, "first chunk");
        const rest = bytes.subarray(cut);
        await client.send(`BDAT ${rest.length} LAST\r\n`);
        await client.send(rest);
        await expectNext(client, /^250 2\.0\.0 Ok: queued as \w+$/, "LAST chunk");
        await expectReply(client, "QUIT", /^221 /);
      } finally {
        client.close();
      }
      await waitUntil(() => mailboxTexts(server, "carol@example.test").length === 1, 10_000);
      const stored = mailboxTexts(server, "carol@example.test")[0]!;
      const trace = /^Return-Path: <alice@remote\.test>\r\nReceived: [^\r\n]*\r\n(\t[^\r\n]*\r\n)*/
        .exec(stored);
      assert.ok(trace, "trace headers first");
      assert.equal(stored.slice(trace[0].length), message);
    });
  } finally {
    await server.stop();
  }
});
