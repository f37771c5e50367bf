/** Shared helpers for the IMAP end-to-end tests. */
import { maildirFiles, type Server, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

/** Delivers `messages` to bob and waits until they are in his Maildir. */
export async function deliver(server: Server, messages: string[]): Promise<void> {
  const before = maildirFiles(server.spoolDir, "bob@example.test").length;
  await sendWithSmtplib({
    port: server.ports.smtp!,
    from: "alice@remote.test",
    rcpts: ["bob@example.test"],
    messages,
  });
  await waitUntil(
    () => maildirFiles(server.spoolDir, "bob@example.test").length === before + messages.length,
    30_000,
    "delivery",
  );
}
