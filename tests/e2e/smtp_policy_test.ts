/**
 * Recipient policy on the wire: unknown users, relaying, address forms that
 * try to sneak a relay (percent hack, source route, bang path), RFC 5321
 * address syntax, postmaster, envelope-file injection and mail loops.
 */
import assert from "node:assert/strict";
import { startServer, waitUntil } from "./harness.ts";
import {
  assertNothingStored,
  expectNext,
  expectReply,
  mailboxTexts,
  openSession,
  queuedIds,
  sendMessage,
} from "./smtp_dialog.ts";

const USERS = { "bob@example.test": "pw" };
const ALIASES = "postmaster@example.test: bob@example.test\n";

Deno.test("an untrusted client cannot relay, in any address form", async (t) => {
  const server = await startServer({
    users: USERS,
    aliases: ALIASES,
    flags: ["--relay-networks="],
  });
  const port = server.ports.smtp!;
  try {
    const table: { name: string; rcpt: string; expect: RegExp }[] = [
      {
        name: "an unknown local user is 550 5.1.1",
        rcpt: "<nobody@example.test>",
        expect: /^550 5\.1\.1 /,
      },
      {
        name: "a remote domain is 550 5.7.1",
        rcpt: "<alice@remote.test>",
        expect: /^550 5\.7\.1 /,
      },
      {
        name: "the percent hack is a local unknown user",
        rcpt: "<bob%remote.test@example.test>",
        expect: /^550 5\.1\.1 /,
      },
      {
        name: "a source route counts only its final mailbox",
        rcpt: "<@example.test:evil@remote.test>",
        expect: /^550 5\.7\.1 /,
      },
      {
        name: "a bang path is a local unknown user",
        rcpt: "<remote.test!bob@example.test>",
        expect: /^550 5\.1\.1 /,
      },
      {
        name: "a quoted percent hack is a local unknown user",
        rcpt: '<"bob%remote.test"@example.test>',
        expect: /^550 5\.1\.1 /,
      },
      {
        name: "an IP literal is remote: 550 5.7.1",
        rcpt: "<bob@[192.0.2.1]>",
        expect: /^550 5\.7\.1 /,
      },
      { name: "a bad IP literal is 553 5.1.3", rcpt: "<bob@[300.1.1.1]>", expect: /^553 5\.1\.3 / },
      { name: "a quoted local part parses", rcpt: '<"bob"@example.test>', expect: /^250 2\.1\.5 / },
      { name: "<postmaster> is accepted", rcpt: "<postmaster>", expect: /^250 2\.1\.5 / },
      { name: "<Postmaster> in any case too", rcpt: "<Postmaster>", expect: /^250 2\.1\.5 / },
    ];
    for (const row of table) {
      await t.step(`${row.name}: RCPT TO:${row.rcpt}`, async () => {
        const client = await openSession(port);
        try {
          await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
          await expectReply(client, `RCPT TO:${row.rcpt}`, row.expect);
        } finally {
          client.close();
        }
      });
    }

    await t.step(
      "after only refused recipients, DATA is refused and nothing is queued",
      async () => {
        const client = await openSession(port);
        try {
          await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
          for (
            const rcpt of [
              "<bob%remote.test@example.test>",
              "<@example.test:evil@remote.test>",
              "<remote.test!bob@example.test>",
            ]
          ) await expectReply(client, `RCPT TO:${rcpt}`, /^5\d\d /);
          await expectReply(client, "DATA", /^554 5\.5\.1 /);
        } finally {
          client.close();
        }
        assert.deepEqual(queuedIds(server), []);
      },
    );

    await t.step("quoted senders and IP literals parse in MAIL", async () => {
      const client = await openSession(port);
      try {
        await expectReply(client, 'MAIL FROM:<"john q. public"@[192.0.2.7]>', /^250 2\.1\.0 /);
        await expectReply(client, "RSET", /^250 /);
        await expectReply(client, "MAIL FROM:<a@[IPv6:2001:db8::7]>", /^250 2\.1\.0 /);
        await expectReply(client, "RSET", /^250 /);
        await expectReply(client, "MAIL FROM:<>", /^250 2\.1\.0 /);
      } finally {
        client.close();
      }
    });

    await t.step("mail to <postmaster> and to a quoted local part arrives", async () => {
      const client = await openSession(port);
      try {
        await sendMessage(client, {
          rcpts: ["postmaster"],
          message: "Subject: to-postmaster\r\n\r\nhi\r\n.\r\n",
        });
        await sendMessage(client, {
          rcpts: ['"bob"@example.test'],
          message: "Subject: to-quoted-bob\r\n\r\nhi\r\n.\r\n",
        });
      } finally {
        client.close();
      }
      for (const subject of ["to-postmaster", "to-quoted-bob"]) {
        await waitUntil(
          () => mailboxTexts(server, "bob@example.test").some((t) => t.includes(subject)),
          10_000,
          subject,
        );
      }
    });

    await t.step("101 Received headers are a loop: 554 5.4.6, nothing stored", async () => {
      const received = (n: number) =>
        Array.from({ length: n }, (_, i) => `Received: from hop${i}.test by x; date\r\n`).join("");
      const client = await openSession(port);
      try {
        await expectReply(client, "MAIL FROM:<alice@remote.test>", /^250 /);
        await expectReply(client, "RCPT TO:<bob@example.test>", /^250 /);
        await expectReply(client, "DATA", /^354 /);
        await client.send(`${received(101)}Subject: loop-refused\r\n\r\nx\r\n.\r\n`);
        await expectNext(client, /^554 5\.4\.6 /);
        await sendMessage(client, {
          rcpts: ["bob@example.test"],
          message: `${received(100)}Subject: hundred-hops\r\n\r\nx\r\n.\r\n`,
        });
      } finally {
        client.close();
      }
      await assertNothingStored(server, {
        accounts: ["bob@example.test"],
        refusedMarker: "loop-refused",
      });
      await waitUntil(
        () => mailboxTexts(server, "bob@example.test").some((t) => t.includes("hundred-hops")),
        10_000,
        "100 hops delivered",
      );
    });
  } finally {
    await server.stop();
  }
});

