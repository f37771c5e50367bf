/**
 * Spare files: the pool hands each spare to one writer, recycles only files
 * that have no other name, and the spool and Maildir paths that use it keep
 * every message byte-exact.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import { Mailboxes, MaildirStore } from "../../src/mailbox/mod.ts";
import { SpareFiles, Spool, writeFreshFileDurably } from "../../src/spool/mod.ts";

/** How the server writes message files: readable by nobody else (a looser file is never reused). */
const PRIVATE = { mode: 0o600 };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const quiet = new Logger({ sink: () => {} });

function tempDir(): string {
  return makeTestDir({ prefix: "pillarbox-spare-" });
}

function namesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

/** Writes `count` private files under `root` and hands each to `pool.recycle`. */
async function recycleNew(
  pool: SpareFiles,
  root: string,
  options: { count: number; text: string },
): Promise<void> {
  for (let i = 0; i < options.count; i++) {
    Deno.writeTextFileSync(join(root, `m${i}`), options.text, PRIVATE);
    await pool.recycle(join(root, `m${i}`));
  }
}

/** Waits until `check` holds (the pool fills in the background). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000; // generous: a busy machine may be slow to sync and fill
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

Deno.test("the pool fills to its target in the background and reopens with what is there", async () => {
  const dir = join(tempDir(), "spare");
  const pool = (await SpareFiles.open(dir, { target: 40, max: 100 }))!;
  await eventually(() => pool.count === 40, "pool reaches its target");
  assert.equal(namesIn(dir).length, 40);
  for (const name of namesIn(dir)) assert.equal(Deno.statSync(join(dir, name)).size, 0);
  pool.close();
  const again = (await SpareFiles.open(dir, { target: 40, max: 100 }))!;
  assert.equal(again.count, 40);
  again.close();
});

Deno.test("take() never hands out one spare twice and says how many old bytes it holds", async () => {
  const root = tempDir();
  // Never quiet long enough to empty them, however slow the machine.
  const pool =
    (await SpareFiles.open(join(root, "spare"), { target: 0, max: 10, quietMs: 3_600_000 }))!;
  await recycleNew(pool, root, { count: 5, text: "stale secret text" });
  await eventually(() => pool.count === 5, "all five parked");
  const taken = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const spare = pool.take();
    assert.ok(spare);
    assert.ok(!taken.has(spare.path));
    taken.add(spare.path);
    spare.file.close();
    assert.equal(spare.size, "stale secret text".length);
  }
  assert.equal(pool.take(), null);
  pool.close();
});

Deno.test("recycle() parks a file with one name (emptied once quiet); a linked file is only unlinked", async () => {
  const root = tempDir();
  const pool = (await SpareFiles.open(join(root, "spare"), { target: 0, max: 10 }))!;
  const single = join(root, "single");
  Deno.writeTextFileSync(single, "message body", PRIVATE);
  await pool.recycle(single);
  assert.throws(() => Deno.statSync(single), Deno.errors.NotFound);
  await eventually(() => pool.count === 1, "parked once its old folder is synced");
  const [parked] = namesIn(join(root, "spare"));
  // Kept as it is while mail moves; a quiet second later its bytes are gone.
  await eventually(
    () => Deno.statSync(join(root, "spare", parked!)).size === 0,
    "a parked file is emptied when the spool is quiet",
  );

  // The same message in two mailboxes: removing one name must leave the other intact.
  const first = join(root, "first");
  const second = join(root, "second");
  Deno.writeTextFileSync(first, "shared body", PRIVATE);
  Deno.linkSync(first, second);
  await pool.recycle(first);
  assert.equal(Deno.readTextFileSync(second), "shared body");
  assert.equal(pool.count, 1);
  assert.equal(namesIn(join(root, "spare")).length, 1);

  await assert.rejects(() => pool.recycle(join(root, "missing")), Deno.errors.NotFound);
  pool.close();
});

Deno.test("a parked file is emptied after lingerMs even when the spool is never quiet", async () => {
  const root = tempDir();
  const dir = join(root, "spare");
  // Never quiet enough to tidy: only the linger bound can empty them (20: more than one step).
  const pool =
    (await SpareFiles.open(dir, { target: 0, max: 40, quietMs: 3_600_000, lingerMs: 300 }))!;
  await recycleNew(pool, root, { count: 20, text: "a deleted message" });
  await eventually(() => pool.count === 20, "all twenty parked");
  await eventually(
    () =>
      namesIn(dir).every((name) =>
        name.endsWith(".lock") || Deno.statSync(join(dir, name)).size === 0
      ),
    "every parked file emptied",
  );
  for (let i = 0; i < 20; i++) {
    const spare = pool.take();
    assert.ok(spare);
    assert.equal(spare.size, 0, "the pool knows they are empty");
    spare.file.close();
  }
  pool.close();
});

Deno.test("recycle() deletes instead of parking once the pool holds its maximum", async () => {
  const root = tempDir();
  const pool = (await SpareFiles.open(join(root, "spare"), { target: 0, max: 2 }))!;
  await recycleNew(pool, root, { count: 5, text: "x" });
  await eventually(() => pool.count === 2, "two parked");
  assert.equal(namesIn(join(root, "spare")).length, 2);
  assert.deepEqual(namesIn(root), ["spare", "spare.lock"]);
  pool.close();
});

Deno.test("writeFreshFileDurably() writes over a spare and cuts it to length, else creates", async () => {
  const root = tempDir();
  // Never quiet long enough to empty the old messages, however slow the machine.
  const pool =
    (await SpareFiles.open(join(root, "spare"), { target: 0, max: 4, quietMs: 3_600_000 }))!;
  const cases: [string, string][] = [
    ["an old, longer message that must not show through", "new"],
    ["short", "a new message longer than the old one"],
    ["same size", "SAME SIZE"],
    ["", "into an empty spare"],
  ];
  for (const [old, text] of cases) {
    Deno.writeTextFileSync(join(root, "done"), old, PRIVATE);
    await pool.recycle(join(root, "done"));
    await eventually(() => pool.count === 1, "parked");
    const written = await writeFreshFileDurably(
      [encoder.encode(text.slice(0, 2)), encoder.encode(text.slice(2))],
      join(root, "fallback"),
      pool,
    );
    assert.ok(pool.owns(written), `${old} -> ${text}`);
    assert.equal(Deno.readTextFileSync(written), text);
    Deno.removeSync(written);
  }
  const second = await writeFreshFileDurably([encoder.encode("two")], join(root, "b"), pool);
  assert.equal(second, join(root, "b"));
  assert.equal(Deno.readTextFileSync(second), "two");
  pool.close();
});

Deno.test("the spool writes into spares and recycles finished messages, byte-exact", async () => {
  const spoolDir = tempDir();
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 4 });
  await eventually(() => spool.spares!.count === 4, "pool filled");
  const qids: string[] = [];
  for (let i = 0; i < 6; i++) { // more than the pool: the last ones are created as before
    qids.push(
      await spool.accept({
        envelope: { from: "a@x.test", rcpts: [`r${i}@remote.test`], source: "smtp" },
        message: encoder.encode(`Subject: ${i}\r\n\r\nbody ${i}\r\n`),
      }),
    );
  }
  assert.equal(spool.spares!.count, 0);
  assert.deepEqual(namesIn(spool.tmpDir), []);
  for (const [i, qid] of qids.entries()) {
    const { bytes, messageOffset } = await spool.read(qid);
    assert.equal(
      decoder.decode(bytes.subarray(messageOffset)),
      `Subject: ${i}\r\n\r\nbody ${i}\r\n`,
    );
  }
  for (const qid of qids) await spool.remove(qid);
  assert.deepEqual(await spool.list(), []);
  await eventually(() => spool.spares!.count === 6, "all six parked");
  spool.spares!.close();
});

/** A Maildir store and the mailboxes over it, recycling into `spool`'s pool. */
function mailStack(spool: Spool, options: { storeUsesSpares: boolean }) {
  const spoolDir = dirname(spool.dir);
  const store = new MaildirStore({
    spoolDir,
    hostname: "mx.test",
    spares: options.storeUsesSpares ? spool.spares : null,
  });
  const mailboxes = new Mailboxes({
    spoolDir,
    hostname: "mx.test",
    log: quiet,
    store,
    spares: spool.spares,
  });
  return { store, mailboxes };
}

