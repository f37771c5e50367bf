/**
 * The SMTP error limit (10 client errors, then 421 4.7.0 and close) against
 * RFC 5321: unknown recipients among the first 100 RCPTs do not count
 * (4.5.3.1.8: a server must take 100 recipients), again after each message
 * taken (an MTA sends a list 100 recipients a transaction), and a verdict on a
 * message that reaches the limit is sent as it is, the 421 going to the next
 * command. (Ten bad commands getting 421: smtp_limits_test.)
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";

async function greeted(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  assert.match((await client.reply()).at(-1)!, /^220 /);
  assert.match(await client.command("EHLO client.test"), /^250 /);
  return client;
}

Deno.test("a message to twelve unknown addresses and one account reaches the account", async () => {
  const server = await startServer({ users: { "bob@example.test": "pw" } });
  try {
    const out = await python(
      `
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
rcpts = ["nobody%d@example.test" % i for i in range(12)] + ["bob@example.test"]
refused = s.sendmail("alice@remote.test", rcpts, "Subject: many\\r\\n\\r\\nhello\\r\\n")
print(len(refused), sorted(set(code for code, _ in refused.values())))
s.quit()
`,
      [server.ports.smtp!],
    );
    assert.equal(out.trim(), "12 [550]");
    await waitUntil(
      () => maildirFiles(server.spoolDir, "bob@example.test").length === 1,
      10_000,
      "bob's copy",
    );
  } finally {
    await server.stop();
  }
});

Deno.test("a message refused as too big as the tenth error keeps its 552", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    flags: ["--max-message-size=1000B"],
  });
  const client = await greeted(server.ports.smtp!);
  try {
    for (let i = 1; i <= 9; i++) assert.match(await client.command(`FOO${i}`), /^500 /);
    assert.match(await client.command("MAIL FROM:<alice@remote.test>"), /^250 /);
    assert.match(await client.command("RCPT TO:<bob@example.test>"), /^250 /);
    assert.match(await client.command("DATA"), /^354 /);
    assert.match(await client.command("x".repeat(1500) + "\r\n."), /^552 5\.3\.4 /);
    assert.match(await client.command("RSET"), /^421 4\.7\.0 /);
    assert.equal(await client.isClosed(), true);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a message refused as too big by BDAT as the tenth error keeps its 552", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    flags: ["--max-message-size=1000B"],
  });
  const client = await greeted(server.ports.smtp!);
  try {
    for (let i = 1; i <= 9; i++) assert.match(await client.command(`FOO${i}`), /^500 /);
    assert.match(await client.command("MAIL FROM:<alice@remote.test>"), /^250 /);
    assert.match(await client.command("RCPT TO:<bob@example.test>"), /^250 /);
    const chunk = "x".repeat(1498) + "\r\n";
    assert.match(
      await client.command(`BDAT ${chunk.length + 2} LAST\r\n${chunk}`),
      /^552 5\.3\.4 /,
    );
    assert.match(await client.command("RSET"), /^421 4\.7\.0 /);
    assert.equal(await client.isClosed(), true);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("unknown recipients start to count as errors at the 101st RCPT, not before", async () => {
  const server = await startServer({ users: { "bob@example.test": "pw" } });
  const client = await greeted(server.ports.smtp!);
  try {
    assert.match(await client.command("MAIL FROM:<alice@remote.test>"), /^250 /);
    // RFC 5321 4.5.3.1.8: 100 recipients must be taken, so the first 100 refusals are free;
    // then the tenth counted one (the 110th RCPT) reaches the limit of 10.
    for (let i = 1; i <= 109; i++) {
      assert.match(await client.command(`RCPT TO:<nobody${i}@example.test>`), /^550 /, `RCPT ${i}`);
    }
    assert.match(await client.command("RCPT TO:<nobody110@example.test>"), /^421 4\.7\.0 /);
  } finally {
    client.close();
    await server.stop();
  }
});

/**
 * One message's recipients, as an MTA sends a list: 100 to a transaction, every fifth address
 * unknown, each transaction ending in a message (`sendBatch` returns the reply to its end).
 */
async function sendBatch(client: RawClient, batch: number): Promise<string> {
  assert.match(await client.command("MAIL FROM:<list@remote.test>"), /^250 /);
  for (let i = 0; i < 100; i++) {
    const rcpt = i % 5 === 4 ? `gone${batch}-${i}@example.test` : "bob@example.test";
    const reply = await client.command(`RCPT TO:<${rcpt}>`);
    if (!/^(250|550) /.test(reply)) return reply;
  }
  assert.match(await client.command("DATA"), /^354 /);
  return await client.command(`Subject: batch ${batch}\r\n\r\nlist mail\r\n.`);
}

Deno.test("a list sent 100 recipients a transaction down one connection is not cut off by its unknown addresses", async () => {
  // Exim's max_rcpt (100) splits a message to 300 addresses into three transactions on one
  // connection: each is a message taken, and each gets the 100 RCPTs RFC 5321 4.5.3.1.8 grants.
  const server = await startServer({ users: { "bob@example.test": "pw" } });
  const client = await greeted(server.ports.smtp!);
  try {
    for (let batch = 1; batch <= 3; batch++) {
      const reply = await sendBatch(client, batch);
      assert.match(reply, /^250 2\.0\.0 Ok: queued/, `batch ${batch}: ${reply}`);
    }
    assert.match(await client.command("QUIT"), /^221 /);
    await waitUntil(
      () => maildirFiles(server.spoolDir, "bob@example.test").length === 3,
      10_000,
      "bob's three copies",
    );
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("RSET gives no new allowance: unknown recipients past the 100th RCPT of a session that handed over no message count", async () => {
  const server = await startServer({ users: { "bob@example.test": "pw" } });
  const client = await greeted(server.ports.smtp!);
  try {
    assert.match(await client.command("MAIL FROM:<alice@remote.test>"), /^250 /);
    for (let i = 1; i <= 100; i++) {
      assert.match(await client.command(`RCPT TO:<nobody${i}@example.test>`), /^550 /, `RCPT ${i}`);
    }
    assert.match(await client.command("RSET"), /^250 /);
    assert.match(await client.command("MAIL FROM:<alice@remote.test>"), /^250 /);
    for (let i = 101; i <= 109; i++) {
      assert.match(await client.command(`RCPT TO:<nobody${i}@example.test>`), /^550 /, `RCPT ${i}`);
    }
    assert.match(await client.command("RCPT TO:<nobody110@example.test>"), /^421 4\.7\.0 /);
  } finally {
    client.close();
    await server.stop();
  }
});
