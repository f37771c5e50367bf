/**
 * dovecotPop3Uidls(): the POP3 UIDL Dovecot gave each message of a Maildir
 * copied in from it (its default `%08Xu%08Xv`, or the record's `P`), and
 * nothing for what is doubtful (the message keeps its base name: RFC 1939 7,
 * a UIDL is unique). readDovecotPop3Uidls(): read from the list our index
 * took its UIDs from, once it is `dovecot-uidlist.adopted`, and kept with
 * the mailbox instance while the file stays the same (dovecotPop3UidlsOf()).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTestDir } from "../temp_dirs.ts";
import { Logger } from "../../src/log/mod.ts";
import { parseDovecotUidList } from "../../src/mailbox/dovecot_uidlist.ts";
import {
  defaultDovecotUidl,
  dovecotPop3Uidls,
  dovecotPop3UidlsOf,
  readDovecotPop3Uidls,
} from "../../src/mailbox/dovecot_pop3_uidls.ts";
import {
  ADOPTED_DOVECOT_UIDLIST_FILE,
  DOVECOT_UIDLIST_FILE,
  Mailboxes,
  MaildirStore,
  UID_LIST_FILE,
} from "../../src/mailbox/mod.ts";

const V = 1795832589; // 0x6b0a3b0d
const A = "1795832589.M927465P20251.vm,S=18,W=21";
const B = "1795832589.M988621P20257.vm,S=18,W=21";
const C = "1795832590.M1P3.vm,S=18,W=21";

Deno.test("defaultDovecotUidl() writes UID then UIDVALIDITY as 8 lower-case hex digits each, as Dovecot 2.3's POP3 does", () => {
  // Seen from Dovecot 2.3.19 (pop3_uidl_format %08Xu%08Xv) for UIDs 1 and 3 of this UIDVALIDITY.
  assert.equal(defaultDovecotUidl(1, V), "000000016b0a3b0d");
  assert.equal(defaultDovecotUidl(3, V), "000000036b0a3b0d");
  assert.equal(defaultDovecotUidl(0xfffffffe, 0xffffffff), "fffffffeffffffff");
});

const D1 = "000000016b0a3b0d";
const D3 = "000000036b0a3b0d";
const D4 = "000000046b0a3b0d";

const CASES: { name: string; records: string[]; byBase: [string, string][]; shown: string[] }[] = [
  {
    name: "gives records without P the default format of their UID and the list's UIDVALIDITY",
    records: [`1 :${A}`, `3 W21 :${B}:2,S`],
    byBase: [[A, D1], [B, D3]],
    shown: [D1, D3],
  },
  {
    name: "gives a record's P as it is",
    records: [`1 P1795832589.1 :${A}`, `3 :${B}`],
    byBase: [[A, "1795832589.1"], [B, D3]],
    shown: ["1795832589.1", D3],
  },
  {
    name: "gives a record with an empty P its base name",
    records: [`1 P :${A}`, `3 :${B}`],
    byBase: [[A, A], [B, D3]],
    shown: [A, D3],
  },
  {
    name: "leaves out a record with P twice, and counts both as shown",
    records: [`1 Px Py :${A}`, `3 :${B}`],
    byBase: [[B, D3]],
    shown: ["x", "y", D3],
  },
  {
    name: "leaves out both records that share a P (Dovecot's pop3_uidl_duplicates=allow)",
    records: [`1 Psame :${A}`, `3 Psame :${B}`, `4 :${C}`],
    byBase: [[C, D4]],
    shown: ["same", D4],
  },
  {
    name: "leaves out a P that is another record's default UIDL, and that record",
    records: [`1 :${A}`, `3 P${D1} :${B}`, `4 :${C}`],
    byBase: [[C, D4]],
    shown: [D1, D4],
  },
  {
    name: "leaves out a P that is another record's base name given by an empty P, and that record",
    records: [`1 P${B} :${A}`, `3 P :${B}`, `4 :${C}`],
    byBase: [[C, D4]],
    shown: [B, D4],
  },
  {
    name: "keeps a P too long or with characters RFC 1939 does not allow (POP3 decides)",
    records: [`1 P${"x".repeat(71)} :${A}`, `3 Pa\u00e9 :${B}`],
    byBase: [[A, "x".repeat(71)], [B, "a\u00e9"]],
    shown: ["x".repeat(71), "a\u00e9"],
  },
];

for (const { name, records, byBase, shown } of CASES) {
  Deno.test(`dovecotPop3Uidls() ${name}`, () => {
    const parsed = parseDovecotUidList(`3 V${V} N5\n${records.join("\n")}\n`);
    assert.equal(parsed.kind, "ok", JSON.stringify(parsed));
    if (parsed.kind !== "ok") return;
    const uidls = dovecotPop3Uidls(parsed);
    assert.deepEqual([...uidls.byBase].sort(), byBase.sort());
    assert.deepEqual([...uidls.shown].sort(), shown.sort());
  });
}

/** A registry over `spoolDir` (a restart when made again). */
function registry(spoolDir: string, log: Logger): Mailboxes {
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  return new Mailboxes({ spoolDir, hostname: "mx.test", log, store });
}

