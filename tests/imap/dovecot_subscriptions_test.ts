import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseDovecotSubscriptions } from "../../src/imap/dovecot_subscriptions.ts";
import { readSubscriptions, updateSubscriptions } from "../../src/imap/account_setup.ts";

/** As Dovecot 2.3 wrote it after SUBSCRIBE Work.Projects, Sent, Trash, Entw&APw-rfe and "A b\c". */
const VERSION_2 = "V\t2\n\nWork\tProjects\nSent\nTrash\nEntw&APw-rfe\nA b\\c\n";

Deno.test("parseDovecotSubscriptions() reads version 2 (TAB between levels) and version 1 (one name a line)", () => {
  // "A b\\c" is a folder Dovecot allows and we do not (a backslash).
  assert.deepEqual(parseDovecotSubscriptions(VERSION_2), [
    "Work.Projects",
    "Sent",
    "Trash",
    "Entw&APw-rfe",
  ]);
  assert.deepEqual(parseDovecotSubscriptions("inbox\nLists.Debian\n"), ["INBOX", "Lists.Debian"]);
  // An escaped control character (\x01 and a letter), an empty level, 8-bit, a wildcard.
  assert.deepEqual(
    parseDovecotSubscriptions("V\t2\n\nTab\x01tx\nA\t\tB\nCaf\u00e9\na*b\nok\n"),
    ["ok"],
  );
});

Deno.test("an account moved from Dovecot keeps its subscriptions until it has its own, and the first change keeps them", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dovecot-subs-" });
  Deno.writeTextFileSync(join(dir, "subscriptions"), VERSION_2);
  assert.deepEqual(await readSubscriptions(dir), [
    "Work.Projects",
    "Sent",
    "Trash",
    "Entw&APw-rfe",
  ]);
  await updateSubscriptions(dir, (names) => names.filter((name) => name !== "Trash"));
  assert.deepEqual(await readSubscriptions(dir), [
    "Work.Projects",
    "Sent",
    "Entw&APw-rfe",
  ]);
  // Ours rules from then on; Dovecot's file is left as it was, for a way back.
  assert.equal(Deno.readTextFileSync(join(dir, "subscriptions")), VERSION_2);
  await updateSubscriptions(dir, () => []);
  assert.deepEqual(await readSubscriptions(dir), []);
});
