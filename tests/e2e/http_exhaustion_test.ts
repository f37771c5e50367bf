/**
 * The status page is not a way to bring the server down: connections beyond
 * its small limit are turned away with 503, and running out of file
 * descriptors there leaves the mail listeners and the process standing.
 */
import assert from "node:assert/strict";
import { python, startServer } from "./harness.ts";
import { HAS_PRLIMIT, withFileLimit } from "./prlimit.ts";

Deno.test({
  name: "many idle connections to the status page neither kill the server nor starve SMTP",
  ignore: !HAS_PRLIMIT,
  fn: async () => {
    const server = await startServer({
      flags: ["--http-listen=127.0.0.1:0"],
      wrap: withFileLimit(150),
    });
    try {
      // More connections than the process has descriptors, all held open and silent.
      const out = await python(
        `
import select, socket, sys, time
http, smtp = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(200):
    try:
        socks.append(socket.create_connection(("127.0.0.1", http), timeout=5))
    except OSError:
        break
s = socket.create_connection(("127.0.0.1", smtp), timeout=10)
print(s.recv(100).decode().split(" ")[0])
s.close()
# Those over the status page's limit are answered 503 (wait for the first, with a deadline).
busy, waiting, deadline = 0, list(socks), time.monotonic() + 10
while busy == 0 and waiting and time.monotonic() < deadline:
    ready, _, _ = select.select(waiting, [], [], 0.5)
    for c in ready:
        try:
            busy += c.recv(100).startswith(b"HTTP/1.1 503 ")
        except OSError:
            pass
        waiting.remove(c)
for c in socks:
    c.close()
print(len(socks), busy)
`,
        [server.ports.http!, server.ports.smtp!],
      );
      const [greeting, counts] = out.trim().split("\n");
      assert.equal(greeting, "220");
      const [opened, busy] = (counts ?? "").split(" ").map(Number);
      assert.equal(opened, 200);
      assert.ok(busy! > 0, `${busy} of 200 told 503`);
      const health = await python(
        `
import sys, time, urllib.error, urllib.request
# The slots of the 200 closed connections come free as the server sees each close: until
# then a new request may still be told 503, which is the limit working.
deadline = time.monotonic() + 10
while True:
    try:
        print(urllib.request.urlopen("http://127.0.0.1:%s/healthz" % sys.argv[1], timeout=10).read().decode(), end="")
        break
    except urllib.error.HTTPError as error:
        if error.code != 503 or time.monotonic() > deadline:
            raise
        time.sleep(0.1)
`,
        [server.ports.http!],
      );
      assert.equal(health, "ok\n");
      assert.doesNotMatch(server.log(), /Uncaught/);
    } finally {
      await server.stop();
    }
  },
});
