/** What the DSN end-to-end tests share: the sender, raw sends, the notices she gets. */
import assert from "node:assert/strict";
import { type ParsedDsn, parseDsn } from "./dsn_parse.ts";
import { maildirFiles, type Server, waitUntil } from "./harness.ts";
import { expectNext, expectReply, openSession } from "./smtp_dialog.ts";

export const ALICE = "alice@example.test";

/** The notices in alice's mailbox once there are `count`, parsed, in no particular order. */
export async function noticesFor(
  server: Server,
  count: number,
  account = ALICE,
): Promise<ParsedDsn[]> {
  await waitUntil(
    () => maildirFiles(server.spoolDir, account).length >= count,
    15_000,
    `${count} notice(s) for ${account}`,
  );
  const files = maildirFiles(server.spoolDir, account);
  assert.equal(files.length, count, "no more notices than expected");
  return await Promise.all(files.map((file) => parseDsn(file)));
}

/** One raw transaction: MAIL with `mail` parameters, each RCPT line's rest as given. */
export async function sendRaw(
  port: number,
  options: { from?: string; mail?: string; rcpts: string[]; subject: string },
): Promise<void> {
  const client = await openSession(port);
  try {
    const params = options.mail ? ` ${options.mail}` : "";
    await expectReply(client, `MAIL FROM:<${options.from ?? ALICE}>${params}`, /^250 /);
    for (const rcpt of options.rcpts) await expectReply(client, `RCPT TO:${rcpt}`, /^250 /);
    await expectReply(client, "DATA", /^354 /);
    await client.send(
      `From: ${ALICE}\r\nSubject: ${options.subject}\r\nMessage-ID: <${options.subject}@example.test>` +
        `\r\n\r\nbody of ${options.subject}\r\n.\r\n`,
    );
    await expectNext(client, /^250 2\.0\.0 /);
  } finally {
    client.close();
  }
}

export function byFinal(dsn: ParsedDsn): Record<string, Record<string, string>> {
  return Object.fromEntries(
    dsn.perRecipient.map((block) => [block["Final-Recipient"]!.replace(/^rfc822; /, ""), block]),
  );
}
