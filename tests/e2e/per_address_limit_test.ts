/**
 * One client address may hold a quarter of a listener's connections: a host
 * that opens them all and says nothing no longer locks everyone else out.
 * Clients in --relay-networks (local programs) are not limited.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { RawClient } from "./raw_client.ts";

async function greetings(port: number, count: number): Promise<[RawClient[], string[]]> {
  const clients: RawClient[] = [];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const client = await RawClient.connect(port);
    clients.push(client);
    lines.push((await client.line()) ?? "EOF");
  }
  return [clients, lines];
}

Deno.test("a client address outside --relay-networks holds at most a quarter of --max-connections on each listener", async () => {
  const server = await startServer({ flags: ["--max-connections=8", "--relay-networks="] });
  try {
    const [imap, imapGreetings] = await greetings(server.ports.imap!, 3);
    assert.match(imapGreetings[0]!, /^\* OK /);
    assert.match(imapGreetings[1]!, /^\* OK /);
    assert.match(imapGreetings[2]!, /^\* BYE Too many connections/);
    // The other listeners count on their own.
    const [smtp, smtpGreetings] = await greetings(server.ports.smtp!, 3);
    assert.deepEqual(smtpGreetings.map((line) => line.slice(0, 4)), ["220 ", "220 ", "421 "]);
    const [pop3, pop3Greetings] = await greetings(server.ports.pop3!, 3);
    assert.deepEqual(pop3Greetings.map((line) => line.slice(0, 4)), ["+OK ", "+OK ", "-ERR"]);
    await server.waitForLog(/event=conn\.refused proto=imap reason=per-address ip=127\.0\.0\.1/);
    // One closes: the address may open one again.
    imap[0]!.close();
    let again = "";
    for (let tries = 0; tries < 50 && !again.startsWith("* OK"); tries++) {
      const [[client], [line]] = await greetings(server.ports.imap!, 1);
      again = line!;
      client!.close();
      if (!again.startsWith("* OK")) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(again, /^\* OK /);
    for (const client of [...imap.slice(1), ...smtp, ...pop3]) client.close();
  } finally {
    await server.stop();
  }
});

Deno.test("a client in --relay-networks (loopback by default) is not limited per address", async () => {
  const server = await startServer({ flags: ["--max-connections=8"] });
  try {
    const [clients, lines] = await greetings(server.ports.imap!, 5);
    assert.ok(lines.every((line) => line.startsWith("* OK ")), lines.join("\n"));
    for (const client of clients) client.close();
  } finally {
    await server.stop();
  }
});
