/** Stopping the server: open sessions are told why and the process ends. */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { RawClient } from "./raw_client.ts";

Deno.test("SIGTERM tells an idle SMTP client 421 4.3.2 and an IMAP client BYE, then the server exits", async () => {
  const server = await startServer({ flags: ["--insecure-auth"] });
  const smtp = await RawClient.connect(server.ports.smtp!);
  const imap = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await smtp.reply())[0]!, /^220 /);
    assert.equal(await smtp.command("EHLO client.test"), "250 HELP");
    assert.match((await imap.line())!, /^\* OK/);
    const stopped = server.stop();
    assert.match((await smtp.reply())[0]!, /^421 4\.3\.2 /);
    assert.ok(await smtp.isClosed(), "SMTP connection closed after the 421");
    assert.match((await imap.line())!, /^\* BYE Server shutting down/);
    await stopped;
    assert.match(server.log(), /event=server\.stopped/);
  } finally {
    smtp.close();
    imap.close();
    await server.stop();
  }
});
