/** The pickup watcher in-process, where a test can make reading a file fail as it would for another user's file. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import { settleHeldPickups } from "../../src/pickup/held_pickups.ts";
import {
  dropMessage,
  newWatcher,
  NO_RECIPIENT,
  stubClaimOpens,
  waitFor,
} from "./pickup_watcher_fixture.ts";

Deno.test("a pickup file the server may not read is moved aside once, not retried in a loop", async () => {
  const { spoolDir, lines, watcher, close } = await newWatcher();
  // Another user's file with mode 0600: as root the test cannot make one, so reading fails here
  // as node:fs fails it.
  let reads = 0;
  const restore = stubClaimOpens((path) => {
    reads++;
    throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: "EACCES" });
  });
  try {
    await watcher.start();
    const message = "From: a@example.test\nTo: b@example.test\n\nhi\n";
    Deno.writeTextFileSync(join(spoolDir, "pickup", "theirs"), message);
    await waitFor(
      "the file moved aside, or read again",
      () => lines.some((line) => line.includes("event=pickup.rejected")) || reads >= 3,
    );
    assert.equal(reads, 1, "read once");
    const rejected = join(spoolDir, "pickup-rejected");
    assert.equal(Deno.readTextFileSync(join(rejected, "theirs")), message);
    assert.match(Deno.readTextFileSync(join(rejected, "theirs.reason")), /Cannot read.*denied/i);
    assert.deepEqual([...Deno.readDirSync(join(spoolDir, "pickup"))], []);
  } finally {
    restore();
    await close();
  }
});

Deno.test("a pickup file whose name is not UTF-8 (which Deno cannot open) is reported once, not passed over in silence", async () => {
  const { spoolDir, lines, watcher, close } = await newWatcher();
  const pickup = join(spoolDir, "pickup");
  const queued = (name: string) =>
    lines.some((line) => line.includes("event=msg.queued") && line.includes(`file=${name}`));
  try {
    await watcher.start();
    // A Latin-1 name ("café" as E9): Deno lists it with U+FFFD and cannot open it by any name.
    const made = await new Deno.Command("python3", {
      args: ["-c", "import sys; open(sys.argv[1].encode() + b'/caf\\xe9', 'w').write('x')", pickup],
    }).output();
    assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
    await waitFor("a warning about the name", () => lines.some((line) => line.includes("caf")));
    // Two more scans at least: each takes a good file dropped after the one before is queued.
    for (const name of ["good1", "good2"]) {
      Deno.writeTextFileSync(
        join(pickup, name),
        "From: a@example.test\nTo: b@example.test\n\nhi\n",
      );
      await waitFor(`${name} queued`, () => queued(name));
    }
    const warnings = lines.filter((line) => line.includes("caf"));
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, /level=warn event=pickup\.unusable_name .*UTF-8/);
  } finally {
    await close();
  }
});

Deno.test("a pickup file is taken once it stayed unchanged, also while the clock is being set back", async () => {
  const { spoolDir, lines, watcher, close } = await newWatcher();
  const wallNow = Date.now;
  // A wall clock set back a minute between any two readings (NTP stepping it, many times over).
  let stepsBack = 0;
  Date.now = () => wallNow() - 60_000 * ++stepsBack;
  try {
    await watcher.start();
    dropMessage(spoolDir, "late");
    // Timed by the monotonic clock: the one under test runs backwards.
    const deadline = performance.now() + 5_000;
    while (!lines.some((line) => line.includes("event=msg.queued"))) {
      if (performance.now() > deadline) throw new Error("Timed out waiting for the file queued");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    Date.now = wallNow;
    await close();
  }
});

Deno.test("a pickup file moved aside never replaces an earlier one of its name, nor a note left alone", async () => {
  const { spoolDir, lines, watcher, close } = await newWatcher();
  const rejected = join(spoolDir, "pickup-rejected");
  try {
    await watcher.start();
    // What the administrator left there: a file whose note was deleted, a note whose file was.
    Deno.writeTextFileSync(join(rejected, "first"), "kept, without its note");
    Deno.writeTextFileSync(join(rejected, "second.reason"), "an old note\n");
    for (const name of ["first", "second"]) {
      Deno.writeTextFileSync(join(spoolDir, "pickup", name), NO_RECIPIENT);
      await waitFor(
        `${name} moved aside`,
        () =>
          lines.some((line) =>
            line.includes("event=pickup.rejected") && line.includes(`file=${name} `)
          ),
      );
    }
    assert.equal(Deno.readTextFileSync(join(rejected, "first")), "kept, without its note");
    assert.equal(Deno.readTextFileSync(join(rejected, "first.1")), NO_RECIPIENT);
    assert.match(Deno.readTextFileSync(join(rejected, "first.1.reason")), /No recipient/);
    assert.equal(Deno.readTextFileSync(join(rejected, "second.reason")), "an old note\n");
    assert.equal(Deno.readTextFileSync(join(rejected, "second.1")), NO_RECIPIENT);
    assert.match(Deno.readTextFileSync(join(rejected, "second.1.reason")), /No recipient/);
  } finally {
    await close();
  }
});

Deno.test("a pickup file whose note cannot be written is not moved aside without it: it stays in pickup/", async () => {
  const { spoolDir, lines, watcher, close } = await newWatcher();
  const open = Deno.open;
  // The disk fills up as the note is written.
  Deno.open = (path, options) =>
    String(path).includes(".reason.tmp-")
      ? Promise.reject(new Error("No space left on device (os error 28)"))
      : open(path, options);
  try {
    await watcher.start();
    const pickup = join(spoolDir, "pickup");
    Deno.writeTextFileSync(join(pickup, "norcpt"), NO_RECIPIENT);
    await waitFor(
      "the failure to move it aside",
      () => lines.filter((line) => line.includes("event=pickup.reject_failed")).length >= 2,
    );
    await watcher.stop();
    const names = [...Deno.readDirSync(join(spoolDir, "pickup-rejected"))].map((e) => e.name);
    assert.deepEqual(names, [], "no file moved aside without its reason");
    assert.deepEqual([...Deno.readDirSync(pickup)].map((e) => e.name), ["norcpt"]);
    assert.equal(Deno.readTextFileSync(join(pickup, "norcpt")), NO_RECIPIENT);
  } finally {
    Deno.open = open;
    await close();
  }
});

Deno.test("a pickup file far over the size limit is moved aside unread (a stray disk image is never loaded whole)", async () => {
  const { spoolDir, lines, watcher, close } = await newWatcher({ maxMessageBytes: 1_000 });
  let reads = 0;
  const restore = stubClaimOpens(() => reads++);
  try {
    await watcher.start();
    const huge = "To: b@example.test\n\n" + "x".repeat(5_000) + "\n";
    Deno.writeTextFileSync(join(spoolDir, "pickup", "huge"), huge);
    await waitFor(
      "the file moved aside",
      () => lines.some((line) => line.includes("event=pickup.rejected")),
    );
    assert.equal(reads, 0, "not read");
    const rejected = join(spoolDir, "pickup-rejected");
    assert.equal(Deno.readTextFileSync(join(rejected, "huge")), huge);
    assert.match(Deno.readTextFileSync(join(rejected, "huge.reason")), /size limit \(1000 bytes\)/);
  } finally {
    restore();
    await close();
  }
});

/**
 * Changes a file keeps its mtime through (`cp -p`, `touch -r`, a writer that sets it) or its
 * size through (a rewrite in place), or both (another file renamed over it): each must start
 * the wait for a stable file again, as the README says (size, mtime and inode, two looks).
 */
