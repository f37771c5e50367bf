/**
 * Our own MOVE and COPY change folders the server already holds listed: like
 * STORE, EXPUNGE and APPEND they keep each folder's cur/ trusted, so the next
 * refresh lists new/ alone (a whole listing of a folder of 100,000 messages
 * costs 500-900 ms of CPU). A change another program made before ours is
 * still found by a whole listing.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import { type Mailbox, Mailboxes, MaildirStore } from "../../src/mailbox/mod.ts";
import { ageCur, listedDirs } from "./listing_fixture.ts";

const ACCOUNT = "bob@example.test";
const encoder = new TextEncoder();
const message = (subject: string) => encoder.encode(`Subject: ${subject}\r\n\r\nbody\r\n`);

/** Writes `count` read messages straight into `dir`/cur, as another program would have. */
function fill(dir: string, tag: string, count: number): void {
  Deno.mkdirSync(`${dir}/cur`, { recursive: true });
  for (let i = 1; i <= count; i++) {
    Deno.writeFileSync(`${dir}/cur/170000000${i}.M${i}P1.${tag},S=24:2,S`, message(`${tag} ${i}`));
  }
}

/** Lists `mailbox` soundly: its new/ and cur/ have mtimes old enough to trust. */
async function listSoundly(mailbox: Mailbox): Promise<void> {
  ageCur(mailbox.dir);
  const past = new Date("2024-01-01T00:00:00Z");
  Deno.utimeSync(`${mailbox.dir}/new`, past, past);
  await mailbox.refresh();
}

/** INBOX (three messages) and Archive (two), both loaded and listed soundly. */
async function twoFolders() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-transfer-trust-" });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log: new Logger(), store });
  fill(mailboxes.accountDir(ACCOUNT), "inbox", 3);
  const inbox = await mailboxes.openMailbox(ACCOUNT);
  const archive = await mailboxes.openMailbox(ACCOUNT, "Archive", { create: true });
  fill(archive.dir, "archive", 2);
  for (const mailbox of [inbox, archive]) await listSoundly(mailbox);
  return { store, inbox, archive };
}

Deno.test("a MOVE keeps both folders' cur/ trusted: the next refresh of each lists new/ only", async () => {
  const { store, inbox, archive } = await twoFolders();
  const [first] = inbox.messages();
  const moved = await inbox.moveTo(archive, [first!.uid]);
  await store.deliver([ACCOUNT], [message("fresh")]);
  const source = await listedDirs(() => inbox.refresh());
  assert.deepEqual(source.dirs, ["new"]);
  assert.equal(source.result.length, 3, "two left and the delivery");
  assert.ok(!source.result.some((m) => m.uid === first!.uid));
  const destination = await listedDirs(() => archive.refresh());
  assert.deepEqual(destination.dirs, ["new"]);
  assert.deepEqual(
    destination.result.map((m) => m.uid).slice(-1),
    moved.destinationUids,
    "the moved message is listed under the UID MOVE gave it",
  );
  assert.equal(destination.result.length, 3);
});

Deno.test("a COPY keeps the destination's cur/ trusted and leaves the source as it was", async () => {
  const { inbox, archive } = await twoFolders();
  const uids = inbox.messages().map((m) => m.uid);
  const copied = await inbox.copyTo(archive, uids.slice(0, 2));
  const destination = await listedDirs(() => archive.refresh());
  assert.deepEqual(destination.dirs, ["new"]);
  assert.deepEqual(destination.result.map((m) => m.uid).slice(2), copied.destinationUids);
  const source = await listedDirs(() => inbox.refresh());
  assert.deepEqual(source.dirs, [], "unchanged: two stats, no listing");
  assert.deepEqual(source.result.map((m) => m.uid), uids);
});

for (const changed of ["source", "destination"] as const) {
  Deno.test(`a flag another program set in the ${changed}'s cur/ before our MOVE is seen after it`, async () => {
    const { inbox, archive } = await twoFolders();
    const folder = changed === "source" ? inbox : archive;
    const target = folder.messages().at(-1)!;
    Deno.renameSync(
      `${folder.dir}/cur/${target.base}:2,S`,
      `${folder.dir}/cur/${target.base}:2,FS`,
    );
    await inbox.moveTo(archive, [inbox.messages()[0]!.uid]);
    const { result, dirs } = await listedDirs(() => folder.refresh());
    assert.deepEqual(dirs.sort(), ["cur", "new"]);
    assert.deepEqual(result.find((m) => m.base === target.base)?.flags, ["\\Flagged", "\\Seen"]);
  });
}
