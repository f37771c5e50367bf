/** connectTo's failures name the address as a reader can use it: IPv6 in brackets. */
import assert from "node:assert/strict";
import { SmtpClientError } from "../../src/smtp_client/mod.ts";
import { connectTo } from "../../src/smtp_client/connect.ts";

/** A loopback port nothing listens on (bound, then closed). */
function closedPort(hostname: string): number {
  const listener = Deno.listen({ hostname, port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Whether this machine has an IPv6 loopback (a container may not). */
function hasLoopback(hostname: string): boolean {
  try {
    closedPort(hostname);
    return true;
  } catch {
    return false;
  }
}

const CASES = [
  { hostname: "127.0.0.1", label: "127.0.0.1:PORT", shown: (port: number) => `127.0.0.1:${port}` },
  { hostname: "::1", label: "[::1]:PORT", shown: (port: number) => `[::1]:${port}` },
];

for (const { hostname, label, shown } of CASES) {
  Deno.test({
    name: `connectTo() refused at ${hostname} says "Cannot connect to ${label}", 4.4.1`,
    ignore: !hasLoopback(hostname),
  }, async () => {
    const port = closedPort(hostname);
    await assert.rejects(connectTo({ hostname, port, timeoutMs: 5_000 }), (error: unknown) => {
      assert.ok(error instanceof SmtpClientError);
      assert.equal(error.kind, "connect");
      assert.equal(error.status, "4.4.1");
      assert.ok(error.message.startsWith(`Cannot connect to ${shown(port)}: `), error.message);
      return true;
    });
  });
}