Deno.test("a trusted client may relay; held mail keeps a clean envelope", async (t) => {
  const server = await startServer({ users: USERS });
  const port = server.ports.smtp!;
  const queueFile = (qid: string) => `${server.spoolDir}/queue/msg/${qid}`;
  try {
    await t.step("relay mail from 127.0.0.1 is accepted and waits in the queue", async () => {
      const client = await openSession(port);
      let qid: string;
      try {
        await expectReply(client, "MAIL FROM:<bob@example.test>", /^250 /);
        await expectReply(client, "RCPT TO:<alice@remote.test>", /^250 2\.1\.5 /);
        await expectReply(client, "RCPT TO:<@example.test:carl@remote.test>", /^250 2\.1\.5 /);
        await expectReply(client, 'RCPT TO:<"john smith"@[IPv6:2001:db8::1]>', /^250 2\.1\.5 /);
        await expectReply(client, "RCPT TO:<bob%remote.test@example.test>", /^550 5\.1\.1 /);
        await expectReply(client, "RCPT TO:<remote.test!bob@example.test>", /^550 5\.1\.1 /);
        await expectReply(client, "DATA", /^354 /);
        await client.send("Subject: held\r\n\r\nwaits\r\n.\r\n");
        const line = await expectNext(client, /^250 2\.0\.0 Ok: queued as \w+$/);
        qid = line.slice(line.lastIndexOf(" ") + 1);
      } finally {
        client.close();
      }
      await server.waitForLog(new RegExp(`event=msg\\.deferred .*qid=${qid}`));
      const text = await Deno.readTextFile(queueFile(qid));
      const envelope = JSON.parse(text.slice(5, text.indexOf("\n")));
      assert.deepEqual(envelope.rcpts, [
        "alice@remote.test",
        "carl@remote.test",
        '"john smith"@[IPv6:2001:db8::1]',
      ]);
    });

    await t.step("hostile HELO and addresses cannot add envelope fields", async () => {
      const helo = 'x"y\\z\u2028é,"rcpts":["root@evil.test"],"a":"';
      const from = '"q\\"uote\\\\back\u2028,\\"from\\":\\"\u00e9"@remote.test';
      const rcpt = '"x\\",\\"rcpts\\":[\\"root@evil.test\\"]"@remote.test';
      const client = await openSession(port, { helo });
      let qid: string;
      try {
        const message = "Subject: injection\r\n\r\nbody\r\n.\r\n";
        qid = await sendMessage(client, { from, rcpts: [rcpt], message, mailParams: "SMTPUTF8" });
      } finally {
        client.close();
      }
      await server.waitForLog(new RegExp(`event=msg\\.deferred .*qid=${qid}`));
      const text = await Deno.readTextFile(queueFile(qid));
      const [first, second] = text.split("\n");
      assert.ok(first!.startsWith("PBQ1 "));
      const envelope = JSON.parse(first!.slice(5));
      assert.deepEqual(Object.keys(envelope).sort(), [
        "arrivalMs",
        "clientIp",
        "from",
        "helo",
        "isSmtputf8",
        "qid",
        "rcpts",
        "source",
      ]);
      assert.equal(envelope.qid, qid);
      assert.equal(envelope.from, '"q\\"uote\\\\back\u2028,\\"from\\":\\"é"@remote.test');
      assert.deepEqual(envelope.rcpts, [rcpt]);
      assert.equal(envelope.helo, helo);
      assert.equal(envelope.source, "smtp");
      assert.equal(envelope.clientIp, "127.0.0.1");
      assert.equal(envelope.isSmtputf8, true);
      assert.match(second!, /^Received: from \S+ \(\[127\.0\.0\.1\]\)\r$/);
      const trace = /Received: [^\r\n]*\r\n(\t[^\r\n]*\r\n)*/.exec(text)!;
      assert.equal(text.slice(trace.index + trace[0].length), "Subject: injection\r\n\r\nbody\r\n");
    });
  } finally {
    await server.stop();
  }
});

