/** WatchedFile: when a changed file is read again (I/O errors, reports, a clock set back). */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { hashPassword, readUsersFile, writeUsersFile } from "../../src/auth/mod.ts";
import { WatchedFile } from "../../src/auth/watched_file.ts";

const HASH = await hashPassword("pw");

Deno.test("a changed users file whose read fails (EIO, out of descriptors) is read again at the next check, and the failure is reported once", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-watched-" });
  const path = join(dir, "users");
  await writeUsersFile(path, new Map([["bob@example.com", HASH]]));
  const clock = { ms: 1_000_000 };
  let failuresLeft = 0;
  const reports: string[] = [];
  const watched = new WatchedFile({
    path,
    // The real loader, made to fail as a read of the file would: a folder cannot be read.
    load: (file) => readUsersFile(failuresLeft-- > 0 ? dir : file),
    now: () => clock.ms,
    onReloadError: (error) => reports.push(String(error)),
  });
  assert.deepEqual([...(await watched.get()).keys()], ["bob@example.com"]);
  // `pillarbox user add carol` while the server's reads fail for a moment.
  await writeUsersFile(path, new Map([["bob@example.com", HASH], ["carol@example.com", HASH]]));
  failuresLeft = 2;
  for (let check = 0; check < 2; check++) {
    clock.ms += 1_000;
    assert.deepEqual([...(await watched.get()).keys()], ["bob@example.com"], "the old accounts");
  }
  assert.equal(reports.length, 1, reports.join("\n"));
  assert.match(reports[0]!, /Cannot read users file .*: Is a directory/);
  clock.ms += 1_000;
  assert.deepEqual([...(await watched.get()).keys()], ["bob@example.com", "carol@example.com"]);
});

Deno.test("a read that fails again after a good one is reported again", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-watched-" });
  const path = join(dir, "users");
  await writeUsersFile(path, new Map([["bob@example.com", HASH]]));
  const clock = { ms: 1_000_000 };
  let isFailing = false;
  const reports: string[] = [];
  const watched = new WatchedFile({
    path,
    load: (file) => readUsersFile(isFailing ? dir : file),
    now: () => clock.ms,
    onReloadError: (error) => reports.push(String(error)),
  });
  await watched.get();
  for (const accounts of [["carol@example.com"], ["dave@example.com"]]) {
    await writeUsersFile(
      path,
      new Map([["bob@example.com", HASH], ...accounts.map((a) => [a, HASH] as [string, string])]),
    );
    isFailing = true;
    clock.ms += 1_000;
    await watched.get();
    isFailing = false;
    clock.ms += 1_000;
    assert.ok((await watched.get()).has(accounts[0]!), `${accounts[0]} read once the file reads`);
  }
  assert.equal(reports.length, 2, "each episode reported: " + reports.join("\n"));
});

Deno.test("a clock set back does not keep an old value: the file is checked again at once", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-watched-" });
  const path = join(dir, "users");
  await writeUsersFile(path, new Map([["bob@example.com", HASH]]));
  const clock = { ms: 1_000_000 };
  const watched = new WatchedFile({ path, load: readUsersFile, now: () => clock.ms });
  await watched.get();
  await writeUsersFile(path, new Map([["carol@example.com", HASH]]));
  // Set back an hour (NTP, by hand): "checked less than a second ago" would hold for an hour.
  clock.ms -= 60 * 60_000;
  assert.deepEqual([...(await watched.get()).keys()], ["carol@example.com"]);
});