/** bob's INBOX, and Bob's first listing of it. */
function setup() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-dovecot-pop3-" });
  const lines: string[] = [];
  const log = new Logger({ sink: (line) => lines.push(line) });
  const dir = registry(spoolDir, log).accountDir("bob@example.test");
  for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(join(dir, sub), { recursive: true });
  const list = async () => {
    const mailbox = await registry(spoolDir, log).openMailbox("bob@example.test");
    try {
      await mailbox.refresh();
      return mailbox.uidValidity;
    } finally {
      mailbox.release();
    }
  };
  return { dir, lines, log, list };
}

Deno.test("readDovecotPop3Uidls() reads the list once the first listing took it (adopted), not before, and goes on reading it after our index is rebuilt", async () => {
  const { dir, log, list } = setup();
  Deno.writeTextFileSync(join(dir, "new", A), "Subject: a\n\n");
  Deno.writeTextFileSync(join(dir, "cur", `${B}:2,S`), "Subject: b\n\n");
  Deno.writeTextFileSync(join(dir, DOVECOT_UIDLIST_FILE), `3 V${V} N4\n1 :${A}\n3 :${B}\n`);
  const byBase = async () => (await readDovecotPop3Uidls(dir, log)).byBase;
  assert.deepEqual(await byBase(), new Map());
  assert.equal(await list(), V);
  const expected = new Map([[A, D1], [B, D3]]);
  assert.deepEqual(await byBase(), expected);
  Deno.removeSync(join(dir, UID_LIST_FILE));
  assert.notEqual(await list(), V);
  assert.deepEqual(await byBase(), expected);
});

Deno.test("readDovecotPop3Uidls() gives nothing for an adopted list damaged since, with a warning naming it and the line", async () => {
  const { dir, lines, log } = setup();
  Deno.writeTextFileSync(join(dir, ADOPTED_DOVECOT_UIDLIST_FILE), `3 V${V} N4\n1 :${A}\nx\n`);
  assert.deepEqual(await readDovecotPop3Uidls(dir, log), { byBase: new Map(), shown: new Set() });
  const warning = lines.find((line) => line.includes("event=mailbox.dovecot_uidlist_ignored"));
  assert.ok(warning?.includes(ADOPTED_DOVECOT_UIDLIST_FILE), lines.join("\n"));
  assert.match(warning!, / line=3 /);
});

Deno.test("dovecotPop3UidlsOf() reads the adopted list once per mailbox instance while the file stays the same, and again once it is another file", async () => {
  const { dir, log } = setup();
  const path = join(dir, ADOPTED_DOVECOT_UIDLIST_FILE);
  const mailbox = { dir };
  const byBase = async (of = mailbox) => (await dovecotPop3UidlsOf(of, log)).byBase;
  assert.deepEqual(await byBase(), new Map());
  Deno.writeTextFileSync(path, `3 V${V} N4\n1 :${A}\n3 :${B}\n`);
  const first = new Map([[A, D1], [B, D3]]);
  assert.deepEqual(await byBase(), first);
  // The same file (inode, size, mtime) with other bytes: not read again.
  const { mtime } = Deno.statSync(path);
  const file = Deno.openSync(path, { write: true });
  file.writeSync(new TextEncoder().encode("3 V1795832590"));
  file.close();
  Deno.utimeSync(path, mtime!, mtime!);
  assert.deepEqual(await byBase(), first);
  const second = new Map([[A, "000000016b0a3b0e"], [B, "000000036b0a3b0e"]]);
  assert.deepEqual(await byBase({ dir }), second, "another instance reads it");
  // Another file put in its place (a rename, as the first listing does): read again.
  Deno.writeTextFileSync(`${path}.new`, `3 V${V} N4\n1 :${A}\n`);
  Deno.renameSync(`${path}.new`, path);
  assert.deepEqual(await byBase(), new Map([[A, D1]]));
});
