/** Shared helpers for the IMAP end-to-end tests. */
import { maildirFiles, type Server, waitUntil } from "./harness.ts";
import type { RawClient } from "./raw_client.ts";
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
