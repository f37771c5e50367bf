/**
 * The SMTP error limit (10 client errors, then 421 4.7.0 and close) against
 * RFC 5321: unknown recipients among the first 100 RCPTs do not count
 * (4.5.3.1.8: a server must take 100 recipients), and a verdict on a
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
