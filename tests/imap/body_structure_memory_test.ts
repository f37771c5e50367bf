/**
 * BODYSTRUCTURE and BODY are worked out from a message's bytes: no text
 * copy of the whole message is made (a 20 MB message was held twice, its
 * bytes and a 20 MB binary string). Counted as the longest binary string
 * (`toString("latin1")`, what `bytesToBinary` makes) made while a FETCH is
 * answered by an IMAP server in this process, not in time or RSS.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { Directory, hashPassword, LoginLimiter } from "../../src/auth/mod.ts";
import { formatUsers } from "../../src/auth/users_file.ts";
import { startImapServer } from "../../src/imap/mod.ts";
import { formatBodyStructure } from "../../src/imap/body_structure.ts";
import { Logger } from "../../src/log/mod.ts";
import { parseMimeStructure } from "../../src/mail/mod.ts";
import { Mailboxes, MaildirStore } from "../../src/mailbox/mod.ts";

const ACCOUNT = "bob@example.test";
const PASSWORD = "pw-bob";
/** About 4 MB: a text part, an attachment, and a message/rfc822 part. */
const MESSAGE = "From: a@remote.test\r\nSubject: big\r\nMIME-Version: 1.0\r\n" +
  'Content-Type: multipart/mixed; boundary="b1"\r\n\r\npreamble\r\n' +
  "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\nthere\r\n" +
  "--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n" +
  'Content-Disposition: attachment; filename="a.pdf"\r\n\r\n' +
  ("QUJD".repeat(19) + "\r\n").repeat(50_000) +
  "--b1\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@d.test\r\nSubject: inner\r\n\r\n" +
  "inner body\r\n--b1--\r\nepilogue\r\n";

/** The longest binary string made since the last reset. */
const longest = { chars: 0 };
// deno-lint-ignore no-explicit-any
const originalToString = Buffer.prototype.toString as (...args: any[]) => string;

function watchBinaryStrings(): () => void {
  // deno-lint-ignore no-explicit-any
  Buffer.prototype.toString = function (this: Buffer, ...args: any[]) {
    const text = originalToString.apply(this, args);
    if (args[0] === "latin1" || args[0] === "binary") {
      longest.chars = Math.max(longest.chars, text.length);
    }
    return text;
  };
  return () => Buffer.prototype.toString = originalToString;
}

async function startImap() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-structure-" });
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
  const imap = await startImapServer({ hostname: "127.0.0.1", port: 0 }, {
    hostname: "test.example",
    directory,
    mailboxes,
    limiter: new LoginLimiter(),
    tls: null,
    idleTimeoutMs: 60_000,
    maxConnections: 4,
    log,
    isImplicitTls: false,
    isInsecureAuthAllowed: true,
    maxMessageBytes: 10_000_000,
  });
  return {
    port: imap.port,
    close: async () => {
      await imap.close();
      Deno.removeSync(spoolDir, { recursive: true });
    },
  };
}

/** Sends `commands` and returns what came back up to the tagged reply of the last one. */
async function exchange(port: number, commands: string[], lastTag: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const buffer = new Uint8Array(16 * 1024);
  const decoder = new TextDecoder();
  let received = "";
  try {
    await conn.write(new TextEncoder().encode(commands.map((line) => line + "\r\n").join("")));
    while (!new RegExp(`\\r\\n${lastTag} (OK|NO|BAD)[^\\r]*\\r\\n$`).test(received)) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`connection closed; got ${received.slice(-200)}`);
      received += decoder.decode(buffer.subarray(0, n));
    }
    return received;
  } finally {
    conn.close();
  }
}

for (const item of ["BODYSTRUCTURE", "BODY"]) {
  Deno.test(`FETCH ${item} of a big message makes no text copy of it`, async () => {
    const server = await startImap();
    const restore = watchBinaryStrings();
    try {
      const login = [`l LOGIN ${ACCOUNT} ${PASSWORD}`, "s EXAMINE INBOX"];
      await exchange(server.port, login, "s");
      longest.chars = 0;
      const reply = await exchange(server.port, [...login, `f FETCH 1 ${item}`], "f");
      const expected = formatBodyStructure(
        MESSAGE,
        parseMimeStructure(MESSAGE),
        item === "BODYSTRUCTURE",
      );
      assert.ok(reply.includes(`* 1 FETCH (${item} ${expected})\r\n`), reply.slice(-600));
      assert.ok(
        longest.chars < MESSAGE.length / 16,
        `a ${item} of a ${MESSAGE.length}-byte message made a string of ${longest.chars} chars`,
      );
    } finally {
      restore();
      await server.close();
    }
  });
}
