/** curl's IMAP client (a second client nobody here wrote): list folders and fetch a message. */
import assert from "node:assert/strict";
import { maildirFiles, startServer } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";

function hasCurl(): boolean {
  try {
    return new Deno.Command("curl", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function curl(args: string[]): Promise<string> {
  const output = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "20", "--user", "bob@example.test:pw-bob", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `curl failed: ${stderr}`);
  return new TextDecoder("latin1").decode(output.stdout);
}

Deno.test({
  name: "curl imap:// lists the folders and fetches a message byte-exact",
  ignore: !hasCurl(),
  fn: async () => {
    const server = await startServer({
      users: { "bob@example.test": "pw-bob" },
      flags: ["--insecure-auth"],
    });
    try {
      await deliver(server, ["From: a@remote.test\r\nSubject: via curl\r\n\r\nHello curl\r\n"]);
      const base = `imap://127.0.0.1:${server.ports.imap}`;
      const list = await curl([`${base}/`]);
      assert.match(list, /^\* LIST \(\\HasNoChildren\) "\." INBOX\r$/m);
      assert.match(list, /^\* LIST \(\\HasNoChildren \\Trash\) "\." Trash\r$/m);
      const fetched = await curl([`${base}/INBOX;UID=1`]);
      const [file] = maildirFiles(server.spoolDir, "bob@example.test", "cur");
      const stored = new TextDecoder("latin1").decode(Deno.readFileSync(file!));
      assert.equal(fetched, stored);
      assert.ok(stored.endsWith("Subject: via curl\r\n\r\nHello curl\r\n"));
    } finally {
      await server.stop();
    }
  },
});
