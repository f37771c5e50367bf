/**
 * parseDovecotUidList(): Dovecot's own files as it writes them are read, and
 * anything doubtful makes the whole file unusable, naming the line.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTestDir } from "../temp_dirs.ts";
import { parseDovecotUidList, readDovecotUidList } from "../../src/mailbox/dovecot_uidlist.ts";
import { HAS_PRLIMIT } from "../e2e/prlimit.ts";

const HEADER = "3 V1795821135 N3 Ge5f76e004f0e0a6bf111000083ecc375\n";
const A = "1795821135.M6951P4593.vm,S=18,W=21";
const B = "1795821135.M105332P4597.vm,S=18,W=21";

const READ_CASES: { name: string; text: string; uidNext: number; entries: [number, string][] }[] = [
  {
    name: "reads a header and records as Dovecot 2.3 writes them",
    text: `${HEADER}1 :${A}\n2 :${B}\n`,
    uidNext: 3,
    entries: [[1, A], [2, B]],
  },
  {
    name: "reads a header alone (a folder emptied in Dovecot) with its N",
    text: "3 V1795821135 N42 Ge5f76e004f0e0a6bf111000083ecc375\n",
    uidNext: 42,
    entries: [],
  },
  {
    name: "takes the last UID + 1 when Dovecot appended records without raising N",
    text: `3 V1795821136 N1 Gd59ef937550e0a6b7813000083ecc375\n1 :${A}\n2 :${B}\n6 :c\n`,
    uidNext: 7,
    entries: [[1, A], [2, B], [6, "c"]],
  },
  {
    name: "keeps N when it is above the last UID (expunged messages' UIDs)",
    text: `3 V7 N25022 Ge5f76e004f0e0a6bf111000083ecc375\n1 :${A}\n`,
    uidNext: 25022,
    entries: [[1, A]],
  },
  {
    name: "reads header fields in any order and skips unknown ones and runs of spaces",
    text: `3 Ge5f76e004f0e0a6bf111000083ecc375  N5 X1 V7\n1 :${A}\n`,
    uidNext: 5,
    entries: [[1, A]],
  },
  {
    name: "skips a record's extension fields",
    text: `3 V7 N5\n1 W21 S18 G1a2b :${A}\n`,
    uidNext: 5,
    entries: [[1, A]],
  },
  {
    name: "takes the base of a file name saved with its flags",
    text: `3 V7 N5\n1 :${A}:2,S\n`,
    uidNext: 5,
    entries: [[1, A]],
  },
  {
    name: "keeps spaces, colons in fields and non-ASCII in a file name",
    text: "3 V7 N5\n1 Ka:b :a name with sp\u00e4ces\n",
    uidNext: 5,
    entries: [[1, "a name with sp\u00e4ces"]],
  },
  {
    name: "accepts the largest UIDVALIDITY and the largest record UID",
    text: "3 V4294967295 N1\n4294967294 :a\n",
    uidNext: 4294967295,
    entries: [[4294967294, "a"]],
  },
];

for (const { name, text, uidNext, entries } of READ_CASES) {
  Deno.test(`parseDovecotUidList() ${name}`, () => {
    const parsed = parseDovecotUidList(text);
    assert.equal(parsed.kind, "ok", JSON.stringify(parsed));
    if (parsed.kind !== "ok") return;
    assert.equal(parsed.uidNext, uidNext);
    assert.deepEqual(parsed.entries.map((e) => [e.uid, e.base]), entries);
  });
}

const POP3_UIDL_CASES: { name: string; record: string; pop3Uidls: string[] | undefined }[] = [
  { name: "has none without a P field", record: `1 W21 S18 :${A}`, pop3Uidls: undefined },
  {
    name: "reads P as pop3_save_uidl writes it",
    record: `1 P1795821135.1 :${A}`,
    pop3Uidls: ["1795821135.1"],
  },
  {
    name: "reads P among other fields",
    record: `1 W21 PUID17-x G1a2b :${A}`,
    pop3Uidls: ["UID17-x"],
  },
  { name: "reads an empty P (the base name)", record: `1 P :${A}`, pop3Uidls: [""] },
  { name: "reads a P with colons in it", record: `1 Pa:b:c :${A}`, pop3Uidls: ["a:b:c"] },
  { name: "reads P twice, in order", record: `1 Pb Pa :${A}`, pop3Uidls: ["b", "a"] },
  { name: "reads P twice, once empty", record: `1 P Pb :${A}`, pop3Uidls: ["", "b"] },
  { name: "does not take a P in the file name", record: `1 W21 :P${A}`, pop3Uidls: undefined },
];

for (const { name, record, pop3Uidls } of POP3_UIDL_CASES) {
  Deno.test(`parseDovecotUidList() ${name}`, () => {
    const parsed = parseDovecotUidList(`3 V7 N5\n${record}\n`);
    assert.equal(parsed.kind, "ok", JSON.stringify(parsed));
    if (parsed.kind !== "ok") return;
    assert.equal(parsed.entries.length, 1);
    assert.deepEqual(parsed.entries[0]!.pop3Uidls, pop3Uidls);
    assert.equal("pop3Uidls" in parsed.entries[0]!, pop3Uidls !== undefined);
  });
}

Deno.test("parseDovecotUidList() reads the header's UIDVALIDITY", () => {
  const parsed = parseDovecotUidList(`${HEADER}1 :${A}\n`);
  assert.equal(parsed.kind === "ok" && parsed.uidValidity, 1795821135);
});

const REFUSE_CASES: { name: string; text: string; line: number }[] = [
  { name: "an empty file", text: "", line: 1 },
  { name: "a last line cut short", text: `${HEADER}1 :${A}\n2 :${B}`, line: 3 },
  { name: "a header cut short", text: "3 V1795821135 N3", line: 1 },
  { name: "version 1 (Courier's format)", text: "1 1795821135 3\n1 a\n", line: 1 },
  { name: "version 2", text: "2 1795821135 3\n1 a\n", line: 1 },
  { name: "version 4", text: "4 V1795821135 N3\n", line: 1 },
  { name: "a version of two digits", text: "33 V1795821135 N3\n", line: 1 },
  { name: "a byte order mark", text: "\ufeff3 V1795821135 N3\n", line: 1 },
  { name: "a UIDVALIDITY of 0", text: `3 V0 N3\n1 :${A}\n`, line: 1 },
  { name: "a UIDVALIDITY of 00", text: `3 V00 N3\n1 :${A}\n`, line: 1 },
  { name: "no UIDVALIDITY", text: `3 N3 Ge5f76e004f0e0a6bf111000083ecc375\n1 :${A}\n`, line: 1 },
  { name: "an empty UIDVALIDITY", text: `3 V N3\n1 :${A}\n`, line: 1 },
  { name: "a UIDVALIDITY with a letter in it", text: `3 V12a N3\n1 :${A}\n`, line: 1 },
  { name: "a negative UIDVALIDITY", text: `3 V-5 N3\n1 :${A}\n`, line: 1 },
  { name: "a UIDVALIDITY above 2^32 - 1", text: `3 V4294967296 N3\n1 :${A}\n`, line: 1 },
  { name: "UIDVALIDITY given twice", text: `3 V5 N3 V6\n1 :${A}\n`, line: 1 },
  { name: "no N", text: `3 V5\n1 :${A}\n`, line: 1 },
  { name: "a mailbox GUID that is not 32 hex digits", text: `3 V5 N3 Gabc\n1 :${A}\n`, line: 1 },
  { name: "an N of 0", text: `3 V5 N0\n1 :${A}\n`, line: 1 },
  { name: "a tab between header fields", text: `3 V5\tN3\n1 :${A}\n`, line: 1 },
  { name: "CRLF line ends", text: `3 V5 N3\r\n1 :${A}\r\n`, line: 1 },
  { name: "a CR in a record's file name", text: `3 V5 N3\n1 :${A}\r\n`, line: 2 },
  { name: "a UID of 0", text: `3 V5 N3\n0 :${A}\n`, line: 2 },
  { name: "a UID of 2^32 - 1", text: `3 V5 N3\n4294967295 :${A}\n`, line: 2 },
  { name: "a UID of eleven digits", text: `3 V5 N3\n10000000001 :${A}\n`, line: 2 },
  { name: "a repeated UID", text: `3 V5 N3\n1 :${A}\n1 :${B}\n`, line: 3 },
  { name: "UIDs going down", text: `3 V5 N9\n2 :${A}\n1 :${B}\n`, line: 3 },
  { name: "a base listed twice", text: `3 V5 N9\n1 :${A}\n2 :${A}:2,S\n`, line: 3 },
  { name: "a record without a colon", text: `3 V5 N3\n1 ${A}\n`, line: 2 },
  { name: "a record without a UID", text: `3 V5 N3\n:${A}\n`, line: 2 },
  { name: "a blank line", text: `3 V5 N3\n1 :${A}\n\n2 :${B}\n`, line: 3 },
  { name: "an empty file name", text: `3 V5 N3\n1 :\n`, line: 2 },
  { name: "a file name that is only flags", text: `3 V5 N3\n1 ::2,S\n`, line: 2 },
  { name: "a slash in a file name", text: `3 V5 N3\n1 :../cur/${A}\n`, line: 2 },
  { name: "a NUL in a file name", text: `3 V5 N3\n1 :a\u0000b\n`, line: 2 },
  { name: "an extension field in lower case", text: `3 V5 N3\n1 w21 :${A}\n`, line: 2 },
  { name: "a sign before a UID", text: `3 V5 N3\n+1 :${A}\n`, line: 2 },
];

for (const { name, text, line } of REFUSE_CASES) {
  Deno.test(`parseDovecotUidList() refuses a file with ${name}, naming line ${line}`, () => {
    const parsed = parseDovecotUidList(text);
    assert.equal(parsed.kind, "unusable", JSON.stringify(parsed));
    assert.equal(parsed.kind === "unusable" && parsed.line, line);
  });
}

Deno.test("readDovecotUidList() says missing, and unusable for a directory, a FIFO or bytes that are not UTF-8", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dovecot-uidlist-" });
  assert.deepEqual(await readDovecotUidList(join(dir, "none")), { kind: "missing" });
  await Deno.mkdir(join(dir, "a-dir"));
  assert.equal((await readDovecotUidList(join(dir, "a-dir"))).kind, "unusable");
  const fifo = new Deno.Command("mkfifo", { args: [join(dir, "fifo")] }).outputSync();
  assert.ok(fifo.success);
  assert.equal((await readDovecotUidList(join(dir, "fifo"))).kind, "unusable");
  await Deno.writeFile(join(dir, "latin1"), new TextEncoder().encode("3 V5 N3\n1 :caf\u00e9\n"));
  assert.equal((await readDovecotUidList(join(dir, "latin1"))).kind, "ok");
  await Deno.writeFile(
    join(dir, "latin1"),
    Uint8Array.from([...new TextEncoder().encode("3 V5 N3\n1 :caf"), 0xe9, 10]),
  );
  const latin1 = await readDovecotUidList(join(dir, "latin1"));
  assert.equal(latin1.kind === "unusable" && latin1.reason, "not UTF-8");
});

Deno.test({
  name:
    "readDovecotUidList() throws when out of descriptors, which passes, rather than call the list unusable: the folder would be numbered anew for good",
  ignore: !HAS_PRLIMIT,
}, async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dovecot-uidlist-" });
  Deno.writeTextFileSync(join(dir, "dovecot-uidlist"), "3 V5 N3\n1 :a\n");
  const script = join(dir, "choked.ts");
  const module = new URL("../../src/mailbox/dovecot_uidlist.ts", import.meta.url).href;
  Deno.writeTextFileSync(
    script,
    `import { readDovecotUidList } from "${module}";
const held = [];
try { for (;;) held.push(Deno.openSync("/dev/null")); } catch { /* out of descriptors */ }
const result = await readDovecotUidList(Deno.args[0]).then((r) => r.kind, (e) => "threw " + e.message);
for (const file of held) file.close();
console.log(result, await readDovecotUidList(Deno.args[0]).then((r) => r.kind));`,
  );
  const output = await new Deno.Command("prlimit", {
    args: [
      "--nofile=256:256",
      Deno.execPath(),
      "run",
      "--allow-read",
      script,
      join(dir, "dovecot-uidlist"),
    ],
  }).output();
  const printed = new TextDecoder().decode(output.stdout).trim();
  assert.match(printed, /^threw .*\(os error 24\).* ok$/, new TextDecoder().decode(output.stderr));
});

Deno.test("parseDovecotUidList() gives the UIDVALIDITY of a refused file whose header line is whole and sound, and none otherwise", () => {
  const header = "3 V1795821135 N3\n";
  for (const text of [`${header}x :${A}\n`, `${header}1 :${A}\n1 :${B}\n`, `${header}1 :${A}`]) {
    const parsed = parseDovecotUidList(text);
    assert.equal(parsed.kind === "unusable" && parsed.uidValidity, 1795821135, text);
  }
  for (const text of ["3 V1795821135 N3", "3 V1795821135\n1 :a\n", "", "3 V17958 N3\r\n"]) {
    const parsed = parseDovecotUidList(text);
    assert.equal(parsed.kind, "unusable", text);
    assert.equal(parsed.kind === "unusable" && parsed.uidValidity, undefined, text);
  }
});