const CHANGES: [string, (path: string, mtime: Date) => void][] = [
  ["grows with its mtime put back", (path, mtime) => {
    Deno.writeTextFileSync(path, "more\n", { append: true });
    Deno.utimeSync(path, mtime, mtime);
  }],
  ["is rewritten in place to the same size", (path, mtime) => {
    const text = Deno.readTextFileSync(path);
    Deno.writeTextFileSync(path, text.replace("one", "two"));
    const later = new Date(mtime.getTime() + 1_000);
    Deno.utimeSync(path, later, later);
  }],
  ["is replaced by another of the same size and mtime", (path, mtime) => {
    const text = Deno.readTextFileSync(path);
    Deno.writeTextFileSync(`${path}.new`, text.replace("one", "two"));
    Deno.utimeSync(`${path}.new`, mtime, mtime);
    Deno.renameSync(`${path}.new`, path);
  }],
];
for (const [what, change] of CHANGES) {
  Deno.test(`a pickup file that ${what} waits for a stable look again before it is taken`, async () => {
    const { spoolDir, lines, watcher, close } = await newWatcher({ stableMs: 1_000 });
    const pickup = join(spoolDir, "pickup");
    // The monotonic clock moves only when the test says so; scans are counted, not timed, and
    // held at their start (their readDir) while the test changes the file: none is midway.
    const monotonic = performance.now;
    let nowMs = 0;
    performance.now = () => nowMs;
    const readDir = Deno.readDir;
    let scans = 0;
    let held = 0;
    let gate: Promise<void> = Promise.resolve();
    Deno.readDir = (path) => {
      if (path !== pickup) return readDir(path);
      scans++;
      const opened = gate;
      return (async function* () {
        held++;
        await opened;
        held--;
        yield* readDir(path);
      })();
    };
    const twoMoreScans = async () => {
      const target = scans + 2;
      await waitFor("two more scans", () => scans >= target);
    };
    const isQueued = () => lines.some((line) => line.includes("event=msg.queued"));
    try {
      await watcher.start();
      const path = join(pickup, "msg");
      const mtime = new Date(1_700_000_000_000);
      Deno.writeTextFileSync(path, "From: a@example.test\nTo: b@example.test\n\none\n");
      Deno.utimeSync(path, mtime, mtime);
      await twoMoreScans(); // first seen at 0
      let open = () => {};
      gate = new Promise((resolve) => open = resolve);
      await waitFor("a scan held at its start", () => held > 0);
      // Changed, and only then does the clock pass the wait: the next look sees both.
      change(path, mtime);
      nowMs = 5_000;
      gate = Promise.resolve();
      open();
      await twoMoreScans();
      assert.ok(!isQueued(), "taken although it changed since the last look");
      assert.ok(Deno.statSync(path).isFile);
      nowMs = 10_000;
      await waitFor("the file queued", isQueued);
    } finally {
      performance.now = monotonic;
      Deno.readDir = readDir;
      await close();
    }
  });
}

