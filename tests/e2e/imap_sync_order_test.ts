/**
 * "OK only after the folders are synced", checked on the server's own
 * system calls (strace), for the IMAP commands that rename or remove message
 * files: after a tagged OK to MOVE a client deletes its own copy of the
 * source's message, and after one to EXPUNGE it forgets it (RFC 9051 6.4.8,
 * 6.4.3). A SIGKILL test cannot see a missing sync (the page cache survives
 * it); the order of the calls can.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { hasStrace } from "./fault_injection.ts";
import { makeTestFile } from "../temp_dirs.ts";
import { startServer } from "./harness.ts";
import { command } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";
import {
  descriptorPath,
  parseTrace,
  quotedArgs,
  type TracedCall,
  tracing,
} from "./syscall_trace.ts";

const SYSCALLS = [
  "fsync",
  "fdatasync",
  "rename",
  "renameat",
  "renameat2",
  "unlink",
  "unlinkat",
  "sendto",
  "write",
];
const MOVES = new Set(["rename", "renameat", "renameat2", "unlink", "unlinkat"]);
const SYNCS = new Set(["fsync", "fdatasync"]);

/** The index of the call that sent the tagged reply starting `text` (strace shows it quoted). */
function replyIndex(calls: TracedCall[], text: string): number {
  const reply = calls.find((call) =>
    (call.name === "write" || call.name === "sendto") && call.args.includes(text)
  );
  assert.ok(reply, `no reply "${text}" in the trace`);
  return reply.index;
}

/** Asserts `dir` was synced after call `after` and before call `before`. */
function assertSynced(calls: TracedCall[], dir: string, after: number, before: number): void {
  assert.ok(
    calls.some((call) =>
      SYNCS.has(call.name) && call.result === "0" && descriptorPath(call) === dir &&
      call.index > after && call.index < before
    ),
    `${dir} is synced after the file left it or came in, and before the OK`,
  );
}

Deno.test({
  name:
    "the OK to MOVE and to EXPUNGE comes after the folders the files left and entered are synced",
  ignore: !hasStrace,
  fn: async () => {
    const logFile = makeTestFile({ prefix: "pillarbox-trace-" });
    const server = await startServer({
      users: { "bob@example.test": "pw-bob" },
      flags: ["--insecure-auth"],
      wrap: tracing({ syscalls: SYSCALLS, logFile, stringBytes: 512 }),
    });
    try {
      const client = await RawClient.connect(server.ports.imap!);
      assert.match((await client.line())!, /^\* OK /);
      assert.match((await command(client, "l", "LOGIN bob@example.test pw-bob")).at(-1)!, /^l OK/);
      for (const tag of ["a1", "a2"]) {
        const message = `Subject: ${tag}\r\n\r\nbody\r\n`;
        const reply = await command(client, tag, `APPEND INBOX {${message.length}+}\r\n${message}`);
        assert.match(reply.at(-1)!, new RegExp(`^${tag} OK`));
      }
      assert.match((await command(client, "s", "SELECT INBOX")).at(-1)!, /^s OK/);
      assert.match((await command(client, "mv", "UID MOVE 1 Archive")).at(-1)!, /^mv OK/);
      assert.match(
        (await command(client, "st", "UID STORE 2 +FLAGS (\\Deleted)")).at(-1)!,
        /^st OK/,
      );
      assert.match((await command(client, "ex", "EXPUNGE")).at(-1)!, /^ex OK/);
      await command(client, "z", "LOGOUT");
      client.close();
    } finally {
      await server.stop();
    }
    const calls = parseTrace(Deno.readTextFileSync(logFile));
    const inboxCur = `${server.spoolDir}/mail/example.test/bob/cur`;
    const moveOk = replyIndex(calls, "mv OK");
    const expungeOk = replyIndex(calls, "ex OK");
    const storeOk = replyIndex(calls, "st OK");
    // Each message file's last rename or unlink out of INBOX's cur/ before the reply.
    const leaving = (from: number, to: number) =>
      calls.filter((call) =>
        MOVES.has(call.name) && call.result === "0" && call.index > from && call.index < to &&
        dirname(quotedArgs(call)[0] ?? "") === inboxCur
      );
    const [moved] = leaving(replyIndex(calls, "s OK"), moveOk);
    assert.ok(moved, "the MOVE renamed a file out of INBOX's cur/");
    const movedTo = quotedArgs(moved)[1]!;
    assert.match(movedTo, /\/\.Archive\/cur\//);
    assertSynced(calls, dirname(movedTo), moved.index, moveOk);
    assertSynced(calls, inboxCur, moved.index, moveOk);
    const [removed] = leaving(storeOk, expungeOk);
    assert.ok(removed, "the EXPUNGE removed (or recycled) a file of INBOX's cur/");
    assertSynced(calls, inboxCur, removed.index, expungeOk);
  },
});
