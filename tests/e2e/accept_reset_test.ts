/**
 * A connection the client resets while it waits in the kernel's accept
 * queue makes accept() fail with ENOTCONN. That is the client's business,
 * not a listener in trouble: the listener must take the next connection at
 * once. Treated as "out of file descriptors", each one paused accepting for
 * 100 ms with a warning, so a client resetting connections in a loop could
 * keep a port from answering anyone (700 resets: over a minute).
 */
import assert from "node:assert/strict";
import { python, startServer } from "./harness.ts";

/** Opens argv[2] connections to the port and resets each (SO_LINGER 0, then close). */
const RESET_MANY = `
import socket, struct, sys
for _ in range(int(sys.argv[2])):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
`;

const GREETING = `
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
print(s.makefile("rb").readline().decode().strip())
s.sendall(b"QUIT\\r\\n")
`;

Deno.test("connections reset before they are accepted do not hold up the listener", async () => {
  const server = await startServer();
  try {
    // Stopped, the server cannot accept: the resets all reach it in the queue.
    server.signal("SIGSTOP");
    try {
      await python(RESET_MANY, [server.ports.smtp!, 30]);
    } finally {
      server.signal("SIGCONT");
    }
    const greeting = await python(GREETING, [server.ports.smtp!]);
    assert.match(greeting, /^220 /);
    await server.waitForLog(/event=smtp\.disconnect /);
    assert.doesNotMatch(
      server.log(),
      /event=conn\.accept_failed/,
      "a reset connection is not an accept failure (which pauses the listener)",
    );
  } finally {
    await server.stop();
  }
});
