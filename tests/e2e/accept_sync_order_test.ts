/**
 * "250 only after tmp, fsync, rename, fsync of the directory", checked on the
 * server's own system calls (strace): for every message, the reply that
 * tells the client it was accepted (RFC 5321 4.1.1.4, 6.1: from then on the
 * server is responsible for it) must come after the message file was synced,
 * linked or renamed into its place, and that folder synced. A SIGKILL test
 * cannot see a missing sync (the page cache survives it); the order of the
 * calls can.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { hasStrace } from "./fault_injection.ts";
import { makeTestFile } from "../temp_dirs.ts";
import { type Server, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";
import {
  descriptorPath,
  parseTrace,
  quotedArgs,
  type TracedCall,
  tracing,
} from "./syscall_trace.ts";

const BOB = "bob@example.test";
const SYSCALLS = [
  "fsync",
  "fdatasync",
  "link",
  "linkat",
  "rename",
  "renameat",
  "renameat2",
  "sendto",
  "write",
];
const COMMITS = new Set(["link", "linkat", "rename", "renameat", "renameat2"]);
const SYNCS = new Set(["fsync", "fdatasync"]);

/** One accepted message as the trace shows it: where its file came from and went. */
interface Acceptance {
  qid: string;
  /** The file written and synced before the commit. */
  from: string;
  /** Its name in queue/msg/ or in a Maildir's new/. */
  to: string;
}

/**
 * Checks the calls before each "250 ... queued as" reply (since the one
 * before it): the file that is committed was synced before its link or
 * rename, and the folder it went into was synced after it and before the
 * reply. Returns what each message's commit was.
 */
function checkEveryAcceptance(calls: TracedCall[], spoolDir: string): Acceptance[] {
  const found: Acceptance[] = [];
  let windowStart = 0;
  for (const reply of calls) {
    const qid = /"250 [\d.]+ Ok: queued as (\w+)/.exec(reply.args)?.[1];
    if (qid === undefined) continue;
    const window = calls.slice(windowStart, reply.index);
    windowStart = reply.index + 1;
    const commit = window.find((call) => {
      const to = quotedArgs(call)[1] ?? "";
      return COMMITS.has(call.name) && call.result === "0" &&
        (to === `${spoolDir}/queue/msg/${qid}` ||
          (to.startsWith(`${spoolDir}/mail/`) && dirname(to).endsWith("/new")));
    });
    assert.ok(commit, `no link or rename into its place before the 250 for ${qid}`);
    const [from, to] = quotedArgs(commit) as [string, string];
    const synced = (path: string, after: number, before: number) =>
      window.some((call) =>
        SYNCS.has(call.name) && call.result === "0" && descriptorPath(call) === path &&
        call.index > after && call.index < before
      );
    assert.ok(synced(from, -1, commit.index), `${from} is synced before it becomes ${to}`);
    assert.ok(
      synced(dirname(to), commit.index, reply.index),
      `${dirname(to)} is synced after ${to} appears and before the 250 for ${qid}`,
    );
    found.push({ qid, from, to });
  }
  return found;
}

/** Runs `send` against a traced server (Bob its one user) and returns the calls it made. */
async function traced(
  flags: string[],
  send: (server: Server) => Promise<void>,
): Promise<{ calls: TracedCall[]; spoolDir: string }> {
  const logFile = makeTestFile({ prefix: "pillarbox-trace-" });
  const server = await startServer({
    users: { [BOB]: "pw" },
    flags,
    wrap: tracing({ syscalls: SYSCALLS, logFile }),
  });
  try {
    await send(server);
  } finally {
    await server.stop();
  }
  return { calls: parseTrace(Deno.readTextFileSync(logFile)), spoolDir: server.spoolDir };
}

function message(subject: string, bodyBytes = 100): string {
  const line = "x".repeat(78) + "\r\n";
  return `Subject: ${subject}\r\n\r\n${line.repeat(Math.ceil(bodyBytes / line.length))}`;
}

Deno.test({
  name: "the 250 for a queued message comes after its new file, its link and queue/msg are synced",
  ignore: !hasStrace,
  fn: async () => {
    const { calls, spoolDir } = await traced(["--spare-files=0"], async (server) => {
      const port = server.ports.smtp!;
      // A small message is written from memory; one over 512 KiB is copied from its spill file.
      for (const [subject, size] of [["small", 100], ["spilled", 600 * 1024]] as const) {
        const refused = await sendWithSmtplib({
          port,
          from: "alice@remote.test",
          rcpts: ["carol@remote.test"],
          messages: [message(subject, size)],
        });
        assert.deepEqual(refused, [[]]);
      }
    });
    const accepted = checkEveryAcceptance(calls, spoolDir);
    assert.equal(accepted.length, 2);
    for (const { qid, from } of accepted) assert.equal(from, `${spoolDir}/queue/tmp/${qid}`);
  },
});

Deno.test({
  name: "the 250 for a message written into a spare, or into a mailbox, comes after both syncs",
  ignore: !hasStrace,
  fn: async () => {
    const { calls, spoolDir } = await traced([], async (server) => {
      const spare = `${server.spoolDir}/queue/spare`;
      // The pool (64 here) fills in the background: once full, the next message takes one.
      await waitUntil(() => [...Deno.readDirSync(spare)].length >= 64, 10_000, "a full pool");
      for (const rcpt of ["carol@remote.test", BOB]) {
        const refused = await sendWithSmtplib({
          port: server.ports.smtp!,
          from: "alice@remote.test",
          rcpts: [rcpt],
          messages: [message(`for ${rcpt}`)],
        });
        assert.deepEqual(refused, [[]]);
      }
    });
    const [queued, delivered] = checkEveryAcceptance(calls, spoolDir);
    assert.ok(queued && delivered);
    assert.ok(queued.from.startsWith(`${spoolDir}/queue/spare/`), queued.from);
    assert.equal(queued.to, `${spoolDir}/queue/msg/${queued.qid}`);
    assert.ok(delivered.to.startsWith(`${spoolDir}/mail/example.test/bob/new/`), delivered.to);
  },
});