Deno.test("Maildir delivery through spares: two recipients, one deletes, the other keeps every byte", async () => {
  const spoolDir = tempDir();
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 2 });
  await eventually(() => spool.spares!.count === 2, "pool filled");
  const { store, mailboxes } = mailStack(spool, { storeUsesSpares: true });
  const text = "Subject: shared\r\n\r\nfor both of you\r\n";
  await store.deliver(["alice@example.test", "bob@example.test"], [encoder.encode(text)]);
  assert.equal(spool.spares!.count, 1);
  const alice = await mailboxes.openMailbox("alice@example.test");
  const [message] = await alice.refresh();
  await alice.expunge([message!.uid]);
  alice.release();
  // Bob's copy is the same inode: it was unlinked from Alice's mailbox, never emptied.
  const bob = await mailboxes.openMailbox("bob@example.test");
  const [bobs] = await bob.refresh();
  assert.equal(decoder.decode(await Deno.readFile(join(bob.dir, "new", bobs!.base))), text);
  await bob.expunge([bobs!.uid]);
  bob.release();
  // The last name went: now the file is a spare again.
  await eventually(() => spool.spares!.count === 2, "parked once new/ is synced");
  spool.spares!.close();
});

Deno.test("a message being read when it is expunged is unlinked, not recycled", async () => {
  const spoolDir = tempDir();
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 1 });
  const { store, mailboxes } = mailStack(spool, { storeUsesSpares: false });
  // Small enough to be parked (a file over 1 MB is deleted, never recycled, so a bigger one
  // would prove nothing); the read counts as in progress from the call on.
  const text = "Subject: big\r\n\r\n" + "x".repeat(512 * 1024) + "\r\n";
  // The pool is full first, so that its own filling cannot change the count below.
  await eventually(() => spool.spares!.count === 1, "pool filled");
  await store.deliver(["bob@example.test"], [encoder.encode(text)]);
  const spareDir = spool.spares!.dir;
  const before = namesIn(spareDir);
  const mailbox = await mailboxes.openMailbox("bob@example.test");
  const [message] = await mailbox.refresh();
  const reading = mailbox.readMessage(message!.uid);
  await mailbox.expunge([message!.uid]);
  assert.equal(decoder.decode(await reading), text);
  // A recycled file is moved into spare/ at once but counted only after a directory sync
  // (about 100 ms later): compare the folder, not the count.
  assert.deepEqual(namesIn(spareDir), before, "the file being read did not become a spare");
  assert.equal(spool.spares!.count, 1);
  mailbox.release();
  spool.spares!.close();
});

