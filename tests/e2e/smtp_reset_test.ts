/**
 * A message whose client reset the connection before its 250 could be sent
 * is not kept: the client never heard it taken and sends it again, so a kept
 * copy would be delivered twice. The reset is made to arrive while the
 * server is busy: four wrong passwords make the fifth AUTH wait (the login
 * limiter), and the whole transaction after it is already in the server's
 * buffer when the client resets.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer } from "./harness.ts";

const RESET_CLIENT = `
import base64, socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
plain = lambda pw: base64.b64encode(b"\\0bob@example.test\\0" + pw).decode()
s.sendall("".join([
    "EHLO client.test\\r\\n",
    *["AUTH PLAIN %s\\r\\n" % plain(b"wrong%d" % i) for i in range(4)],
    "AUTH PLAIN %s\\r\\n" % plain(b"pw-bob"),
    "MAIL FROM:<bob@example.test>\\r\\n",
    "RCPT TO:<bob@example.test>\\r\\n",
    "DATA\\r\\n",
    "Subject: after the reset\\r\\n\\r\\nnobody hears this 250\\r\\n.\\r\\n",
]).encode())
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
`;

Deno.test("a message whose client reset the connection before its 250 is not kept (it will be sent again)", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    await python(RESET_CLIENT, [server.ports.submission!]);
    await server.waitForLog(/event=smtp\.disconnect/);
    assert.doesNotMatch(server.log(), /event=msg\.queued /);
    assert.deepEqual(maildirFiles(server.spoolDir, "bob@example.test"), []);
  } finally {
    await server.stop();
  }
});
