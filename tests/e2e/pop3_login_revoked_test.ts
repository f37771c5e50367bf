/**
 * A POP3 session stands only while its login does: once `user del` or `user
 * passwd` has returned, its next command gets `-ERR [AUTH]` and the session
 * ends without the UPDATE state, so the messages it marked with DELE stay
 * (RFC 1939 6). Python's poplib against the real server.
 */
import assert from "node:assert/strict";
import { runCli } from "./harness.ts";
import { runPausedPython } from "./paused_python.ts";
import { BOB, bobsFiles, PASSWORD, serverWithMail } from "./bob_with_mail.ts";

/** poplib logs in and marks message 1 deleted; after the pause it says QUIT. */
const SESSION = `
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]))
p.user(sys.argv[2]); p.pass_(sys.argv[3])
p.dele(1)
print("ready", flush=True)
sys.stdin.readline()
try:
    print(p.quit().decode().split(" ")[0])
except poplib.error_proto as e:
    print(e.args[0].decode())
`;

Deno.test("a POP3 session of an account removed by user del gets -ERR [AUTH] at QUIT, and its DELE is not applied", async () => {
  const server = await serverWithMail();
  try {
    const said = await runPausedPython(SESSION, [server.ports.pop3!, BOB, PASSWORD], async () => {
      const deleted = await runCli(["user", "del", BOB, `--spool-dir=${server.spoolDir}`]);
      assert.equal(deleted.code, 0, deleted.stderr);
    });
    assert.deepEqual(said, ["-ERR [AUTH] Account removed, closing connection"]);
    assert.equal(bobsFiles(server).length, 1);
    await server.waitForLog(/event=pop3\.auth_revoked .*reason=account-removed/);
  } finally {
    await server.stop();
  }
});

Deno.test("a POP3 session logged in before user passwd gets -ERR [AUTH] at its next command; the new password logs in", async () => {
  const server = await serverWithMail();
  try {
    const spool = `--spool-dir=${server.spoolDir}`;
    const said = await runPausedPython(SESSION, [server.ports.pop3!, BOB, PASSWORD], async () => {
      const changed = await runCli(["user", "passwd", BOB, spool], { stdin: "bob new pw\n" });
      assert.equal(changed.code, 0, changed.stderr);
    });
    assert.deepEqual(said, ["-ERR [AUTH] Password changed, closing connection; log in again"]);
    assert.equal(bobsFiles(server).length, 1);
    const again = await runPausedPython(
      SESSION,
      [server.ports.pop3!, BOB, "bob new pw"],
      () => Promise.resolve(),
    );
    assert.deepEqual(again, ["+OK"]);
    assert.equal(bobsFiles(server).length, 0);
  } finally {
    await server.stop();
  }
});
