/**
 * The split differential over implicit TLS (submissions, POP3S, IMAPS): the
 * bytes reach the server through the TLS layer, one record per write, so a
 * command cut at a CRLF or inside a literal arrives in separate records.
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { startServer, tempDir } from "./harness.ts";
import { edges, plainResponse, play, segmentations, type Session, session } from "./wire_splits.ts";

/** The replies to `s` in every segmentation, which must all equal the one-write run's. */
async function assertSameOverTls(port: number, s: Session, caCerts: string[]): Promise<string> {
  const outcomes = new Map<string, string>();
  for (const segmentation of segmentations(s)) {
    outcomes.set(segmentation.name, await play(port, s, segmentation.cuts, { caCerts }));
  }
  const whole = outcomes.get("whole")!;
  for (const [name, outcome] of outcomes) assert.equal(outcome, whole, `cut ${name}`);
  return whole;
}

Deno.test({
  name: "wire splits: submissions, POP3S and IMAPS answer the same however the records arrive",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir());
    const server = await startServer({
      users: { "bob@example.test": "pw-bob" },
      flags: [
        `--tls-cert=${certs.certFile}`,
        `--tls-key=${certs.keyFile}`,
        "--submissions-listen=127.0.0.1:0",
        "--pop3s-listen=127.0.0.1:0",
        "--imaps-listen=127.0.0.1:0",
      ],
    });
    const caCerts = [Deno.readTextFileSync(certs.caFile)];
    try {
      const smtp = await assertSameOverTls(
        server.ports.submissions!,
        session(
          "EHLO client.test\r\n",
          ...edges(`AUTH PLAIN ${plainResponse("bob@example.test", "pw-bob")}\r\n`),
          ...edges("MAIL FROM:<bob@example.test>\r\nRCPT TO:<nobody@example.test>\r\nRSET\r\n"),
          { tricky: "QUIT\r\n" },
        ),
        caCerts,
      );
      assert.match(smtp, /^235 /m);
      const pop3 = await assertSameOverTls(
        server.ports.pop3s!,
        session(...edges("USER bob@example.test\r\nPASS pw-bob\r\n"), {
          tricky: "STAT\r\nQUIT\r\n",
        }),
        caCerts,
      );
      assert.match(pop3, /^\+OK Logged in/m);
      const imap = await assertSameOverTls(
        server.ports.imaps!,
        session(
          "a LOGIN bob@example.test ",
          { tricky: "{6+}\r\npw-bob\r\n" },
          ...edges("b SELECT INBOX\r\nc LOGOUT\r\n"),
        ),
        caCerts,
      );
      assert.match(imap, /^a OK /m);
    } finally {
      await server.stop();
    }
  },
});
