/**
 * A client that resets its connection (mbsync killed mid-sync) gets none of
 * the commands it had pipelined run afterwards. Found with mbsync: killed
 * while uploading, its next run looked for the APPENDs it never saw
 * answered (UID FETCH of the new UIDs for its X-TUID header) while the old
 * session was still appending them, so it uploaded those again: 23
 * duplicates in INBOX.
 *
 * The reset is made to arrive while the server is busy: four wrong
 * passwords make the fifth LOGIN wait (the login limiter), and the commands
 * after it are already in the server's buffer when the client resets.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer } from "./harness.ts";

/** Pipelines four bad LOGINs, a good one, an APPEND and a CREATE, then resets (SO_LINGER 0). */
const RESET_CLIENT = `
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
body = b"Subject: after the reset\\r\\n\\r\\nnobody hears this answer\\r\\n"
s.sendall(b"".join([
    b"a1 LOGIN bob@example.test wrong1\\r\\n",
    b"a2 LOGIN bob@example.test wrong2\\r\\n",
    b"a3 LOGIN bob@example.test wrong3\\r\\n",
    b"a4 LOGIN bob@example.test wrong4\\r\\n",
    b"a5 LOGIN bob@example.test pw-bob\\r\\n",
    b"a6 APPEND INBOX {%d+}\\r\\n" % len(body), body, b"\\r\\n",
    b"a7 CREATE Afterwards\\r\\n",
]))
# Reset at once: the server is still checking the first passwords, and the
# fifth LOGIN then waits for the limiter, with the rest read into its buffer.
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
`;
import { exists } from "../path_exists.ts";

Deno.test("commands a client pipelined before resetting the connection are not run after it", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    await python(RESET_CLIENT, [server.ports.imap!]);
    await server.waitForLog(/event=imap\.disconnect/);
    assert.doesNotMatch(server.log(), /event=imap\.append /);
    assert.deepEqual(maildirFiles(server.spoolDir, "bob@example.test"), []);
    assert.equal(exists(`${server.spoolDir}/mail/example.test/bob/.Afterwards`), false);
  } finally {
    await server.stop();
  }
});
