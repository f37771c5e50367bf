/**
 * MaildirStore.deliver: one copy per mailbox, in every mailbox or in none,
 * and a Maildir removed by hand is made again. Found by mutation testing of
 * src/mailbox/maildir.ts: the case-folding of accounts, the undoing of the
 * links made before a failed commit, and forgetting a removed Maildir could
 * each be deleted with every mailbox test still passing.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mailboxDir, MaildirStore } from "../../src/mailbox/mod.ts";
import { SpareFiles } from "../../src/spool/mod.ts";

const MESSAGE = [new TextEncoder().encode("Subject: hi\r\n\r\nbody\r\n")];

/** The files in an account's new/ (or `sub`; none when it has no Maildir). */
function newFiles(spoolDir: string, account: string, sub = "new"): string[] {
  try {
    return [...Deno.readDirSync(join(mailboxDir(spoolDir, account), sub))].map((e) => e.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

async function withStore(run: (store: MaildirStore, spoolDir: string) => Promise<void>) {
  const spoolDir = makeTestDir({ prefix: "pb-maildir-deliver-" });
  try {
    await run(new MaildirStore({ spoolDir, hostname: "mx.test" }), spoolDir);
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
}

Deno.test("one account named twice, in two cases, gets one copy and no stray file in tmp/", async () => {
  // A mailbox is found whatever the case of its address (RFC 5321 2.4 lets us fold it), and
  // the envelope may name it twice: it is one mailbox, so one link. Linked twice, the second
  // link is the file itself, the rename that commits it does nothing, and the file stays in tmp/.
  await withStore(async (store, spoolDir) => {
    await store.deliver(["bob@example.test", "Bob@Example.test"], MESSAGE);
    assert.equal(newFiles(spoolDir, "bob@example.test").length, 1);
    assert.deepEqual(newFiles(spoolDir, "bob@example.test", "tmp"), [], "nothing left in tmp/");
  });
});

Deno.test("a delivery whose commit into the first mailbox fails leaves no copy in the others", async () => {
  // The caller tries again later: a copy left in carol's mailbox would be her second
  // (RFC 5321 6.1 asks for neither loss nor duplicates).
  await withStore(async (store, spoolDir) => {
    await store.ensureMailbox("bob@example.test");
    const bobNew = join(mailboxDir(spoolDir, "bob@example.test"), "new");
    await Deno.remove(bobNew);
    await Deno.writeTextFile(bobNew, "not a directory");
    await assert.rejects(store.deliver(["bob@example.test", "carol@example.test"], MESSAGE));
    assert.deepEqual(newFiles(spoolDir, "carol@example.test"), []);
  });
});

Deno.test("a Maildir removed by hand while the server runs is made again at the next delivery", async () => {
  await withStore(async (store, spoolDir) => {
    await store.deliver(["bob@example.test"], MESSAGE);
    await Deno.remove(mailboxDir(spoolDir, "bob@example.test"), { recursive: true });
    await store.deliver(["bob@example.test"], MESSAGE);
    assert.equal(newFiles(spoolDir, "bob@example.test").length, 1);
  });
});

Deno.test("a delivery that fails leaves nothing behind in tmp/ either", async () => {
  // Nothing sweeps tmp/ while the server runs: each retry would leave one more whole copy.
  await withStore(async (store, spoolDir) => {
    await store.ensureMailbox("bob@example.test");
    const bobNew = join(mailboxDir(spoolDir, "bob@example.test"), "new");
    await Deno.remove(bobNew);
    await Deno.writeTextFile(bobNew, "not a directory");
    await assert.rejects(store.deliver(["bob@example.test"], MESSAGE));
    assert.deepEqual(newFiles(spoolDir, "bob@example.test", "tmp"), []);
  });
});

Deno.test("a spare that cannot be renamed into the mailbox (another file system) is written again, and delivered once", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-maildir-deliver-" });
  const spares = (await SpareFiles.open(join(spoolDir, "spare"), { target: 2, max: 4 }))!;
  const renameSync = Deno.renameSync;
  try {
    const deadline = Date.now() + 15_000;
    while (spares.count < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(spares.count, 2, "the pool filled");
    Deno.renameSync = (from, to) => {
      if (spares.owns(String(from))) throw new Error("Invalid cross-device link (os error 18)");
      renameSync(from, to);
    };
    const store = new MaildirStore({ spoolDir, hostname: "mx.test", spares });
    await store.deliver(["bob@example.test"], MESSAGE);
    const delivered = newFiles(spoolDir, "bob@example.test");
    assert.equal(delivered.length, 1);
    const path = join(mailboxDir(spoolDir, "bob@example.test"), "new", delivered[0]!);
    assert.deepEqual(Deno.readFileSync(path), MESSAGE[0]);
    assert.deepEqual(newFiles(spoolDir, "bob@example.test", "tmp"), []);
  } finally {
    Deno.renameSync = renameSync;
    spares.close();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
