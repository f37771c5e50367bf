/** Shared helpers for the IMAP end-to-end tests. */
import assert from "node:assert/strict";
import { maildirFiles, type Server, startServer, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

/** Every line up to and including the one tagged `tag`. */
export async function untilTagged(client: RawClient, tag: string): Promise<string[]> {
  const lines: string[] = [];
  while (true) {
    const read = await client.line();
    if (read === null) throw new Error(`connection closed; got ${lines.join(" | ")}`);
    lines.push(read);
    if (read.startsWith(tag + " ")) return lines;
  }
}

/** Sends `tag line` and returns every line up to and including the tagged one. */
export async function command(client: RawClient, tag: string, line: string): Promise<string[]> {
  await client.send(`${tag} ${line}\r\n`);
  return await untilTagged(client, tag);
}

/** A raw IMAP client on `port`, greeted and logged in as bob@example.test (password pw-bob). */
export async function loginAsBob(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  assert.match((await client.line())!, /^\* OK /);
  assert.match((await command(client, "l", "LOGIN bob@example.test pw-bob")).at(-1)!, /^l OK /);
  return client;
}

/** Delivers `messages` to bob and waits until they are in his Maildir. */
export async function deliver(server: Server, messages: string[]): Promise<void> {
  // new/ and cur/: a session with INBOX selected moves what it claims \Recent to cur/.
  const count = () =>
    maildirFiles(server.spoolDir, "bob@example.test").length +
    maildirFiles(server.spoolDir, "bob@example.test", "cur").length;
  const before = count();
  await sendWithSmtplib({
    port: server.ports.smtp!,
    from: "alice@remote.test",
    rcpts: ["bob@example.test"],
    messages,
  });
  await waitUntil(
    () => count() === before + messages.length,
    30_000,
    "delivery",
  );
}

/**
 * A server with bob (password "pw-bob") logged in over raw IMAP, holding
 * `messages` APPENDed to INBOX in order, and INBOX opened with `open`
 * (SELECT, or EXAMINE for a session that must not set flags).
 */
export async function mailboxWith(
  messages: readonly string[],
  open: "SELECT" | "EXAMINE" = "SELECT",
): Promise<{ server: Server; client: RawClient }> {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const client = await RawClient.connect(server.ports.imap!);
  assert.match((await client.line())!, /^\* OK /);
  assert.match((await command(client, "l", "LOGIN bob@example.test pw-bob")).at(-1)!, /^l OK /);
  for (const [i, message] of messages.entries()) {
    const bytes = new TextEncoder().encode(message).length;
    const reply = await command(client, `a${i}`, `APPEND INBOX {${bytes}+}\r\n${message}`);
    assert.match(reply.at(-1)!, new RegExp(`^a${i} OK \\[APPENDUID \\d+ ${i + 1}\\]`));
  }
  const mode = open === "SELECT" ? /^s OK \[READ-WRITE\]/ : /^s OK \[READ-ONLY\]/;
  assert.match((await command(client, "s", `${open} INBOX`)).at(-1)!, mode);
  return { server, client };
}

/**
 * Runs each `[name, criteria, expected]` as SEARCH on `client` (a folder
 * selected) and asserts its tagged OK and its `* SEARCH` hits.
 */
export async function assertSearches(
  client: RawClient,
  cases: readonly (readonly [string, string, string])[],
): Promise<void> {
  for (const [name, criteria, expected] of cases) {
    const reply = await command(client, "t", `SEARCH ${criteria}`);
    assert.equal(reply.at(-1), "t OK SEARCH completed", name);
    assert.equal(reply[0], `* SEARCH ${expected}`.trimEnd(), name);
  }
}
