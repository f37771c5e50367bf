/**
 * Limits on the wire: line lengths (RFC 5321 4.5.3.1), message size
 * (RFC 1870), recipients, connections, idle time and repeated errors.
 * One server with small limits; every case leaves it as it found it.
 */
import assert from "node:assert/strict";
import { startServer, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";
import {
  assertNothingStored,
  expectNext,
  expectReply,
  mailboxTexts,
  openSession,
  sendMessage,
} from "./smtp_dialog.ts";

const ACCOUNTS = ["bob@example.test", "carol@example.test", "dave@example.test"];

Deno.test("SMTP limits are enforced with the right codes", async (t) => {
  const server = await startServer({
    users: Object.fromEntries(ACCOUNTS.map((a) => [a, "pw"])),
    flags: [
      "--max-message-size=10KB",
      "--max-recipients=3",
      "--max-connections=2",
      "--smtp-idle-timeout=1s",
    ],
  });
  const port = server.ports.smtp!;
  /** Ends a session the way that frees its connection slot before the next step. */
  const quit = async (client: RawClient) => {
    await expectReply(client, "QUIT", /^221 /);
    assert.ok(await client.isClosed());
    client.close();
  };
  try {
    await t.step("a command line over 512 octets is 500 5.5.2; the session goes on", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "NOOP " + "x".repeat(506), /^500 5\.5\.2 /);
        await expectReply(client, "NOOP", /^250 2\.0\.0 /);
        await expectReply(client, "NOOP " + "x".repeat(505), /^250 2\.0\.0 /); // 512 with CRLF
        await expectReply(client, "NOOP " + "é".repeat(300), /^500 5\.5\.2 /); // 605 octets
        await expectReply(client, "NOOP " + "y".repeat(40_000), /^500 5\.5\.2 /);
        await expectReply(client, "NOOP", /^250 2\.0\.0 /);
        await quit(client);
      } finally {
        client.close();
      }
    });

    await t.step(
      "a MAIL line past 512 octets only through SIZE, BODY and AUTH= is accepted (RFC 1870, 4954 3)",
      async () => {
        // The longest sender path (RFC 5321 4.5.3.1.3: 256 octets with its brackets),
        // and AUTH= naming the same address, as a relay passing it on sends it.
        const sender = "s".repeat(64) + "@" + ["d".repeat(60), "e".repeat(60), "f".repeat(62)]
          .join(".") +
          ".test";
        assert.equal(sender.length, 254);
        const mail = `MAIL FROM:<${sender}> SIZE=100 BODY=8BITMIME AUTH=${sender}`;
        assert.ok(mail.length + 2 > 512, `the line is ${mail.length + 2} octets`);
        const client = await openSession(port);
        try {
          await expectReply(client, mail, /^250 2\.1\.0 /);
          await expectReply(client, "RSET", /^250 /);
          // The allowance is for the parameters, not a licence for any length.
          await expectReply(
            client,
            `MAIL FROM:<a@remote.test> AUTH=${"x".repeat(1100)}`,
            /^500 5\.5\.2 /,
          );
          await expectReply(client, `RCPT TO:<${sender}> ${"x".repeat(300)}`, /^500 5\.5\.2 /);
          await quit(client);
        } finally {
          client.close();
        }
      },
    );

    await t.step("a command split across reads is found after the input buffer moves", async () => {
      const client = await openSession(port);
      try {
        // Three long lines fill most of the 16 KiB input buffer; "NO" waits for its end.
        await client.send(`NOOP ${"a".repeat(4000)}\r\n`.repeat(3) + "NO");
        for (let i = 0; i < 3; i++) await expectNext(client, /^500 5\.5\.2 /);
        // The rest does not fit behind the old bytes, so the buffer is compacted.
        await client.send("OP\r\n" + `NOOP ${"b".repeat(400)}\r\n`.repeat(14));
        await expectNext(client, /^250 2\.0\.0 Ok$/, "the NOOP completed by the second write");
        for (let i = 0; i < 14; i++) await expectNext(client, /^250 2\.0\.0 Ok$/);
        await expectReply(client, "QUIT", /^221 /);
      } finally {
        client.close();
      }
    });

    await t.step("a DATA line over 1000 octets is 500 5.5.2 at the end of data", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<a@remote.test>", /^250 /);
        await expectReply(client, "RCPT TO:<bob@example.test>", /^250 /);
        await expectReply(client, "DATA", /^354 /);
        await client.send(`Subject: longline-refused\r\n\r\n${"z".repeat(999)}\r\n.\r\n`);
        await expectNext(client, /^500 5\.5\.2 /);
        await expectReply(client, "NOOP", /^250 2\.0\.0 /);
        await sendMessage(client, {
          rcpts: ["carol@example.test"],
          message: `Subject: longline-ok\r\n\r\n${"z".repeat(998)}\r\n.\r\n`,
        });
        await quit(client);
        await assertNothingStored(server, {
          accounts: ACCOUNTS,
          refusedMarker: "longline-refused",
        });
        await waitUntil(
          () => mailboxTexts(server, "carol@example.test").some((t) => t.includes("longline-ok")),
          10_000,
          "998-octet line delivered",
        );
      } finally {
        client.close();
      }
    });

    await t.step("SIZE= over the limit is 552 5.3.4 at MAIL", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<a@remote.test> SIZE=10001", /^552 5\.3\.4 /);
        await expectReply(client, "MAIL FROM:<a@remote.test> SIZE=9000", /^250 2\.1\.0 /);
        await expectReply(client, "RSET", /^250 /);
        // RFC 1870 4: only a message larger than the fixed limit fails; one of the limit fits.
        await expectReply(client, "MAIL FROM:<a@remote.test> SIZE=10000", /^250 2\.1\.0 /);
        await quit(client);
      } finally {
        client.close();
      }
    });

    await t.step("an oversize body without SIZE is 552 5.3.4 at the end of data", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<a@remote.test>", /^250 /);
        await expectReply(client, "RCPT TO:<bob@example.test>", /^250 /);
        await expectReply(client, "DATA", /^354 /);
        const line = "o".repeat(78) + "\r\n";
        await client.send(`Subject: oversize-refused\r\n\r\n${line.repeat(200)}.\r\n`);
        await expectNext(client, /^552 5\.3\.4 /);
        await expectReply(client, "NOOP", /^250 2\.0\.0 /);
        await quit(client);
        await assertNothingStored(server, {
          accounts: ACCOUNTS,
          refusedMarker: "oversize-refused",
        });
      } finally {
        client.close();
      }
    });

    await t.step("a BDAT message of exactly the limit is accepted", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<a@remote.test>", /^250 /);
        await expectReply(client, "RCPT TO:<bob@example.test>", /^250 /);
        // 23 + 99 * 100 + 77 = 10,000 octets: the limit fits (RFC 1870 4: only larger fails).
        const message = "Subject: bdat-limit\r\n\r\n" + ("b".repeat(98) + "\r\n").repeat(99) +
          "b".repeat(75) + "\r\n";
        assert.equal(message.length, 10_000);
        await client.send(`BDAT ${message.length} LAST\r\n${message}`);
        await expectNext(client, /^250 2\.0\.0 /);
        await quit(client);
      } finally {
        client.close();
      }
    });

    await t.step("the fourth RCPT is 452 4.5.3 and the first three get the mail", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<a@remote.test>", /^250 /);
        for (const rcpt of ACCOUNTS) {
          await expectReply(client, `RCPT TO:<${rcpt}>`, /^250 2\.1\.5 /);
        }
        await expectReply(client, "RCPT TO:<bob@other.test>", /^452 4\.5\.3 /);
        await expectReply(client, "DATA", /^354 /);
        await client.send("Subject: three-rcpts\r\n\r\nx\r\n.\r\n");
        await expectNext(client, /^250 2\.0\.0 /);
        await quit(client);
        for (const account of ACCOUNTS) {
          await waitUntil(
            () => mailboxTexts(server, account).some((t) => t.includes("three-rcpts")),
            10_000,
            account,
          );
        }
      } finally {
        client.close();
      }
    });

    await t.step("the third connection over --max-connections=2 gets 421 at once", async () => {
      const first = await openSession(port);
      const second = await openSession(port);
      const third = await RawClient.connect(port);
      try {
        assert.match((await third.reply())[0]!, /^421 4\.\d\.\d /);
        assert.ok(await third.isClosed());
      } finally {
        third.close();
      }
      await quit(first);
      await quit(second);
    });

    await t.step("an idle session gets 421 4.4.2 and is closed", async () => {
      const client = await openSession(port);
      try {
        assert.match((await client.reply(10_000))[0]!, /^421 4\.4\.2 /);
        assert.ok(await client.isClosed());
        client.close();
      } finally {
        client.close();
      }
    });

    await t.step("an idle client in DATA gets 421 4.4.2 and nothing is stored", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<a@remote.test>", /^250 /);
        await expectReply(client, "RCPT TO:<bob@example.test>", /^250 /);
        await expectReply(client, "DATA", /^354 /);
        await client.send("Subject: idle-refused\r\n\r\nhalf a mess");
        assert.match((await client.reply(10_000))[0]!, /^421 4\.4\.2 /);
        assert.ok(await client.isClosed());
        client.close();
        await assertNothingStored(server, { accounts: ACCOUNTS, refusedMarker: "idle-refused" });
      } finally {
        client.close();
      }
    });

    await t.step("ten bad commands get 421 and the connection is closed", async () => {
      const client = await openSession(port);
      try {
        for (let i = 1; i < 10; i++) await expectReply(client, `BOGUS${i}`, /^500 5\.5\.2 /);
        await expectReply(client, "BOGUS10", /^421 4\.\d\.\d /);
        assert.ok(await client.isClosed());
        client.close();
      } finally {
        client.close();
      }
    });
  } finally {
    await server.stop();
  }
});
