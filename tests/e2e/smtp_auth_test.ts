/**
 * SMTP AUTH (RFC 4954) and the submission policy, over plaintext with
 * --insecure-auth (the TLS side is in smtp_tls_test.ts): exact wire bytes
 * with RawClient, real logins with Python's smtplib, and the brute-force brake.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";

const USERS = { "alice@example.test": "alice-pw", "bob@example.test": "bob-pw" };
const ALIASES = "sales@example.test: alice@example.test\nteam@example.test: bob@example.test\n";
const b64 = (text: string) => btoa(text);
const plain = (user: string, password: string) => b64(`\0${user}\0${password}`);

async function greeted(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  await client.reply();
  await client.command("EHLO client.test");
  return client;
}

Deno.test("AUTH is neither offered nor accepted without TLS unless --insecure-auth", async () => {
  const server = await startServer({ users: USERS });
  try {
    const client = await RawClient.connect(server.ports.submission!);
    await client.reply();
    await client.send("EHLO client.test\r\n");
    const ehlo = await client.reply();
    assert.ok(!ehlo.some((line) => /AUTH/.test(line)), ehlo.join("\n"));
    assert.ok(!ehlo.some((line) => /STARTTLS/.test(line)), "no STARTTLS without a certificate");
    assert.match(
      await client.command(`AUTH PLAIN ${plain("alice@example.test", "alice-pw")}`),
      /^538 5\.7\.11 /,
    );
    assert.match(await client.command("STARTTLS"), /^502 5\.5\.1 /);
    client.close();
  } finally {
    await server.stop();
  }
});

Deno.test("AUTH PLAIN and LOGIN speak the RFC 4954 exchange byte for byte", async () => {
  const server = await startServer({ users: USERS, flags: ["--insecure-auth"] });
  try {
    const port = server.ports.submission!;
    const cases: { name: string; steps: [string, RegExp][] }[] = [
      {
        name: "PLAIN with an empty 334 challenge",
        steps: [["AUTH PLAIN", /^334 $/], [
          plain("alice@example.test", "alice-pw"),
          /^235 2\.7\.0 /,
        ]],
      },
      {
        name: "LOGIN with Username: and Password: challenges",
        steps: [
          ["AUTH LOGIN", /^334 VXNlcm5hbWU6$/],
          [b64("alice@example.test"), /^334 UGFzc3dvcmQ6$/],
          [b64("alice-pw"), /^235 2\.7\.0 /],
        ],
      },
      {
        name: "LOGIN with the user name as initial response",
        steps: [
          [`AUTH login ${b64("alice@example.test")}`, /^334 UGFzc3dvcmQ6$/],
          [b64("alice-pw"), /^235 /],
        ],
      },
      { name: "a * cancels PLAIN", steps: [["AUTH PLAIN", /^334 $/], ["*", /^501 5\.0\.0 /]] },
      {
        name: "a * cancels LOGIN at the password",
        steps: [["AUTH LOGIN", /^334 /], [b64("alice@example.test"), /^334 /], [
          "*",
          /^501 5\.0\.0 /,
        ]],
      },
      {
        name: "junk base64 is 501 5.5.2",
        steps: [["AUTH PLAIN", /^334 $/], ["not base64!", /^501 5\.5\.2 /]],
      },
      { name: "junk initial response is 501 5.5.2", steps: [["AUTH PLAIN a=b=", /^501 5\.5\.2 /]] },
      { name: "an unknown mechanism is 504", steps: [["AUTH CRAM-MD5", /^504 5\.5\.4 /]] },
      {
        name: "a wrong password is 535 5.7.8",
        steps: [[`AUTH PLAIN ${plain("alice@example.test", "nope")}`, /^535 5\.7\.8 /]],
      },
      {
        name: "an unknown user is 535 5.7.8 too",
        steps: [[`AUTH PLAIN ${plain("mallory@example.test", "x")}`, /^535 5\.7\.8 /]],
      },
      {
        name: "a second AUTH after success is 503",
        steps: [
          [`AUTH PLAIN ${plain("alice@example.test", "alice-pw")}`, /^235 /],
          [`AUTH PLAIN ${plain("alice@example.test", "alice-pw")}`, /^503 5\.5\.1 /],
        ],
      },
      {
        name: "AUTH during a transaction is 503",
        steps: [
          [`AUTH PLAIN ${plain("alice@example.test", "alice-pw")}`, /^235 /],
          ["MAIL FROM:<alice@example.test>", /^250 /],
          [`AUTH PLAIN ${plain("alice@example.test", "alice-pw")}`, /^503 5\.5\.1 /],
        ],
      },
    ];
    for (const { name, steps } of cases) {
      const client = await greeted(port);
      for (const [line, expected] of steps) {
        await client.send(line + "\r\n");
        const reply = await client.reply();
        assert.match(reply[reply.length - 1]!, expected, `${name}: after "${line}"`);
      }
      client.close();
    }
    assert.doesNotMatch(server.log(), /alice-pw|nope/, "no password in the log");
    await server.waitForLog(
      /event=auth\.failed ip=127\.0\.0\.1 user=alice@example\.test proto=smtp /,
    );
  } finally {
    await server.stop();
  }
});

Deno.test("submission needs AUTH for MAIL and refuses senders the user does not own, but not <>", async () => {
  const server = await startServer({
    users: USERS,
    aliases: ALIASES,
    flags: ["--insecure-auth", "--relay-networks="],
  });
  try {
    const anonymous = await greeted(server.ports.submission!);
    assert.match(
      await anonymous.command("MAIL FROM:<alice@example.test> AUTH=alice@example.test"),
      /^530 5\.7\.0 /,
      "the AUTH= parameter does not authenticate",
    );
    anonymous.close();

    const client = await greeted(server.ports.submission!);
    assert.match(
      await client.command(`AUTH PLAIN ${plain("Alice@Example.test", "alice-pw")}`),
      /^235 /,
    );
    const senders: [string, RegExp][] = [
      ["<bob@example.test>", /^553 5\.7\.1 /],
      ["<team@example.test>", /^553 5\.7\.1 /],
      ["<alice@remote.test>", /^553 5\.7\.1 /],
      ["<>", /^250 /], // read receipts must use the null sender (RFC 8098 2.1)
      ["<sales@example.test>", /^250 /],
    ];
    for (const [sender, expected] of senders) {
      assert.match(await client.command(`MAIL FROM:${sender}`), expected, sender);
      await client.command("RSET");
    }
    assert.match(await client.command("MAIL FROM:<ALICE@example.test> AUTH=<>"), /^250 /);
    assert.match(await client.command("RCPT TO:<someone@far-away.test>"), /^250 /, "relays");
    client.close();

    const mx = await greeted(server.ports.smtp!);
    assert.match(await mx.command("MAIL FROM:<x@remote.test>"), /^250 /);
    assert.match(await mx.command("RCPT TO:<someone@far-away.test>"), /^550 5\.7\.1 /);
    assert.match(await mx.command("RSET"), /^250 /);
    assert.match(await mx.command(`AUTH PLAIN ${plain("bob@example.test", "bob-pw")}`), /^235 /);
    assert.match(await mx.command("MAIL FROM:<team@example.test>"), /^250 /);
    assert.match(await mx.command("RCPT TO:<someone@far-away.test>"), /^250 /, "port 25 + AUTH");
    mx.close();
  } finally {
    await server.stop();
  }
});

const LOGIN_STORM = `
import base64, smtplib, sys, threading
port, source, count, password = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
codes = []
def attempt():
    with smtplib.SMTP("127.0.0.1", port, source_address=(source, 0), timeout=30) as s:
        s.ehlo("client.test")
        token = base64.b64encode(b"\\0alice@example.test\\0" + password.encode()).decode()
        codes.append(s.docmd("AUTH", "PLAIN " + token)[0])
threads = [threading.Thread(target=attempt) for _ in range(count)]
for t in threads: t.start()
for t in threads: t.join()
print(" ".join(str(c) for c in sorted(codes)))
`;

Deno.test("20 wrong passwords from one address are slowed, then refused; another address is unaffected", async () => {
  // No relay network: 127.0.0.1 is an outside address, counted as a whole.
  const server = await startServer({
    users: USERS,
    flags: ["--insecure-auth", "--relay-networks="],
  });
  try {
    const port = server.ports.submission!;
    // Five one after another (the fourth and fifth answers wait), then fifteen at once.
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push((await python(LOGIN_STORM, [port, "127.0.0.1", 1, "guess"])).trim());
    }
    assert.deepEqual(codes, ["535", "535", "535", "535", "535"]);
    const storm = (await python(LOGIN_STORM, [port, "127.0.0.1", 15, "guess"])).trim().split(" ");
    assert.equal(storm.length, 15);
    assert.ok(storm.every((code) => code === "535" || code === "454"), storm.join(" "));
    assert.ok(storm.includes("454"), `some attempts are refused outright: ${storm}`);
    const authLines = () =>
      server.log().split("\n").filter((line) => /event=auth\.(failed|refused) /.test(line));
    // The log pipe may lag the replies: wait (with a deadline) for the lines to arrive.
    await waitUntil(() => authLines().length >= 20, 15_000, "one log line per attempt");
    const failures = authLines().filter((line) => /event=auth\.failed /.test(line));
    assert.equal(failures.length, 10, "ten passwords were checked, however many came at once");
    assert.ok(failures.some((line) => /delay_ms=[1-9]/.test(line)), "later answers were delayed");
    assert.ok(failures.some((line) => /blocked=true/.test(line)), "the address got blocked");

    const blocked = (await python(LOGIN_STORM, [port, "127.0.0.1", 1, "alice-pw"])).trim();
    assert.equal(blocked, "454", "even the right password is refused while blocked");
    const other = (await python(LOGIN_STORM, [port, "127.0.0.2", 1, "alice-pw"])).trim();
    assert.equal(other, "235", "another address logs in at once");
  } finally {
    await server.stop();
  }
});

const SUBMIT = `
import smtplib, sys
port, subject, extra = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    s.login("alice@example.test", "alice-pw")
    s.sendmail("alice@example.test", ["bob@example.test"],
               extra.replace("|", "\\r\\n") + "Subject: " + subject + "\\r\\n\\r\\nhello\\r\\n")
`;

Deno.test("an authenticated submission without Date or Message-ID gets both (RFC 6409 8.2, 8.3); relayed mail is left as sent", async () => {
  const server = await startServer({ users: USERS, flags: ["--insecure-auth"] });
  try {
    const port = server.ports.submission!;
    await python(SUBMIT, [port, "bare", ""]);
    await python(SUBMIT, [
      port,
      "own",
      "Date: Mon, 1 Jan 2024 00:00:00 +0000|Message-Id: <own@client.test>|",
    ]);
    const mx = await greeted(server.ports.smtp!);
    assert.match(await mx.command("MAIL FROM:<x@remote.test>"), /^250 /);
    assert.match(await mx.command("RCPT TO:<bob@example.test>"), /^250 /);
    assert.match(await mx.command("DATA"), /^354 /);
    assert.match(await mx.command("Subject: relayed\r\n\r\nhello\r\n."), /^250 /);
    mx.close();
    const texts = () =>
      maildirFiles(server.spoolDir, "bob@example.test").map((f) => Deno.readTextFileSync(f));
    await waitUntil(() => texts().length === 3, 15_000, "three messages delivered");
    const bySubject = (subject: string) => {
      const text = texts().find((t) => t.includes(`\r\nSubject: ${subject}\r\n`));
      assert.ok(text, `message "${subject}" delivered`);
      return text.slice(0, text.indexOf("\r\n\r\n") + 2);
    };
    const count = (head: string, name: RegExp) =>
      head.split("\r\n").filter((line) => name.test(line)).length;
    const bare = bySubject("bare");
    assert.equal(count(bare, /^Date: \S/), 1, bare);
    assert.equal(count(bare, /^Message-ID: <[^<>@\s]+@mx\.test>$/), 1, bare);
    const own = bySubject("own");
    assert.equal(count(own, /^Date:/i), 1, own);
    assert.equal(count(own, /^Message-I[Dd]:/i), 1, own);
    assert.match(own, /^Message-Id: <own@client\.test>$/m);
    const relayed = bySubject("relayed");
    assert.equal(
      count(relayed, /^(Date|Message-ID):/i),
      0,
      "an MTA does not repair (RFC 5321 6.4)",
    );
  } finally {
    await server.stop();
  }
});

const SUBMIT_BIG_HEADER = `
import smtplib, sys
port = int(sys.argv[1])
filler = "".join("X-Filler-%d: %s\\r\\n" % (i, "y" * 900) for i in range(300))
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    s.login("alice@example.test", "alice-pw")
    s.sendmail("alice@example.test", ["bob@example.test"], "Subject: big\\r\\n" + filler +
               "Date: Mon, 1 Jan 2024 00:00:00 +0000\\r\\nMessage-ID: <big@client.test>\\r\\n\\r\\nhi\\r\\n")
`;

Deno.test("a submission whose Date and Message-ID come after 256 KiB of header fields gets no second one", async () => {
  const server = await startServer({ users: USERS, flags: ["--insecure-auth"] });
  try {
    await python(SUBMIT_BIG_HEADER, [server.ports.submission!]);
    await waitUntil(
      () => maildirFiles(server.spoolDir, "bob@example.test").length === 1,
      15_000,
      "delivered",
    );
    const text = Deno.readTextFileSync(maildirFiles(server.spoolDir, "bob@example.test")[0]!);
    const head = text.slice(0, text.indexOf("\r\n\r\n") + 2).split("\r\n");
    assert.deepEqual(head.filter((line) => /^(Date|Message-ID):/i.test(line)), [
      "Date: Mon, 1 Jan 2024 00:00:00 +0000",
      "Message-ID: <big@client.test>",
    ]);
  } finally {
    await server.stop();
  }
});
