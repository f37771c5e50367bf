/**
 * What the POP3 end-to-end tests share: bob's account, the message smtplib
 * sends him, a poplib login prelude, delivery that waits for the files, and
 * a server started and stopped around each test.
 */
import { maildirFiles, type Server, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

export const BOB = "bob@example.test";
export const PASSWORD = "pw bob 1";
export const MESSAGE =
  "From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: hello\r\n" +
  "\r\nHi Bob,\r\n.leading dot line\r\n..two dots\r\n.\r\nbye\r\n";

/** A poplib session as a Python prelude: connect, log in as argv[2]/argv[3]. */
export const LOGIN = `
import poplib, sys
port = int(sys.argv[1])
p = poplib.POP3("127.0.0.1", port, timeout=10)
p.user(sys.argv[2])
p.pass_(sys.argv[3])
`;

export async function sendMessages(server: Server, count: number): Promise<void> {
  const before = maildirFiles(server.spoolDir, BOB).length;
  await sendWithSmtplib({
    port: server.ports.smtp!,
    from: "alice@remote.test",
    rcpts: [BOB],
    messages: Array(count).fill(MESSAGE),
  });
  await waitUntil(
    () => maildirFiles(server.spoolDir, BOB).length === before + count,
    10_000,
    "delivery",
  );
}

export function disconnects(server: Server): number {
  return server.log().match(/event=pop3\.disconnect/g)?.length ?? 0;
}

export async function withServer(
  flags: string[],
  test: (server: Server) => Promise<void>,
): Promise<void> {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags });
  try {
    await test(server);
  } finally {
    await server.stop();
  }
}
