/**
 * DSN requests passed on (RFC 3461 5.2): a next hop that offers DSN gets
 * RET, ENVID, NOTIFY and ORCPT as they came; one that does not gets none,
 * and the sender who asked for SUCCESS hears "relayed" from us.
 */
import assert from "node:assert/strict";
import { startServer, waitUntil } from "./harness.ts";
import { startSink } from "./smtp_sink.ts";
import { ALICE, noticesFor, sendRaw } from "./dsn_fixture.ts";

Deno.test("a next hop that offers DSN gets RET, ENVID, NOTIFY and ORCPT as they came, and reports success itself", async () => {
  const sink = await startSink({ dsn: true });
  const server = await startServer({
    users: { [ALICE]: "pw" },
    aliases: "list@example.test: x@remote.test, y@remote.test\n",
    flags: [`--route=remote.test=127.0.0.1:${sink.port}`],
  });
  try {
    await sendRaw(server.ports.smtp!, {
      mail: "RET=HDRS ENVID=QQ+2B314",
      rcpts: [
        "<a@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;A+2Bb@remote.test",
        "<b@remote.test>",
        "<list@example.test> NOTIFY=SUCCESS,DELAY",
      ],
      subject: "passed-on",
    });
    await waitUntil(() => sink.transactions.length === 1, 10_000, "relay to the DSN sink");
    const lines = sink.commands.flat();
    assert.ok(
      lines.some((line) =>
        /^MAIL FROM:<alice@example\.test> .*RET=HDRS ENVID=QQ\+2B314$/.test(line)
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.includes(
        "RCPT TO:<a@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;A+2Bb@remote.test",
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.includes("RCPT TO:<b@remote.test>"),
      "no NOTIFY given, none passed (RFC 3461 5.2.1 (c))",
    );
    assert.ok(
      lines.includes("RCPT TO:<x@remote.test> NOTIFY=DELAY ORCPT=rfc822;list@example.test"),
      lines.join("\n"),
    );
    assert.ok(
      lines.includes("RCPT TO:<y@remote.test> NOTIFY=DELAY ORCPT=rfc822;list@example.test"),
      lines.join("\n"),
    );
    // The only notice from us: the alias expanded. a@'s success is the next hop's to report.
    const [dsn] = await noticesFor(server, 1);
    assert.deepEqual(
      dsn!.perRecipient.map((block) => [block["Final-Recipient"], block["Action"]]),
      [
        ["rfc822; list@example.test", "expanded"],
      ],
    );
    await waitUntil(() => [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length === 0);
    assert.equal((server.log().match(/event=msg\.success_notice /g) ?? []).length, 1);
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("a next hop without DSN gets no DSN parameters", async () => {
  const sink = await startSink();
  const server = await startServer({
    users: { [ALICE]: "pw" },
    flags: [`--route=remote.test=127.0.0.1:${sink.port}`],
  });
  try {
    await sendRaw(server.ports.smtp!, {
      mail: "RET=FULL ENVID=e1",
      rcpts: ["<a@remote.test> NOTIFY=FAILURE ORCPT=rfc822;a@remote.test"],
      subject: "not-passed",
    });
    await waitUntil(() => sink.transactions.length === 1, 10_000, "relay to the sink");
    const lines = sink.commands.flat().filter((line) => /^(MAIL|RCPT) /.test(line));
    assert.equal(lines.length, 2);
    for (const line of lines) assert.doesNotMatch(line, /RET=|ENVID=|NOTIFY=|ORCPT=/);
  } finally {
    await server.stop();
    await sink.close();
  }
});
