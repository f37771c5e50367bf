/**
 * Spare files across crashes and power cuts (the disks have no journal):
 * spare/ is never fsynced, so after a crash a spare/ name can outlive the
 * move of its file into the queue or a mailbox, and a recycled file's old
 * name can come back unless its directory was synced before the file is
 * written over. Neither may ever let one message's bytes replace another's.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import { MaildirStore } from "../../src/mailbox/mod.ts";
import { SpareFiles, Spool } from "../../src/spool/mod.ts";

/** How the server writes message files: readable by nobody else (a looser file is never reused). */
const PRIVATE = { mode: 0o600 };

const encoder = new TextEncoder();
const quiet = new Logger({ sink: () => {} });

function tempDir(): string {
  return makeTestDir({ prefix: "pillarbox-spare-crash-" });
}

/** Waits until `check` holds (the pool works in the background). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000; // generous: a busy machine may be slow to sync and fill
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

/** Leaves a message in the spool the way the server would have, without spares; returns its path. */
type Stored = (spoolDir: string) => Promise<string>;

const queued: Stored = async (spoolDir) => {
  const spool = await Spool.open({ spoolDir, log: quiet });
  const qid = await spool.accept({
    envelope: { from: "a@x.test", rcpts: ["r@remote.test"], source: "smtp" },
    message: encoder.encode("Subject: queued\r\n\r\nstill waiting for delivery\r\n"),
  });
  return join(spool.msgDir, qid);
};

const delivered: Stored = async (spoolDir) => {
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  await store.deliver(["bob@example.test"], [
    encoder.encode("Subject: for bob\r\n\r\nbob's private mail\r\n"),
  ]);
  const newDir = join(spoolDir, "mail", "example.test", "bob", "new");
  const [entry] = [...Deno.readDirSync(newDir)];
  return join(newDir, entry!.name);
};

Deno.test("a spare/ name that survived a crash next to a message's name never touches the message", async (t) => {
  const cases: [string, Stored][] = [
    ["a queued message (crash between the link into msg/ and the unlink of the spare)", queued],
    ["a delivered message (power cut before spare/ reached the disk)", delivered],
  ];
  for (const [name, store] of cases) {
    await t.step(name, async () => {
      const spoolDir = tempDir();
      const path = await store(spoolDir);
      const before = Deno.readFileSync(path);
      const spareDir = join(spoolDir, "queue", "spare");
      Deno.mkdirSync(spareDir, { recursive: true });
      Deno.linkSync(path, join(spareDir, "leftover"));

      const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 2 });
      // The pool tidies itself (empties what it holds, fills up), then two new messages take spares.
      await eventually(() => spool.spares!.count === 2, "the pool is filled");
      assert.deepEqual(Deno.readFileSync(path), before, "tidying left the message alone");
      for (let i = 0; i < 2; i++) {
        await spool.accept({
          envelope: { from: "c@x.test", rcpts: [`other${i}@remote.test`], source: "smtp" },
          message: encoder.encode(`Subject: new ${i}\r\n\r\nsomeone else's mail\r\n`),
        });
      }
      assert.deepEqual(Deno.readFileSync(path), before, "no new message was written over it");
      spool.spares!.close();
    });
  }
});

Deno.test("a recycled file is handed out only after the removal of its old name is synced", async () => {
  const root = tempDir();
  const pool = (await SpareFiles.open(join(root, "spare"), { target: 0, max: 10 }))!;
  const folder = join(root, "cur");
  Deno.mkdirSync(folder);
  Deno.writeTextFileSync(join(folder, "expunged"), "alice's old message", PRIVATE);
  await pool.recycle(join(folder, "expunged"));
  // The rename is done but cur/ is not on disk yet: writing over the file now
  // could bring "expunged" back with someone else's message after a power cut.
  assert.equal(pool.take(), null);
  await eventually(() => pool.count === 1, "parked once cur/ is synced");

  pool.close();
});

Deno.test("a second server on the same spool runs without spares instead of sharing the pool", async () => {
  const root = tempDir();
  const dir = join(root, "spare");
  const first = (await SpareFiles.open(dir, { target: 0, max: 10 }))!;
  Deno.writeTextFileSync(join(root, "done"), "finished message", PRIVATE);
  await first.recycle(join(root, "done"));
  await eventually(() => first.count === 1, "parked");
  // Both would take the same file and write two messages into it.
  assert.equal(await SpareFiles.open(dir, { target: 0, max: 10 }), null);
  const spoolDir = tempDir();
  const owner = await Spool.open({ spoolDir, log: quiet, spareFiles: 1 });
  const lines: string[] = [];
  const second = await Spool.open({
    spoolDir,
    log: new Logger({ sink: (l) => lines.push(l) }),
    spareFiles: 1,
  });
  assert.equal(second.spares, null);
  assert.ok(lines.some((line) => line.includes("event=spool.spares_busy")));
  owner.spares!.close();
  // Once the owner stops, the pool is free again (and the stopped owner takes nothing).
  first.close();
  assert.equal(first.take(), null);
  const next = await SpareFiles.open(dir, { target: 0, max: 10 });
  assert.ok(next);
  assert.equal(next.count, 0, "a non-empty leftover is not reused");
  next.close();
});

Deno.test("an empty file left in spare/ with a second name elsewhere is never handed out", async () => {
  const root = tempDir();
  const spareDir = join(root, "spare");
  Deno.mkdirSync(spareDir);
  // Some other name of the file (whatever made it): writing into the spare would change it.
  Deno.writeFileSync(join(root, "other-name"), new Uint8Array(0), PRIVATE);
  Deno.linkSync(join(root, "other-name"), join(spareDir, "leftover"));
  const pool = (await SpareFiles.open(spareDir, { target: 0, max: 10 }))!;
  try {
    assert.equal(pool.take(), null, "only an empty file with no other name is a spare");
    assert.equal(Deno.lstatSync(join(root, "other-name")).nlink, 1, "the spare/ name is gone");
  } finally {
    pool.close();
  }
});