Deno.test("recycle() deletes a file others may read instead of reusing it", async () => {
  const root = tempDir();
  const pool = (await SpareFiles.open(join(root, "spare"), { target: 0, max: 10 }))!;
  const loose = join(root, "loose");
  Deno.writeTextFileSync(loose, "dropped in by another tool");
  Deno.chmodSync(loose, 0o644);
  await pool.recycle(loose);
  const tight = join(root, "tight");
  Deno.writeTextFileSync(tight, "ours");
  Deno.chmodSync(tight, 0o600);
  await pool.recycle(tight);
  await eventually(() => pool.count === 1, "the private file is parked");
  assert.equal(namesIn(join(root, "spare")).filter((name) => !name.endsWith(".lock")).length, 1);
  pool.close();
});

Deno.test("recycle() deletes a big file instead of holding its blocks", async () => {
  const root = tempDir();
  const pool = (await SpareFiles.open(join(root, "spare"), { target: 0, max: 10 }))!;
  const big = join(root, "big");
  Deno.writeFileSync(big, new Uint8Array(2 * 1024 * 1024), PRIVATE);
  await pool.recycle(big);
  const small = join(root, "small");
  Deno.writeFileSync(small, new Uint8Array(1000), PRIVATE);
  await pool.recycle(small);
  await eventually(() => pool.count === 1, "the small file is parked");
  assert.throws(() => Deno.statSync(big), Deno.errors.NotFound);
  assert.deepEqual(
    namesIn(join(root, "spare")).filter((name) => !name.endsWith(".lock")).length,
    1,
  );
  pool.close();
});
