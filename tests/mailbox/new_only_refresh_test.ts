/**
 * After a delivery, a loaded mailbox whose cur/ has not changed since a sound
 * listing lists only new/ (a folder of 100,000 messages took ~560 ms of CPU
 * to list whole after each delivery); anything that touched cur/ meanwhile
 * gets the whole listing, so no message is lost or renumbered.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import { Mailboxes, MaildirStore } from "../../src/mailbox/mod.ts";
import { ageCur, listedDirs } from "./listing_fixture.ts";

const ACCOUNT = "bob@example.test";
const encoder = new TextEncoder();
const message = (subject: string) => encoder.encode(`Subject: ${subject}\r\n\r\nbody\r\n`);

/** A loaded mailbox of three messages in cur/ (one \Seen), listed soundly. */
async function loaded() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-new-only-" });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log: new Logger(), store });
  const dir = mailboxes.accountDir(ACCOUNT);
  for (let i = 1; i <= 3; i++) {
    Deno.mkdirSync(`${dir}/cur`, { recursive: true });
    Deno.writeFileSync(
      `${dir}/cur/170000000${i}.M${i}P1.old,S=24:2,${i === 2 ? "S" : ""}`,
      message(`old ${i}`),
    );
  }
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  ageCur(dir);
  const first = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(first.dirs.sort(), ["cur", "new"], "the first listing reads both");
  ageCur(dir);
  return { store, mailbox, dir, uids: first.result.map((m) => m.uid) };
}

Deno.test("a delivery into a loaded mailbox lists only new/ and adds the message last", async () => {
  const { store, mailbox, uids } = await loaded();
  await store.deliver([ACCOUNT], [message("fresh")]);
  const { result, dirs } = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(dirs, ["new"]);
  assert.equal(result.length, 4);
  assert.deepEqual(result.slice(0, 3).map((m) => m.uid), uids);
  assert.ok(result[3]!.uid > uids[2]!, "the new message sorts last");
  assert.equal(result[3]!.isNew, true);
  assert.deepEqual(result[1]!.flags, ["\\Seen"], "cur/ entries stand as they were");
  // Read back through the listing just built.
  assert.match(new TextDecoder().decode(await mailbox.readMessage(result[3]!.uid)), /fresh/);
});

Deno.test("a message another program moved from new/ to cur/ meanwhile keeps its UID (cur/ changed: both are listed)", async () => {
  const { store, mailbox, dir } = await loaded();
  await store.deliver([ACCOUNT], [message("fresh")]);
  const fresh = (await mailbox.refresh())[3]!;
  // Another MUA (or a POP3 client through another server) sees it and moves it to cur/, and a
  // second message arrives.
  Deno.renameSync(`${dir}/new/${fresh.base}`, `${dir}/cur/${fresh.base}:2,S`);
  await store.deliver([ACCOUNT], [message("second")]);
  const { result, dirs } = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(dirs.sort(), ["cur", "new"]);
  assert.equal(result.length, 5);
  const moved = result.find((m) => m.base === fresh.base)!;
  assert.equal(moved.uid, fresh.uid);
  assert.equal(moved.isNew, false);
  assert.deepEqual(moved.flags, ["\\Seen"]);
});

Deno.test("a message gone from new/ alone is looked for in cur/ too (a whole listing), then expunged", async () => {
  const { store, mailbox, dir } = await loaded();
  await store.deliver([ACCOUNT], [message("one")]);
  await store.deliver([ACCOUNT], [message("two")]);
  const before = await mailbox.refresh();
  assert.equal(before.length, 5);
  const gone = before[3]!;
  Deno.removeSync(`${dir}/new/${gone.base}`);
  const expunged: number[] = [];
  mailbox.onChange((change) => change.kind === "expunged" && expunged.push(...change.uids));
  const { result, dirs } = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(dirs, ["new", "new", "cur"], "new/ alone first, then both");
  assert.deepEqual(expunged, [gone.uid]);
  assert.deepEqual(result.map((m) => m.uid), before.filter((m) => m !== gone).map((m) => m.uid));
});

Deno.test("a file in new/ under the base of a message in cur/ counts once, from cur/, as in a whole listing", async () => {
  const { mailbox, dir } = await loaded();
  const [, second] = await mailbox.refresh();
  Deno.writeFileSync(`${dir}/new/${second!.base}`, message("copy"));
  const { result, dirs } = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(dirs, ["new"]);
  assert.equal(result.length, 3);
  const listed = result.find((m) => m.base === second!.base)!;
  assert.equal(listed.isNew, false);
  assert.deepEqual(listed.flags, ["\\Seen"]);
});