Deno.test("every refused relay attempt is logged: a smuggling address refused as bad syntax, MAIL without AUTH on submission", async () => {
  const server = await startServer({
    users: USERS,
    aliases: ALIASES,
    flags: ["--relay-networks="],
  });
  try {
    const sub = await openSession(server.ports.submission!);
    try {
      await expectReply(sub, "MAIL FROM:<spammer@remote.test>", /^530 5\.7\.0 /);
    } finally {
      sub.close();
    }
    const mx = await openSession(server.ports.smtp!);
    try {
      await expectReply(mx, "MAIL FROM:<spammer@remote.test>", /^250 /);
      await expectReply(mx, "RCPT TO:<victim@remote.test@example.test>", /^553 5\.1\.3 /);
      // A logged refusal after the others: once it is in the log, so are they (one stream).
      await expectReply(mx, "RCPT TO:<marker@remote.test>", /^550 5\.7\.1 /);
    } finally {
      mx.close();
    }
    await server.waitForLog(/event=smtp\.rcpt_refused .*rcpt=marker@remote\.test/);
    const log = server.log();
    assert.match(
      log,
      /event=smtp\.sender_refused .*from=spammer@remote\.test .*reason=auth-required .*ip=127\.0\.0\.1/,
    );
    assert.match(
      log,
      /event=smtp\.rcpt_refused .*rcpt="?<victim@remote\.test@example\.test>"? .*reason=bad-address .*ip=127\.0\.0\.1/,
    );
  } finally {
    await server.stop();
  }
});
