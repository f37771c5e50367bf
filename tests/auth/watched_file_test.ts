/** WatchedFile: a file that changed but could not be read (an I/O error) is read again. */
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
