/**
 * The SMTP command set on the wire (RFC 5321, 1870, 2034, 2920, 6152, 6531):
 * greeting, EHLO/HELO, every simple command, sequencing, MAIL parameters,
 * UTF-8 addresses and pipelining. One server for every case.
 */
import assert from "node:assert/strict";
import { python, startServer, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";
import {
  ENHANCED,
  expectNext,
  expectReply,
  mailboxTexts,
  openSession,
  sendMessage,
} from "./smtp_dialog.ts";

Deno.test("the SMTP command set answers with the right codes", async (t) => {
  const server = await startServer({
    users: { "bob@example.test": "pw", "carol@example.test": "pw" },
    flags: ["--max-message-size=10MB"],
  });
  const port = server.ports.smtp!;
  try {
    await t.step("the greeting is 220 and EHLO lists every extension", async () => {
      const client = await RawClient.connect(port);
      try {
        const greeting = await client.reply();
        assert.deepEqual(greeting, ["220 mx.test ESMTP Pillarbox ready"]);
        await client.send("EHLO client.test\r\n");
        const lines = await client.reply();
        assert.match(lines[0]!, /^250-mx\.test Hello client\.test \[127\.0\.0\.1\]$/);
        const keywords = lines.slice(1).map((line) => line.slice(4));
        for (const keyword of ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8"]) {
          assert.ok(keywords.includes(keyword), `EHLO lists ${keyword}: ${keywords}`);
        }
        assert.ok(keywords.includes("CHUNKING"), "EHLO lists CHUNKING");
        assert.ok(keywords.includes("SIZE 10000000"), `SIZE carries the limit: ${keywords}`);
        assert.ok(lines.slice(0, -1).every((line) => line.startsWith("250-")));
        assert.match(lines[lines.length - 1]!, /^250 /);
      } finally {
        client.close();
      }
    });

    await t.step("HELO is answered 250 with no extension list", async () => {
      const client = await openSession(port, { helo: null });
      try {
        await client.send("HELO client.test\r\n");
        assert.deepEqual(await client.reply(), ["250 mx.test Hello client.test [127.0.0.1]"]);
        await expectReply(client, "MAIL FROM:<a@remote.test>", /^250 2\.1\.0 /);
      } finally {
        client.close();
      }
    });

    await t.step("HELO echoes a client's name as printable ASCII only (RFC 5321 4.2)", async () => {
      const client = await openSession(port, { helo: null });
      try {
        await client.send("HELO bad\x01na\u2028me\u0085.test\r\n");
        assert.deepEqual(await client.reply(), ["250 mx.test Hello bad?na?me?.test [127.0.0.1]"]);
      } finally {
        client.close();
      }
    });

    await t.step("every reply of a full session carries an enhanced status code", async () => {
      const client = await openSession(port);
      const replies: string[][] = [];
      const run = async (command: string) => {
        await client.send(command);
        replies.push(await client.reply());
      };
      try {
        await run("MAIL FROM:<alice@remote.test> SIZE=100\r\n");
        await run("RCPT TO:<bob@example.test>\r\n");
        await run("RCPT TO:<nobody@example.test>\r\n");
        await client.send("DATA\r\n");
        assert.match((await client.reply())[0]!, /^354 /); // RFC 3463 has no 3.x.x class
        await run("Subject: codes\r\n\r\nhi\r\n.\r\n");
        for (
          const command of [
            "RSET",
            "NOOP",
            "VRFY bob",
            "HELP",
            "BOGUS",
            "RCPT TO:<bob@example.test>",
            "DATA",
            "MAIL FROM:<a@remote.test> FOO=1",
            "MAIL FROM:<jöran@remote.test>",
            "MAIL FROM:<a@remote.test>",
            "MAIL FROM:<a@remote.test>",
            "RCPT TO:<x@remote.test> NOTIFY=NEVER",
            "QUIT",
          ]
        ) await run(command + "\r\n");
        const lines = replies.flat();
        assert.equal(replies.length, 17);
        for (const line of lines) assert.match(line, ENHANCED, `enhanced code in ${line}`);
      } finally {
        client.close();
      }
    });

    const table: { name: string; setup: string[]; command: string; expect: RegExp }[] = [
      { name: "RSET resets", setup: [], command: "RSET", expect: /^250 2\.0\.0 / },
      { name: "NOOP is a no-op", setup: [], command: "NOOP", expect: /^250 2\.0\.0 / },
      { name: "HELP helps", setup: [], command: "HELP", expect: /^214 2\.0\.0 / },
      { name: "QUIT says 221", setup: [], command: "QUIT", expect: /^221 2\.0\.0 / },
      {
        name: "VRFY without an argument is 501 5.5.4 (RFC 5321 4.1.1.6: VRFY SP String)",
        setup: [],
        command: "VRFY",
        expect: /^501 5\.5\.4 /,
      },
      {
        name: "an unknown command is 500 5.5.2",
        setup: [],
        command: "FROB x",
        expect: /^500 5\.5\.2 /,
      },
      {
        name: "RCPT before MAIL is 503 5.5.1",
        setup: [],
        command: "RCPT TO:<bob@example.test>",
        expect: /^503 5\.5\.1 /,
      },
      {
        name: "DATA before MAIL is 503 5.5.1",
        setup: [],
        command: "DATA",
        expect: /^503 5\.5\.1 /,
      },
      {
        name: "DATA before any RCPT is 503 5.5.1",
        setup: ["MAIL FROM:<a@remote.test>"],
        command: "DATA",
        expect: /^503 5\.5\.1 /,
      },
      {
        name: "DATA after every RCPT was refused is 554 5.5.1 (RFC 2920 3.1)",
        setup: ["MAIL FROM:<a@remote.test>", "RCPT TO:<nobody@example.test>"],
        command: "DATA",
        expect: /^554 5\.5\.1 /,
      },
      {
        name: "a second MAIL in a transaction is 503 5.5.1",
        setup: ["MAIL FROM:<a@remote.test>"],
        command: "MAIL FROM:<a@remote.test>",
        expect: /^503 5\.5\.1 /,
      },
      {
        name: "MAIL with SIZE, BODY=8BITMIME and SMTPUTF8 is accepted",
        setup: [],
        command: "MAIL FROM:<a@remote.test> SIZE=1000 BODY=8BITMIME SMTPUTF8",
        expect: /^250 2\.1\.0 /,
      },
      {
        name: "MAIL with BODY=7BIT is accepted",
        setup: [],
        command: "MAIL FROM:<a@remote.test> BODY=7BIT",
        expect: /^250 2\.1\.0 /,
      },
      {
        name: "MAIL with an unknown parameter is 555 5.5.4",
        setup: [],
        command: "MAIL FROM:<a@remote.test> XFOO=bar",
        expect: /^555 5\.5\.4 /,
      },
      {
        name: "MAIL with an unknown BODY type is 555 5.5.4",
        setup: [],
        command: "MAIL FROM:<a@remote.test> BODY=BINARYMIME",
        expect: /^555 5\.5\.4 /,
      },
      {
        name: "MAIL with BODY but no value is 501 5.5.4, like SIZE and AUTH without one",
        setup: [],
        command: "MAIL FROM:<a@remote.test> BODY",
        expect: /^501 5\.5\.4 .*BODY/,
      },
      {
        name: "MAIL with a SIZE of 21 digits is 501 5.5.4 (RFC 1870 3: size-value is 1*20DIGIT)",
        setup: [],
        command: `MAIL FROM:<a@remote.test> SIZE=${"9".repeat(21)}`,
        expect: /^501 5\.5\.4 /,
      },
      {
        name: "MAIL with an AUTH= value that is not xtext is 501 5.5.4 (RFC 4954 5, RFC 3461 4)",
        setup: [],
        command: "MAIL FROM:<a@remote.test> AUTH=a+zz",
        expect: /^501 5\.5\.4 /,
      },
      {
        // The recipients are settled once the message is under way (RFC 3030 2: MAIL, RCPT, then BDAT).
        name: "RCPT after a BDAT chunk is 503 5.5.1",
        setup: ["MAIL FROM:<a@remote.test>", "RCPT TO:<bob@example.test>", "BDAT 5\r\nabc"],
        command: "RCPT TO:<bob@example.test>",
        expect: /^503 5\.5\.1 /,
      },
      {
        // RFC 5321 2.4: verbs and argument keywords are case-insensitive; "last" ends it too.
        name: "BDAT with a lowercase last ends the message",
        setup: ["MAIL FROM:<a@remote.test>", "RCPT TO:<bob@example.test>"],
        command: "BDAT 5 last\r\nabc",
        expect: /^250 2\.0\.0 Ok: queued as /,
      },
      {
        name: "RCPT with an unknown parameter is 555 5.5.4",
        setup: ["MAIL FROM:<a@remote.test>"],
        command: "RCPT TO:<bob@example.test> X-UNKNOWN=1",
        expect: /^555 5\.5\.4 /,
      },
      {
        name: "a UTF-8 sender without SMTPUTF8 is 553 5.6.7",
        setup: [],
        command: "MAIL FROM:<jöran@remote.test>",
        expect: /^553 5\.6\.7 /,
      },
      {
        name: "a UTF-8 recipient without SMTPUTF8 is 553 5.6.7",
        setup: ["MAIL FROM:<a@remote.test>"],
        command: "RCPT TO:<jöran@example.test>",
        expect: /^553 5\.6\.7 /,
      },
    ];
    for (const row of table) {
      await t.step(row.name, async () => {
        const client = await openSession(port);
        try {
          for (const command of row.setup) await expectReply(client, command, /^\d{3} /);
          await expectReply(client, row.command, row.expect);
        } finally {
          client.close();
        }
      });
    }

    await t.step("MAIL before EHLO is 503 5.5.1", async () => {
      const client = await openSession(port, { helo: null });
      try {
        await expectReply(client, "MAIL FROM:<a@remote.test>", /^503 5\.5\.1 /);
      } finally {
        client.close();
      }
    });

    await t.step("VRFY says 252 and reveals nothing about accounts", async () => {
      const client = await openSession(port);
      try {
        const known = await expectReply(client, "VRFY bob@example.test", /^252 2\.\d\.\d /);
        const unknown = await expectReply(client, "VRFY nobody@example.test", /^252 2\.\d\.\d /);
        const bare = await expectReply(client, "VRFY bob", /^252 /);
        assert.equal(known, unknown);
        assert.equal(known, bare);
      } finally {
        client.close();
      }
    });

    await t.step("a UTF-8 sender with SMTPUTF8 is accepted and the message arrives", async () => {
      const script = `
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
    s.ehlo("client.test")
    msg = "From: jöran@remote.test\\r\\nSubject: utf8-arrives\\r\\n\\r\\nHej då\\r\\n".encode()
    print(s.sendmail("jöran@remote.test", ["bob@example.test"], msg, mail_options=["SMTPUTF8", "BODY=8BITMIME"]))
`;
      assert.equal((await python(script, [port])).trim(), "{}");
      await waitUntil(
        () => mailboxTexts(server, "bob@example.test").some((t) => t.includes("utf8-arrives")),
        10_000,
        "UTF-8 delivery",
      );
      const text = mailboxTexts(server, "bob@example.test").find((t) =>
        t.includes("utf8-arrives")
      )!;
      assert.match(text, /^Return-Path: <jöran@remote\.test>\r\n/);
      // RFC 6531 3.7.3: the trace says the transaction used SMTPUTF8.
      assert.match(text, /\r\n\tby \S+ \(Pillarbox\) with UTF8SMTP id /);
      assert.ok(text.endsWith("Subject: utf8-arrives\r\n\r\nHej då\r\n"));
    });

    await t.step(
      "an address with bytes that are not UTF-8 is refused, never turned into U+FFFD (RFC 6531 3.3)",
      async () => {
        const client = await openSession(port);
        const bytes = (...parts: (string | number[])[]) =>
          new Uint8Array(
            parts.flatMap((part) =>
              typeof part === "string" ? [...new TextEncoder().encode(part)] : part
            ),
          );
        try {
          const cases: [string, Uint8Array][] = [
            ["a lone 0xFF", bytes("MAIL FROM:<", [0xff], "@remote.test> SMTPUTF8\r\n")],
            ["a cut 2-octet sequence", bytes("MAIL FROM:<b", [0xc3], "@remote.test> SMTPUTF8\r\n")],
            // Three octets that become one U+FFFD of three octets: the length does not tell.
            [
              "a cut 4-octet sequence",
              bytes("MAIL FROM:<c", [0xf0, 0x9f, 0x98], "@r.test> SMTPUTF8\r\n"),
            ],
          ];
          for (const [name, line] of cases) {
            await client.send(line);
            await expectNext(client, /^501 5\.5\.\d /, name);
          }
          await expectReply(client, "MAIL FROM:<jöran@remote.test> SMTPUTF8", /^250 2\.1\.0 /);
          await client.send(bytes("RCPT TO:<b", [0xc3], "b@remote.test>\r\n"));
          await expectNext(client, /^501 5\.5\.\d /, "a recipient with a cut sequence");
          await expectReply(client, "RCPT TO:<\u{1F600}@remote.test>", /^250 2\.1\.5 /);
          await expectReply(client, "QUIT", /^221 /);
        } finally {
          client.close();
        }
      },
    );

    await t.step("a pipelined transaction is answered in order", async () => {
      const client = await openSession(port);
      try {
        await client.send(
          "MAIL FROM:<alice@remote.test>\r\nRCPT TO:<bob@example.test>\r\n" +
            "RCPT TO:<nobody@example.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\n",
        );
        await expectNext(client, /^250 2\.1\.0 /, "MAIL");
        await expectNext(client, /^250 2\.1\.5 /, "RCPT bob");
        await expectNext(client, /^550 5\.1\.1 /, "RCPT nobody");
        await expectNext(client, /^250 2\.1\.5 /, "RCPT carol");
        await expectNext(client, /^354 /, "DATA");
        await client.send("Subject: piped-1\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        await expectNext(client, /^250 2\.0\.0 Ok: queued as \w+$/, "end of data");
        await expectNext(client, /^221 2\.0\.0 /, "QUIT");
        assert.ok(await client.isClosed());
      } finally {
        client.close();
      }
      for (const account of ["bob@example.test", "carol@example.test"]) {
        await waitUntil(
          () => mailboxTexts(server, account).some((t) => t.includes("piped-1")),
          10_000,
          account,
        );
      }
    });

    await t.step("two messages pipelined back to back in one write both arrive", async () => {
      const client = await openSession(port);
      try {
        const one = "MAIL FROM:<a@remote.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n" +
          "Subject: piped-2a\r\n\r\n..dot\r\n.\r\n";
        const two = "MAIL FROM:<a@remote.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n" +
          "Subject: piped-2b\r\n\r\nsecond\r\n.\r\n";
        await client.send(one + two + "QUIT\r\n");
        const expected = [/^250 2\.1\.0 /, /^250 2\.1\.5 /, /^354 /, /^250 2\.0\.0 Ok: queued/];
        for (const pattern of [...expected, ...expected]) await expectNext(client, pattern);
        await expectNext(client, /^221 2\.0\.0 /);
      } finally {
        client.close();
      }
      await waitUntil(
        () => {
          const texts = mailboxTexts(server, "bob@example.test");
          return texts.some((t) => t.endsWith("Subject: piped-2a\r\n\r\n.dot\r\n")) &&
            texts.some((t) => t.endsWith("Subject: piped-2b\r\n\r\nsecond\r\n"));
        },
        10_000,
        "both pipelined messages",
      );
    });

    await t.step("the session goes on after a message: a second one is queued", async () => {
      const client = await openSession(port);
      try {
        const first = await sendMessage(client, {
          rcpts: ["bob@example.test"],
          message: "Subject: s1\r\n\r\n1\r\n.\r\n",
        });
        const second = await sendMessage(client, {
          rcpts: ["bob@example.test"],
          message: "Subject: s2\r\n\r\n2\r\n.\r\n",
        });
        assert.notEqual(first, second);
      } finally {
        client.close();
      }
    });
  } finally {
    await server.stop();
  }
});
