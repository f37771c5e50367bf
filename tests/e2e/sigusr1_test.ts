/**
 * SIGUSR1 makes Deno open its V8 inspector on 127.0.0.1:9229, through which
 * anyone on the host could run code in the server. The server must close it
 * at once and go on serving.
 */
import assert from "node:assert/strict";
import { startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const INSPECTOR_PORT = 9229;

/** Whether something on this host takes connections on `port`. */
async function isListening(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "a SIGUSR1 leaves no inspector open to the host, and the server goes on serving",
  // Another program holding the inspector port would stop the server's from opening at all.
  ignore: await isListening(INSPECTOR_PORT),
  fn: async () => {
    const server = await startServer({ users: { "bob@example.test": "pw" } });
    try {
      // The runtime takes SIGUSR1 only from half a second after its start (earlier, only the
      // server sees it, and logs inspector=none): signal until one opened the inspector.
      const answers =
        () => [...server.log().matchAll(/event=signal\.ignored signal=SIGUSR1 (.*)/g)];
      for (let signals = 1; !/inspector=closed/.test(answers().at(-1)?.[1] ?? ""); signals++) {
        assert.ok(signals <= 10, `no SIGUSR1 opened the inspector:\n${server.log()}`);
        server.signal("SIGUSR1");
        await waitUntil(() => answers().length === signals, 10_000, `answer to SIGUSR1 ${signals}`);
      }
      assert.match(server.log(), /Debugger listening on ws:\/\/127\.0\.0\.1:9229\//);
      assert.equal(await isListening(INSPECTOR_PORT), false, "the inspector port is still open");
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "alice@remote.test",
        rcpts: ["bob@example.test"],
        messages: ["Subject: after USR1\r\n\r\nstill here\r\n"],
      });
    } finally {
      await server.stop();
    }
    assert.match(server.log(), /event=server\.stopped/);
  },
});