Deno.test("a pickup file whose claim cannot be removed after queueing is queued once, also after a restart", async () => {
  const { spoolDir, lines, spool, watcher, close } = await newWatcher();
  const remove = Deno.remove;
  let failures = 0;
  // The first removal of a claim fails (EIO): that message was not taken after all.
  Deno.remove = (path, options) => {
    if (String(path).includes(".claimed-") && failures++ === 0) {
      return Promise.reject(new Error("Input/output error (os error 5)"));
    }
    return remove(path, options);
  };
  try {
    await watcher.start();
    dropMessage(spoolDir, "once");
    await waitFor("the file queued", () => lines.some((line) => line.includes("event=msg.queued")));
    await watcher.stop();
    assert.ok(lines.some((line) => line.includes("event=pickup.remove_failed")));
    // What the next start does first: held pickups whose claim is gone are let go.
    await settleHeldPickups({ spool, pickupDir: join(spoolDir, "pickup"), log: new Logger({}) });
    assert.equal((await spool.list()).length, 1, "one message in the queue");
    assert.deepEqual(await spool.listHeld(), []);
  } finally {
    Deno.remove = remove;
    await close();
  }
});

Deno.test("a pickup file whose claim someone else removed once it was queued is still sent", async () => {
  const { spoolDir, lines, spool, watcher, close } = await newWatcher();
  const remove = Deno.remove;
  // Another program (a cleanup of dotfiles) unlinks the claim just before the server does.
  Deno.remove = async (path, options) => {
    await remove(path, options);
    if (String(path).includes(".claimed-")) throw new Deno.errors.NotFound("No such file");
  };
  try {
    await watcher.start();
    dropMessage(spoolDir, "msg");
    await waitFor("the file queued", () => lines.some((line) => line.includes("event=msg.queued")));
    await watcher.stop();
    assert.equal((await spool.list()).length, 1, "one message in the queue");
    assert.deepEqual(await spool.listHeld(), []);
  } finally {
    Deno.remove = remove;
    await close();
  }
});

Deno.test("a pickup file whose read fails once (EIO) is given back and queued at a later scan", async () => {
  const { spoolDir, lines, spool, watcher, close } = await newWatcher();
  let failures = 0;
  const restore = stubClaimOpens(() => {
    if (failures++ === 0) {
      throw Object.assign(new Error("EIO: i/o error, open"), { code: "EIO" });
    }
  });
  try {
    await watcher.start();
    dropMessage(spoolDir, "msg");
    await waitFor("the file queued", () => lines.some((line) => line.includes("event=msg.queued")));
    assert.ok(lines.some((line) => line.includes("event=pickup.read_failed")));
    assert.equal((await spool.list()).length, 1);
    assert.deepEqual([...Deno.readDirSync(join(spoolDir, "pickup"))], []);
  } finally {
    restore();
    await close();
  }
});
