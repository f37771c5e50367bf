/**
 * Listings disturbed by another program's changes (readdir may skip an entry
 * renamed while it lists): a known message missed is kept until a listing
 * that holds still says it is gone, and then it is expunged.
 */
import assert from "node:assert/strict";
import { ACCOUNT, loaded, message, setMtime } from "./new_only_fixture.ts";

Deno.test("a known message a disturbed listing misses is kept, not expunged, and listed again next time", async () => {
  const { mailbox, dir } = await loaded();
  const before = await mailbox.refresh();
  const hidden = before[1]!;
  // readdir skips an entry renamed while it lists (another MUA changing flags): every listing
  // of cur/ misses message 2, and cur/'s mtime moves during each.
  const original = Deno.readDir;
  let listings = 0;
  (Deno as { readDir: typeof Deno.readDir }).readDir = (path) => {
    if (!String(path).endsWith("/cur")) return original(path);
    setMtime(dir, "cur", new Date(Date.UTC(2024, 0, 2, 0, 0, ++listings)));
    return (async function* () {
      for await (const entry of original(path)) {
        if (!entry.name.startsWith(hidden.base)) yield entry;
      }
    })();
  };
  setMtime(dir, "cur", new Date("2024-01-03T00:00:00Z"));
  const expunged: number[] = [];
  mailbox.onChange((change) => change.kind === "expunged" && expunged.push(...change.uids));
  let during;
  try {
    during = await mailbox.refresh();
  } finally {
    (Deno as { readDir: typeof Deno.readDir }).readDir = original;
  }
  assert.equal(listings, 3, "listed three times while the folder kept changing");
  assert.deepEqual(expunged, []);
  assert.deepEqual(during.map((m) => m.uid), before.map((m) => m.uid));
  const after = await mailbox.refresh();
  assert.deepEqual(after.map((m) => m.uid), before.map((m) => m.uid));
  assert.deepEqual(expunged, []);
});

/** Runs `body` with every listing of new/ moving new/'s mtime on (deliveries arriving). */
async function whileNewKeepsChanging<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const original = Deno.readDir;
  let listings = 0;
  (Deno as { readDir: typeof Deno.readDir }).readDir = (path) => {
    if (String(path).endsWith("/new")) {
      setMtime(dir, "new", new Date(Date.UTC(2024, 0, 3, 0, 0, ++listings)));
    }
    return original(path);
  };
  try {
    return await body();
  } finally {
    (Deno as { readDir: typeof Deno.readDir }).readDir = original;
  }
}

Deno.test("a message another program deleted from cur/ is expunged, though the listing that missed it was disturbed", async () => {
  const { store, mailbox, dir } = await loaded();
  const before = await mailbox.refresh();
  const gone = before[1]!;
  const expunged: number[] = [];
  mailbox.onChange((change) => change.kind === "expunged" && expunged.push(...change.uids));
  const name = [...Deno.readDirSync(`${dir}/cur`)].find((e) => e.name.startsWith(gone.base))!;
  Deno.removeSync(`${dir}/cur/${name.name}`);
  setMtime(dir, "cur", new Date("2024-01-07T00:00:00Z"));
  // Deliveries keep changing new/ while it is listed: gone's absence is not settled yet.
  await whileNewKeepsChanging(dir, () => mailbox.refresh());
  assert.deepEqual(expunged, [], "not settled: kept for now");
  // A delivery later: cur/ is as listed, but that listing was not sound, so cur/ is listed again.
  await store.deliver([ACCOUNT], [message("later")]);
  const after = await mailbox.refresh();
  assert.deepEqual(expunged, [gone.uid]);
  assert.equal(after.some((m) => m.uid === gone.uid), false);
});

Deno.test("a message deleted while a listing ran is expunged in that refresh once the folder holds still", async () => {
  const { mailbox, dir } = await loaded();
  const before = await mailbox.refresh();
  const gone = before[1]!;
  const expunged: number[] = [];
  mailbox.onChange((change) => change.kind === "expunged" && expunged.push(...change.uids));
  const original = Deno.readDir;
  (Deno as { readDir: typeof Deno.readDir }).readDir = (path) => {
    if (String(path).endsWith("/cur")) {
      (Deno as { readDir: typeof Deno.readDir }).readDir = original;
      // Another MUA deletes it as the first listing of cur/ begins.
      const name = [...Deno.readDirSync(path)].find((e) => e.name.startsWith(gone.base))!;
      Deno.removeSync(`${path}/${name.name}`);
      setMtime(dir, "cur", new Date("2024-01-08T00:00:00Z"));
    }
    return original(path);
  };
  setMtime(dir, "cur", new Date("2024-01-07T00:00:00Z"));
  try {
    await mailbox.refresh();
  } finally {
    (Deno as { readDir: typeof Deno.readDir }).readDir = original;
  }
  // The second listing finds the folder as the first left it: the absence is settled.
  assert.deepEqual(expunged, [gone.uid]);
});
