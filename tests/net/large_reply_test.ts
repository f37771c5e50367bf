/**
 * A message body sent to a client (POP3 RETR, IMAP FETCH BODY[]) goes out
 * as the client takes it: the server never holds more of it in a socket's
 * write buffer than the high-water mark `Connection` stops at, plus one
 * slice. The servers run in this process so the test can watch every
 * connection's write (its `writableLength`: bytes handed over and not yet taken
 * by the kernel).
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { Directory, hashPassword, LoginLimiter } from "../../src/auth/mod.ts";
import { formatUsers } from "../../src/auth/users_file.ts";
import { startImapServer } from "../../src/imap/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { Mailboxes, MaildirStore } from "../../src/mailbox/mod.ts";
import {
  LARGE_WRITE_SLICE_BYTES,
  type Listener,
  OUTPUT_HIGH_WATER_BYTES,
} from "../../src/net/mod.ts";
import { TcpTransport } from "../../src/net/tcp_transport.ts";
import { startPop3Server } from "../../src/pop3/mod.ts";

const ACCOUNT = "bob@example.test";
const PASSWORD = "pw-bob";
/** 4 MB; the first body line starts with a dot (POP3 stuffs it). */
const MESSAGE = "From: a@remote.test\r\nSubject: big\r\n\r\n.dot\r\n" +
  ("x".repeat(76) + "\r\n").repeat(52_000);
const BOUND_BYTES = OUTPUT_HIGH_WATER_BYTES + 2 * LARGE_WRITE_SLICE_BYTES;

/** The largest `writableLength` any connection had right after a write, since the last reset. */
const peak = { bytes: 0 };
const originalWrite = TcpTransport.prototype.write;

function watchSocketWrites(): () => void {
  TcpTransport.prototype.write = function (this: TcpTransport, ...args) {
    originalWrite.apply(this, args);
    peak.bytes = Math.max(peak.bytes, this.writableLength);
  };
  return () => TcpTransport.prototype.write = originalWrite;
}

interface Setup {
  pop3: Listener;
  imap: Listener;
  close(): Promise<void>;
}

async function startServers(): Promise<Setup> {
  const spoolDir = makeTestDir({ prefix: "pillarbox-large-reply-" });
  const usersFile = join(spoolDir, "users");
  Deno.writeTextFileSync(
    usersFile,
    formatUsers(new Map([[ACCOUNT, await hashPassword(PASSWORD)]])),
  );
  Deno.writeTextFileSync(join(spoolDir, "aliases"), "");
  const log = new Logger({ level: "error" });
  const directory = new Directory({
    usersFile,
    aliasesFile: join(spoolDir, "aliases"),
    domains: ["example.test"],
  });
  await directory.load();
  const store = new MaildirStore({ spoolDir, hostname: "test.example" });
  await store.deliver([ACCOUNT], [new TextEncoder().encode(MESSAGE)]);
  const mailboxes = new Mailboxes({ spoolDir, hostname: "test.example", log, store });
  const common = {
    hostname: "test.example",
    directory,
    mailboxes,
    limiter: new LoginLimiter(),
    tls: null,
    idleTimeoutMs: 60_000,
    maxConnections: 4,
    log,
  };
  const address = { hostname: "127.0.0.1", port: 0 };
  const pop3 = await startPop3Server(address, { ...common, kind: "pop3", insecureAuth: true });
  const imap = await startImapServer(address, {
    ...common,
    isImplicitTls: false,
    isInsecureAuthAllowed: true,
    maxMessageBytes: 10_000_000,
  });
  return {
    pop3,
    imap,
    close: async () => {
      await Promise.all([pop3.close(), imap.close()]);
      Deno.removeSync(spoolDir, { recursive: true });
    },
  };
}

/** A raw client that reads into one growing binary string. */
async function talk(
  port: number,
  script: (
    io: { send(line: string): Promise<void>; until(end: string): Promise<string> },
  ) => Promise<void>,
): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const buffer = new Uint8Array(64 * 1024);
  let received = "";
  try {
    await script({
      send: async (line) => void await conn.write(new TextEncoder().encode(line + "\r\n")),
      until: async (end) => {
        while (!received.includes(end)) {
          const n = await conn.read(buffer);
          if (n === null) throw new Error(`connection closed; got ${received.slice(-200)}`);
          received += Buffer.from(buffer.subarray(0, n)).toString("latin1");
        }
        const at = received.indexOf(end) + end.length;
        const text = received.slice(0, at);
        received = received.slice(at);
        return text;
      },
    });
  } finally {
    conn.close();
  }
}

Deno.test("a large message goes to a POP3 or IMAP client as it reads, not queued whole", async () => {
  const setup = await startServers();
  const restore = watchSocketWrites();
  try {
    const cases: { name: string; run: () => Promise<string> }[] = [
      {
        name: "POP3 RETR",
        run: async () => {
          let body = "";
          await talk(setup.pop3.port, async ({ send, until }) => {
            await until("\r\n");
            await send(`USER ${ACCOUNT}`);
            await until("\r\n");
            await send(`PASS ${PASSWORD}`);
            await until("\r\n");
            peak.bytes = 0;
            await send("RETR 1");
            const reply = await until("\r\n.\r\n");
            body = reply.slice(reply.indexOf("\r\n") + 2, -3).replace(/^\.\./gm, ".");
            await send("QUIT");
            await until("\r\n");
          });
          return body;
        },
      },
      {
        name: "IMAP FETCH BODY[]",
        run: async () => {
          let body = "";
          await talk(setup.imap.port, async ({ send, until }) => {
            await until("\r\n");
            await send(`L1 LOGIN ${ACCOUNT} ${PASSWORD}`);
            await until("L1 OK");
            await send("S1 SELECT INBOX");
            await until("S1 OK");
            peak.bytes = 0;
            await send("F1 FETCH 1 BODY.PEEK[]");
            const reply = await until("\r\nF1 OK");
            const size = Number(/\{(\d+)\}\r\n/.exec(reply)?.[1]);
            const start = reply.indexOf("}\r\n") + 3;
            body = reply.slice(start, start + size);
            await send("O1 LOGOUT");
          });
          return body;
        },
      },
    ];
    for (const row of cases) {
      const body = await row.run();
      assert.equal(body.length, MESSAGE.length, `${row.name}: the whole message arrived`);
      assert.ok(body === MESSAGE, `${row.name}: the message arrived intact`);
      assert.ok(
        peak.bytes <= BOUND_BYTES,
        `${row.name}: ${peak.bytes} bytes waited in a socket's write buffer (bound ${BOUND_BYTES})`,
      );
    }
  } finally {
    restore();
    await setup.close();
  }
});
