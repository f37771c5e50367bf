/**
 * POP3 UIDLs of a Maildir copied in from Dovecot, with `dovecot-uidlist`
 * files written by hand as Dovecot 2.3 writes them (the real Dovecot is in
 * dovecot_pop3_uidl_test.ts): Dovecot's UIDL for each message it numbered,
 * the base name for the rest and for anything doubtful (RFC 1939 7: a UIDL
 * is unique in the maildrop and persists; a client skips a UIDL it has
 * seen as fetched).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ADOPTED_DOVECOT_UIDLIST_FILE,
  DOVECOT_UIDLIST_FILE,
  mailboxDir,
} from "../../src/mailbox/mod.ts";
import { python, type Server, startServer, tempDir } from "./harness.ts";

const BOB = "bob@example.test";
const V = 1795832589; // 0x6b0a3b0d
const A = "1795832589.M927465P20251.vm,S=18,W=21";
const B = "1795832589.M988621P20257.vm,S=18,W=21";
const C = "1795832590.M1P3.vm,S=18,W=21";
/** Put in the Maildir while it was on its way: Dovecot never numbered it. */
const LATE = "1795832599.M7P7.vm,S=18,W=21";

/** Logs in, prints the UIDL list as JSON (number -> UIDL), runs argv[2] (RETR ...), QUITs. */
const UIDLS = `
import json, poplib, sys
p = poplib.POP3('127.0.0.1', int(sys.argv[1])); p.user('${BOB}'); p.pass_('pw-bob')
print(json.dumps(dict(line.decode().split(' ') for line in p.uidl()[1])))
exec(sys.argv[2] if len(sys.argv) > 2 else '')
p.quit()
`;
import { exists } from "../path_exists.ts";

async function uidls(server: Server, then?: string): Promise<Record<string, string>> {
  const out = await python(UIDLS, [server.ports.pop3!, ...then === undefined ? [] : [then]]);
  return JSON.parse(out.trim().split("\n")[0]!);
}

/** bob's INBOX as Dovecot left it: `files` (in new/ unless they carry `:2,`) and its list. */
function spoolWith(files: string[], uidlist: string | null): { spoolDir: string; dir: string } {
  const spoolDir = tempDir();
  const dir = mailboxDir(spoolDir, BOB);
  for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(join(dir, sub), { recursive: true });
  for (const name of files) {
    const sub = name.includes(":2,") ? "cur" : "new";
    Deno.writeTextFileSync(join(dir, sub, name), `Subject: ${name}\n\nbody\n`);
  }
  if (uidlist !== null) Deno.writeTextFileSync(join(dir, DOVECOT_UIDLIST_FILE), uidlist);
  return { spoolDir, dir };
}

/** A server on `spoolDir`; `isRestart`: bob's account is there already. */
const serve = (spoolDir: string, isRestart = false) =>
  startServer({
    spoolDir,
    users: isRestart ? {} : { [BOB]: "pw-bob" },
    flags: ["--insecure-auth"],
  });

