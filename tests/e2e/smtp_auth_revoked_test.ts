/**
 * A login stands only while its password does: once `user passwd` or `user
 * del` has returned, an SMTP session opened with the old password (a stolen
 * one, sending spam) gets 530 at its next MAIL instead of relaying on.
 */
import assert from "node:assert/strict";
import { maildirFiles, runCli, startServer, waitUntil } from "./harness.ts";

const ALICE = "alice@example.test";

/**
 * smtplib logs in and sends one message, waits for a line on stdin (the
 * account changes meanwhile), then tries a second message, and (when given a
 * new password) logs in again and sends a third. Prints one line per step.
 */
const SESSION = `
import smtplib, sys
port, user, password, new_password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = smtplib.SMTP("127.0.0.1", port)
s.login(user, password)
s.sendmail(user, [user], b"Subject: one\\r\\n\\r\\nfirst\\r\\n")
print("sent one", flush=True)
sys.stdin.readline()
try:
    s.sendmail(user, [user], b"Subject: two\\r\\n\\r\\nsecond\\r\\n")
    print("sent two")
except smtplib.SMTPSenderRefused as e:
    print("refused", e.smtp_code, e.smtp_error.decode().split(" ")[0])
if new_password:
    try:
        s.login(user, password)
        print("old password logged in")
    except smtplib.SMTPAuthenticationError as e:
        print("old password refused", e.smtp_code)
    s.login(user, new_password)
    s.sendmail(user, [user], b"Subject: three\\r\\n\\r\\nthird\\r\\n")
    print("sent three")
s.quit()
`;

async function session(
  change: (spool: string) => Promise<void>,
  newPassword: string,
): Promise<{ said: string[]; delivered: number }> {
  const server = await startServer({
    users: { [ALICE]: "alice-pw" },
    flags: ["--insecure-auth", "--relay-networks="],
  });
  try {
    const child = new Deno.Command("python3", {
      args: ["-c", SESSION, String(server.ports.submission!), ALICE, "alice-pw", newPassword],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let said = "";
    while (!said.includes("sent one\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      said += value;
    }
    await change(`--spool-dir=${server.spoolDir}`);
    const stdin = child.stdin.getWriter();
    await stdin.write(new TextEncoder().encode("go\n"));
    await stdin.close();
    for (let { value, done } = await lines.read(); !done; { value, done } = await lines.read()) {
      said += value;
    }
    assert.equal((await child.status).code, 0, said);
    const expected = newPassword ? 2 : 1;
    await waitUntil(
      () => maildirFiles(server.spoolDir, ALICE).length >= expected,
      10_000,
      "delivery",
    );
    return {
      said: said.trim().split("\n"),
      delivered: maildirFiles(server.spoolDir, ALICE).length,
    };
  } finally {
    await server.stop();
  }
}

Deno.test("a submission session logged in before `user passwd` gets 530 at its next MAIL, and in again only with the new password", async () => {
  const { said, delivered } = await session(async (spool) => {
    const changed = await runCli(["user", "passwd", ALICE, spool], { stdin: "alice-new\n" });
    assert.equal(changed.code, 0, changed.stderr);
  }, "alice-new");
  assert.deepEqual(said, [
    "sent one",
    "refused 530 5.7.0",
    "old password refused 535",
    "sent three",
  ]);
  assert.equal(delivered, 2);
});

Deno.test("a submission session of an account removed by `user del` sends nothing more", async () => {
  const { said, delivered } = await session(async (spool) => {
    const deleted = await runCli(["user", "del", ALICE, spool]);
    assert.equal(deleted.code, 0, deleted.stderr);
  }, "");
  assert.deepEqual(said, ["sent one", "refused 530 5.7.0"]);
  assert.equal(delivered, 1);
});
