/**
 * The start-up sweep of Maildir tmp/ folders: our own crash leftovers go at
 * once; another program's files only once maildir(5) says they are stale
 * (not touched for 36 hours), for that program may be delivering right now.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { sweepMaildirTmp } from "../../src/delivery/maildir_sweep.ts";
import { maildirName } from "../../src/mailbox/mod.ts";

const HOUR_MS = 3600 * 1000;

/** A spool with bob's Maildir; returns the spool and bob's tmp/ folder. */
function spoolWithTmp(): { spoolDir: string; tmp: string } {
  const spoolDir = makeTestDir({ prefix: "pillarbox-sweep-" });
  const tmp = `${spoolDir}/mail/example.test/bob/tmp`;
  Deno.mkdirSync(tmp, { recursive: true });
  return { spoolDir, tmp };
}

function touch(path: string, ageMs: number): void {
  Deno.writeTextFileSync(path, "partial");
  const when = new Date(Date.now() - ageMs);
  Deno.utimeSync(path, when, when);
}

Deno.test("the sweep leaves another program's fresh file in tmp/ alone and removes its stale ones and our leftovers", async () => {
  const { spoolDir, tmp } = spoolWithTmp();
  const ours = maildirName("mx.test", 7);
  touch(`${tmp}/${ours}`, 0);
  // procmail/maildrop name their files time.pid_n.host: one is being delivered now.
  touch(`${tmp}/1700000000.12345_1.other.host`, 0);
  touch(`${tmp}/1700000001.12345_2.other.host`, 35 * HOUR_MS);
  touch(`${tmp}/1700000002.12345_3.other.host`, 37 * HOUR_MS);
  // Dovecot's names start as ours do (time.M<usec>P<pid>): its deliveries in progress stay too.
  touch(`${tmp}/1700000003.M123456P789.other.host`, 0);
  touch(`${tmp}/1700000004.M654321P789V0000000000000803I0000000000001234.other.host`, 0);
  assert.equal(await sweepMaildirTmp(spoolDir), 2);
  assert.deepEqual([...Deno.readDirSync(tmp)].map((entry) => entry.name).sort(), [
    "1700000000.12345_1.other.host",
    "1700000001.12345_2.other.host",
    "1700000003.M123456P789.other.host",
    "1700000004.M654321P789V0000000000000803I0000000000001234.other.host",
  ]);
});

Deno.test("the sweep also clears the tmp/ of Maildir++ folders, where an APPEND cut short by a crash leaves its file", async () => {
  const { spoolDir, tmp } = spoolWithTmp();
  const sentTmp = `${tmp}/../.Sent/tmp`;
  const deepTmp = `${tmp}/../.Archive.2024/tmp`;
  for (const dir of [sentTmp, deepTmp]) Deno.mkdirSync(dir, { recursive: true });
  touch(`${sentTmp}/${maildirName("mx.test", 7)}`, 0);
  touch(`${deepTmp}/1700000002.12345_3.other.host`, 37 * HOUR_MS);
  touch(`${deepTmp}/1700000003.12345_4.other.host`, 0);
  assert.equal(await sweepMaildirTmp(spoolDir), 2);
  assert.deepEqual([...Deno.readDirSync(sentTmp)], []);
  assert.deepEqual([...Deno.readDirSync(deepTmp)].map((entry) => entry.name), [
    "1700000003.12345_4.other.host",
  ]);
});

Deno.test("the sweep removes what a crash left of our index, keywords, subscriptions and UIDVALIDITY floor files while replacing them", async () => {
  const { spoolDir, tmp } = spoolWithTmp();
  const root = `${tmp}/..`;
  const sent = `${root}/.Sent`;
  Deno.mkdirSync(sent);
  // writeFileAtomic writes `<name>.tmp-<12 hex>` beside the file, then renames it over.
  const ours = [
    "pillarbox-uidlist",
    "dovecot-keywords",
    "pillarbox-subscriptions",
    "pillarbox-uidvalidity",
  ];
  for (const name of ours) {
    touch(`${root}/${name}`, 0);
    touch(`${root}/${name}.tmp-0123456789ab`, 0);
  }
  touch(`${sent}/pillarbox-uidlist.tmp-ba9876543210`, 0);
  // Not ours: another program's files in the Maildir root stay.
  touch(`${root}/dovecot-uidlist`, 0);
  touch(`${root}/notes.tmp-0123456789ab`, 0);
  touch(`${root}/pillarbox-uidlist.tmp-draft`, 0);
  assert.equal(await sweepMaildirTmp(spoolDir), 5);
  const names = (dir: string) =>
    [...Deno.readDirSync(dir)].filter((entry) => entry.isFile).map((entry) => entry.name).sort();
  assert.deepEqual(names(root), [
    "dovecot-keywords",
    "dovecot-uidlist",
    "notes.tmp-0123456789ab",
    "pillarbox-subscriptions",
    "pillarbox-uidlist",
    "pillarbox-uidlist.tmp-draft",
    "pillarbox-uidvalidity",
  ]);
  assert.deepEqual(names(sent), []);
});

Deno.test("the sweep removes a folder a DELETE cut short left renamed aside, and no real folder", async () => {
  const { spoolDir, tmp } = spoolWithTmp();
  const root = `${tmp}/..`;
  // deleteFolder renames the folder to `pillarbox-deleted-<ms>-<uuid>`, then removes it.
  const aside = `${root}/pillarbox-deleted-1700000000000-0b0e1f4c-5d2a-4a39-9d1e-3f4b2a1c0d9e`;
  Deno.mkdirSync(`${aside}/cur`, { recursive: true });
  touch(`${aside}/cur/${maildirName("mx.test", 7)}:2,S`, 0);
  touch(`${aside}/pillarbox-uidlist`, 0);
  // A folder named so by its user is `.pillarbox-deleted-x`: mail the user keeps.
  const folder = `${root}/.pillarbox-deleted-x`;
  Deno.mkdirSync(`${folder}/cur`, { recursive: true });
  touch(`${folder}/cur/${maildirName("mx.test", 7)}:2,S`, 0);
  assert.equal(await sweepMaildirTmp(spoolDir), 1);
  const dirs = [...Deno.readDirSync(root)].filter((entry) => entry.isDirectory)
    .map((entry) => entry.name).sort();
  assert.deepEqual(dirs, [".pillarbox-deleted-x", "tmp"]);
  assert.equal([...Deno.readDirSync(`${folder}/cur`)].length, 1);
});