async function sha1(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function imapLogin(server: Server): Promise<void> {
  await python(
    `import imaplib, sys
c = imaplib.IMAP4('127.0.0.1', int(sys.argv[1])); c.login('${BOB}', 'pw-bob')
assert c.select('INBOX')[0] == 'OK'; c.logout()`,
    [server.ports.imap!],
  );
}

for (const first of ["POP3", "IMAP"]) {
  Deno.test(`Dovecot's UIDLs (its default format, and a record's P) come over when the first login is ${first}, and hold after RETR moved a message from new/ to cur/, a restart, and a rebuilt index`, async () => {
    // UID 2 was expunged in Dovecot; A is still in new/; C has a UIDL a migration tool saved.
    const { spoolDir, dir } = spoolWith(
      [A, `${B}:2,S`, C, LATE],
      `3 V${V} N5 Ge5f76e004f0e0a6bf111000083ecc375\n1 :${A}\n3 :${B}\n4 P${V}.4 :${C}\n`,
    );
    const expected = { 1: "000000016b0a3b0d", 2: "000000036b0a3b0d", 3: `${V}.4`, 4: LATE };
    let server = await serve(spoolDir);
    try {
      if (first === "IMAP") await imapLogin(server);
      assert.deepEqual(await uidls(server, "p.retr(1)"), expected);
      assert.ok(!exists(join(dir, "new", A)), "RETR moved A to cur/");
      assert.ok(exists(join(dir, ADOPTED_DOVECOT_UIDLIST_FILE)));
      assert.ok(!exists(join(dir, DOVECOT_UIDLIST_FILE)));
      assert.deepEqual(await uidls(server), expected);
      await server.stop();
      server = await serve(spoolDir, true);
      assert.deepEqual(await uidls(server), expected);
      await server.stop();
      // Our index deleted: a new UIDVALIDITY for IMAP, the same UIDLs for POP3.
      Deno.removeSync(join(dir, "pillarbox-uidlist"));
      server = await serve(spoolDir, true);
      assert.deepEqual(await uidls(server), expected);
      await server.waitForLog(/event=pop3\.update/); // after any warning the UIDL logged
      assert.doesNotMatch(server.log(), /dovecot_uidlist_ignored/);
    } finally {
      await server.stop();
    }
  });
}

/** `expected`: the UIDLs in any order; "sha1:x" for the SHA-1 of x in hex. */
const DOUBTFUL: { name: string; uidlist: string; files?: string[]; expected: string[] }[] = [
  {
    name: "a damaged list (a record cut short) gives every message its base name",
    uidlist: `3 V${V} N5\n1 :${A}\n3 :${B}\n4 :${C}`,
    expected: [A, B, C],
  },
  {
    name: "two records that share a P give both messages their base names",
    uidlist: `3 V${V} N5\n1 Psame :${A}\n3 Psame :${B}\n4 :${C}\n`,
    expected: [A, B, "000000046b0a3b0d"],
  },
  {
    name: "a record with P twice gives its message the base name",
    uidlist: `3 V${V} N5\n1 Px Py :${A}\n3 :${B}\n4 :${C}\n`,
    expected: [A, "000000036b0a3b0d", "000000046b0a3b0d"],
  },
  {
    name: "a P that is too long for RFC 1939 gives its message the base name",
    uidlist: `3 V${V} N5\n1 P${"u".repeat(71)} :${A}\n3 :${B}\n4 :${C}\n`,
    expected: [A, "000000036b0a3b0d", "000000046b0a3b0d"],
  },
  {
    name:
      "a file another program named as a UIDL Dovecot gave a message gets the SHA-1 of its name, and the message keeps it",
    files: [A, B, "000000046b0a3b0d"],
    uidlist: `3 V${V} N5\n1 :${A}\n4 :${B}\n`,
    expected: ["000000016b0a3b0d", "000000046b0a3b0d", "sha1:000000046b0a3b0d"],
  },
  {
    name:
      "a file another program named as a UIDL Dovecot gave two messages gets the SHA-1 of its name, and they their base names",
    files: [A, B, "same"],
    uidlist: `3 V${V} N5\n1 Psame :${A}\n4 Psame :${B}\n`,
    expected: [A, B, "sha1:same"],
  },
];

for (const { name, uidlist, files, expected } of DOUBTFUL) {
  Deno.test(`POP3 after a move from Dovecot: ${name}`, async () => {
    const { spoolDir } = spoolWith(files ?? [A, B, C], uidlist);
    const server = await serve(spoolDir);
    try {
      const listed = await uidls(server);
      const want = await Promise.all(
        expected.map((e) => e.startsWith("sha1:") ? sha1(e.slice(5)) : e),
      );
      assert.deepEqual(Object.values(listed).sort(), want.sort());
    } finally {
      await server.stop();
    }
  });
}

Deno.test("a dovecot-uidlist copied in after the account's first login is not taken: base names, as for IMAP's UIDs", async () => {
  const { spoolDir, dir } = spoolWith([A, B], null);
  let server = await serve(spoolDir);
  try {
    assert.deepEqual(await uidls(server), { 1: A, 2: B });
    await server.stop();
    Deno.writeTextFileSync(join(dir, DOVECOT_UIDLIST_FILE), `3 V${V} N4\n1 :${A}\n3 :${B}\n`);
    server = await serve(spoolDir, true);
    assert.deepEqual(await uidls(server), { 1: A, 2: B });
    assert.ok(!exists(join(dir, ADOPTED_DOVECOT_UIDLIST_FILE)));
  } finally {
    await server.stop();
  }
});