/** Our own STORE of flags on `uids` (as a session claiming \Recent moves them out of new/). */
Deno.test("our own move of a message out of new/ keeps cur/ trusted: the next delivery lists new/ only", async () => {
  const { store, mailbox } = await loaded();
  await store.deliver([ACCOUNT], [message("first")]);
  const first = (await mailbox.refresh())[3]!;
  await mailbox.store([first.uid], {}); // the claim: new/ -> cur/
  assert.equal(mailbox.get(first.uid)?.isNew, false);
  await store.deliver([ACCOUNT], [message("second")]);
  const { result, dirs } = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(dirs, ["new"]);
  assert.equal(result.length, 5);
  assert.equal(result.find((m) => m.uid === first.uid)?.isNew, false);
});

Deno.test("a change another program made to cur/ before our own STORE is not hidden by it", async () => {
  const { mailbox, dir, uids } = await loaded();
  // Another MUA marks message 1 \Flagged (a rename in cur/); then a session of ours sets \Seen on 3.
  const [one] = await mailbox.refresh();
  Deno.renameSync(`${dir}/cur/${one!.base}:2,`, `${dir}/cur/${one!.base}:2,F`);
  await mailbox.store([uids[2]!], { add: ["\\Seen"] });
  const { result, dirs } = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(dirs.sort(), ["cur", "new"]);
  assert.deepEqual(result[0]!.flags, ["\\Flagged"]);
  assert.deepEqual(result[2]!.flags, ["\\Seen"]);
});

Deno.test("a minute after the last whole listing, our own change no longer keeps cur/ trusted", async () => {
  const { store, mailbox, uids } = await loaded();
  const realNow = Date.now;
  Date.now = () => realNow() + 61_000;
  try {
    await mailbox.store([uids[0]!], { add: ["\\Seen"] });
  } finally {
    Date.now = realNow;
  }
  await store.deliver([ACCOUNT], [message("fresh")]);
  const { dirs } = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(dirs.sort(), ["cur", "new"]);
});

Deno.test("a message another program moved to cur/ in the same tick as our own change is found, not expunged", async () => {
  const { store, mailbox, dir } = await loaded();
  await store.deliver([ACCOUNT], [message("fresh")]);
  const fresh = (await mailbox.refresh())[3]!;
  // As if the move landed within cur/'s mtime tick: cur/ keeps the stamp the table trusts.
  Deno.renameSync(`${dir}/new/${fresh.base}`, `${dir}/cur/${fresh.base}:2,S`);
  ageCur(dir);
  await store.deliver([ACCOUNT], [message("second")]);
  const { result, dirs } = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(dirs, ["new", "new", "cur"], "fresh is missing from new/: both are listed");
  const moved = result.find((m) => m.base === fresh.base);
  assert.equal(moved?.uid, fresh.uid);
  assert.deepEqual(moved?.flags, ["\\Seen"]);
});

/** Runs `body` with the wall clock `aheadMs` ahead (directory mtimes stay real). */
async function later<T>(aheadMs: number, body: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow() + aheadMs;
  try {
    return await body();
  } finally {
    Date.now = realNow;
  }
}

Deno.test("a change another program made to cur/ during our own STORE is seen within a minute, even with nothing else changing", async () => {
  const { store, mailbox, dir, uids } = await loaded();
  const [one] = await mailbox.refresh();
  // Another MUA flags message 1 (a rename in cur/) while our STORE on message 3 runs.
  const original = Deno.rename;
  (Deno as { rename: typeof Deno.rename }).rename = async (from, to) => {
    (Deno as { rename: typeof Deno.rename }).rename = original;
    Deno.renameSync(`${dir}/cur/${one!.base}:2,`, `${dir}/cur/${one!.base}:2,F`);
    return await original(from, to);
  };
  try {
    await mailbox.store([uids[2]!], { add: ["\\Seen"] });
  } finally {
    (Deno as { rename: typeof Deno.rename }).rename = original;
  }
  await store.deliver([ACCOUNT], [message("fresh")]);
  // A delivery two seconds later lists new/ only: the risk the README accepts.
  await later(2_000, () => mailbox.refresh());
  // A minute after the last whole listing, with nothing changed since, the flag shows.
  const result = await later(61_000, () => mailbox.refresh());
  assert.deepEqual(result[0]!.flags, ["\\Flagged"]);
  assert.deepEqual(result[2]!.flags, ["\\Seen"]);
});

Deno.test("a refresh in the same second as our own STORE keeps cur/ trusted for the next delivery", async () => {
  const { store, mailbox, uids } = await loaded();
  await mailbox.store([uids[0]!], { add: ["\\Flagged"] });
  // An IMAP session refreshes right after its own command: cur/'s mtime is then a few
  // milliseconds old, and it is our own change's.
  const right = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(right.dirs, ["new"]);
  await store.deliver([ACCOUNT], [message("fresh")]);
  const { result, dirs } = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(dirs, ["new"]);
  assert.equal(result.length, 4);
  assert.deepEqual(result[0]!.flags, ["\\Flagged"]);
});
