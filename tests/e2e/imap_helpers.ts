/** Shared helpers for the IMAP end-to-end tests. */
import { maildirFiles, python, type Server, waitUntil } from "./harness.ts";

/** Sends messages with smtplib: argv = port, then message files. */
const SEND = `
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
    for path in sys.argv[2:]:
        s.sendmail("alice@remote.test", ["bob@example.test"], open(path, "rb").read())
`;

/** Delivers `messages` to bob and waits until they are in his Maildir. */
export async function deliver(server: Server, messages: string[]): Promise<void> {
  const before = maildirFiles(server.spoolDir, "bob@example.test").length;
  const paths = messages.map((message, i) => {
    const path = `${server.spoolDir}/send-${before + i}.eml`;
    Deno.writeTextFileSync(path, message);
    return path;
  });
  await python(SEND, [server.ports.smtp!, ...paths]);
  await waitUntil(
    () => maildirFiles(server.spoolDir, "bob@example.test").length === before + messages.length,
    10_000,
    "delivery",
  );
}
