/**
 * Small steps shared by the SMTP end-to-end tests: open a greeted raw
 * session, expect a reply by pattern, send one message, and look at the
 * queue and the mailboxes on disk.
 */
import assert from "node:assert/strict";
import { maildirFiles, type Server, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";

/** An enhanced status code (RFC 3463) right after the reply code. */
export const ENHANCED = /^\d{3}[ -][245]\.\d{1,3}\.\d{1,3}( |$)/;

/** Connects, checks the 220 greeting and (unless `helo` is null) sends EHLO. */
export async function openSession(
  port: number,
  options: { helo?: string | null } = {},
): Promise<RawClient> {
  const client = await RawClient.connect(port);
  const greeting = await client.reply();
  assert.match(greeting[0]!, /^220 /);
  const helo = options.helo === undefined ? "client.test" : options.helo;
  if (helo !== null) await expectReply(client, `EHLO ${helo}`, /^250 /);
  return client;
}

/** Sends `command` and asserts the last line of its reply matches `pattern`; returns that line. */
export async function expectReply(
  client: RawClient,
  command: string,
  pattern: RegExp,
): Promise<string> {
  const line = await client.command(command);
  assert.match(line, pattern, `reply to ${JSON.stringify(command.slice(0, 60))}: ${line}`);
  return line;
}

/** Reads the next reply and asserts its last line matches `pattern`. */
export async function expectNext(client: RawClient, pattern: RegExp, what = "reply") {
  const lines = await client.reply();
  const last = lines[lines.length - 1]!;
  assert.match(last, pattern, `${what}: ${last}`);
  return last;
}

/** Runs MAIL, RCPT..., DATA and the message; returns the queue id from the 250. */
export async function sendMessage(
  client: RawClient,
  options: { from?: string; rcpts: string[]; message: string; mailParams?: string },
): Promise<string> {
  const params = options.mailParams ? ` ${options.mailParams}` : "";
  await expectReply(client, `MAIL FROM:<${options.from ?? "alice@remote.test"}>${params}`, /^250 /);
  for (const rcpt of options.rcpts) await expectReply(client, `RCPT TO:<${rcpt}>`, /^250 /);
  await expectReply(client, "DATA", /^354 /);
  await client.send(options.message);
  const line = await expectNext(
    client,
    /^250 2\.0\.0 Ok: queued as [0-9A-Za-z]+$/,
    "250 after DATA",
  );
  return line.slice(line.lastIndexOf(" ") + 1);
}

/** Names of files in a directory (empty if it does not exist). */
export function filesIn(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
  } catch {
    return [];
  }
}

/** Queued message files (`queue/msg`). */
export function queuedIds(server: Server): string[] {
  return filesIn(`${server.spoolDir}/queue/msg`);
}

/** Every delivered message of `account` as text. */
export function mailboxTexts(server: Server, account: string): string[] {
  return maildirFiles(server.spoolDir, account).map((file) => Deno.readTextFileSync(file));
}

/**
 * Proves a refused message left no trace: sends a marker message through a
 * fresh session, waits until it is delivered and the queue is empty, then
 * checks no mailbox of `accounts` holds `refusedMarker` and no temporary file remains.
 */
export async function assertNothingStored(
  server: Server,
  options: { accounts: string[]; refusedMarker: string },
): Promise<void> {
  const marker = `marker-${crypto.randomUUID()}`;
  const client = await openSession(server.ports.smtp!);
  try {
    await sendMessage(client, {
      rcpts: [options.accounts[0]!],
      message: `Subject: ${marker}\r\n\r\nmarker\r\n.\r\n`,
    });
    await expectReply(client, "QUIT", /^221 /);
  } finally {
    client.close();
  }
  await waitUntil(
    () => mailboxTexts(server, options.accounts[0]!).some((text) => text.includes(marker)),
    10_000,
    "marker delivery",
  );
  await waitUntil(() => queuedIds(server).length === 0, 10_000, "empty queue");
  for (const account of options.accounts) {
    for (const text of mailboxTexts(server, account)) {
      assert.ok(!text.includes(options.refusedMarker), `refused message reached ${account}`);
    }
  }
  assert.deepEqual(filesIn(`${server.spoolDir}/queue/tmp`), [], "queue/tmp is empty");
}
