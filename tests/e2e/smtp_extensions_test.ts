/**
 * SMTP extensions on the wire, the corners the command-set test does not
 * reach: BDAT lines refused before their chunk is read (RFC 3030 2), MAIL
 * parameters in a session greeted with HELO, reply text quoting the client,
 * arguments to commands that take none.
 * One server for every case.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import {
  assertNothingStored,
  expectNext,
  expectReply,
  openSession,
  queuedIds,
} from "./smtp_dialog.ts";

const ACCOUNTS = ["bob@example.test"];

Deno.test("SMTP extensions keep the session in step", async (t) => {
  const server = await startServer({ users: { "bob@example.test": "pw" } });
  const port = server.ports.smtp!;
  try {
    for (
      const [name, line] of [
        ["a bare LF", (size: number) => `BDAT ${size}\n`],
        ["a line over 512 octets", (size: number) => `BDAT ${size}${" ".repeat(520)}\r\n`],
        ["a line past the read limit", (size: number) => `BDAT ${size}${" ".repeat(13_000)}\r\n`],
      ] as const
    ) {
      await t.step(
        `a BDAT line refused for ${name} has its chunk dropped, not run, and ends the message`,
        async () => {
          const client = await openSession(port);
          try {
            await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
            await expectReply(client, "RCPT TO:<bob@example.test>", /^250 /);
            const first = "Subject: bdat-line-refused\r\n\r\n";
            const second = "RSET\r\nMAIL FROM:<evil@remote.test>\r\nNOOP\r\n";
            const last = "tail\r\n";
            // One write, as a pipelining client sends it (RFC 3030 4.2).
            await client.send(
              `BDAT ${first.length}\r\n${first}` + line(second.length) + second +
                `BDAT ${last.length} LAST\r\n${last}NOOP\r\n`,
            );
            await expectNext(client, /^250 2\.0\.0 /, "the first chunk");
            await expectNext(client, /^500 5\.5\.2 /, "the refused BDAT line");
            // Its bytes were data, not commands; the message cannot be whole any more.
            await expectNext(client, /^503 5\.5\.1 /, "the LAST chunk of a dropped message");
            await expectNext(client, /^250 2\.0\.0 Ok$/, "NOOP");
            await expectReply(client, "QUIT", /^221 /);
          } finally {
            client.close();
          }
          await assertNothingStored(server, {
            accounts: ACCOUNTS,
            refusedMarker: "bdat-line-refused",
          });
        },
      );
    }

    await t.step("a BDAT line whose size cannot be read closes the session", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
        await expectReply(client, "RCPT TO:<bob@example.test>", /^250 /);
        await client.send("BDAT 6\0\r\nNOOP\r\n");
        await expectNext(client, /^501 5\.5\.4 /, "the refused BDAT line");
        assert.ok(await client.isClosed(), "closed: where the chunk ends is unknown");
      } finally {
        client.close();
      }
      assert.deepEqual(queuedIds(server), []);
    });

    await t.step(
      "MAIL parameters after HELO are 555 5.5.4: no extension was negotiated (RFC 5321 4.1.1.2)",
      async () => {
        const client = await openSession(port, { helo: null });
        try {
          await expectReply(client, "HELO client.test", /^250 /);
          for (const param of ["SIZE=100", "BODY=8BITMIME", "SMTPUTF8", "AUTH=<>", "body=7bit"]) {
            await expectReply(client, `MAIL FROM:<alice@remote.test> ${param}`, /^555 5\.5\.4 /);
          }
          await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 2\.1\.0 /);
          await expectReply(client, "RSET", /^250 /);
          // EHLO negotiates them.
          await expectReply(client, "EHLO client.test", /^250 /);
          await expectReply(client, "MAIL FROM:<alice@remote.test> SIZE=100", /^250 2\.1\.0 /);
        } finally {
          client.close();
        }
      },
    );

    await t.step("a reply quoting the client is printable ASCII (RFC 5321 4.2)", async () => {
      const client = await openSession(port);
      try {
        for (const line of ["BOG\x1b[2JUS", "\u00c9HLO x", "MAIL FROM:<a@remote.test> \x01x=1"]) {
          const reply = await expectReply(client, line, /^50\d 5\.5\.\d /);
          assert.match(reply, /^[\t\x20-\x7e]*$/, `reply to ${JSON.stringify(line)}`);
        }
      } finally {
        client.close();
      }
    });

    await t.step(
      "RSET and QUIT with an argument are 501 5.5.4 and change nothing (RFC 5321 4.1.1)",
      async () => {
        const client = await openSession(port);
        try {
          await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
          await expectReply(client, "RSET now", /^501 5\.5\.4 /);
          await expectReply(client, "MAIL FROM:<alice@remote.test>", /^503 5\.5\.1 /);
          await expectReply(client, "QUIT please", /^501 5\.5\.4 /);
          await expectReply(client, "NOOP with words", /^250 2\.0\.0 /); // NOOP [SP String]
          await expectReply(client, "RSET ", /^250 2\.0\.0 /); // trailing white space is tolerated
          await expectReply(client, "QUIT", /^221 2\.0\.0 /);
        } finally {
          client.close();
        }
      },
    );
  } finally {
    await server.stop();
  }
});
