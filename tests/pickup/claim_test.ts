import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { claimFile, releaseClaim, releaseLeftoverClaims } from "../../src/pickup/claim.ts";

const names = (dir: string) => [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();

Deno.test("claimFile() moves a file to a private dotfile name; null when it is gone", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "msg"), "hello");
  const claimed = await claimFile(dir, "msg");
  assert.ok(claimed);
  assert.match(claimed, /\/\.claimed-[0-9a-f]{12}\.msg$/);
  assert.deepEqual(names(dir), [claimed.slice(dir.length + 1)]);
  assert.equal(Deno.readTextFileSync(claimed), "hello");
  assert.equal(await claimFile(dir, "msg"), null);
});

Deno.test("releaseClaim() never replaces a newcomer: it takes the next free name", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "msg"), "old");
  const first = (await claimFile(dir, "msg"))!;
  Deno.writeTextFileSync(join(dir, "msg"), "newcomer");
  Deno.writeTextFileSync(join(dir, "msg.1"), "another");
  assert.equal(await releaseClaim(first, dir, "msg"), "msg.2");
  assert.deepEqual(names(dir), ["msg", "msg.1", "msg.2"]);
  assert.equal(Deno.readTextFileSync(join(dir, "msg")), "newcomer");
  assert.equal(Deno.readTextFileSync(join(dir, "msg.2")), "old");
});

Deno.test("releaseClaim() that cannot remove the claim takes the new name back: one name, no duplicate", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "msg"), "body");
  const claimed = (await claimFile(dir, "msg"))!;
  const remove = Deno.remove;
  // The unlink of the claim fails (say, EIO) after the link was made.
  Deno.remove = (path, options) =>
    path === claimed ? Promise.reject(new Error("injected failure")) : remove(path, options);
  try {
    await assert.rejects(() => releaseClaim(claimed, dir, "msg"), /injected failure/);
  } finally {
    Deno.remove = remove;
  }
  assert.deepEqual(names(dir), [claimed.slice(dir.length + 1)], "only the claim is left");
  assert.deepEqual(await releaseLeftoverClaims(dir), { released: 1, failed: [] });
  assert.deepEqual(names(dir), ["msg"]);
});

Deno.test("releaseClaim() that cannot remove the claim never deletes a newcomer renamed into the name meanwhile", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "msg"), "body");
  const claimed = (await claimFile(dir, "msg"))!;
  const remove = Deno.remove;
  Deno.remove = (path, options) => {
    if (path !== claimed) return remove(path, options);
    // Between the link and the failed unlink, a producer renames a new message into "msg".
    Deno.writeTextFileSync(join(dir, ".new"), "newcomer");
    Deno.renameSync(join(dir, ".new"), join(dir, "msg"));
    return Promise.reject(new Error("injected failure"));
  };
  try {
    await assert.rejects(() => releaseClaim(claimed, dir, "msg"), /injected failure/);
  } finally {
    Deno.remove = remove;
  }
  assert.equal(Deno.readTextFileSync(join(dir, "msg")), "newcomer", "the newcomer is kept");
  assert.equal(Deno.readTextFileSync(claimed), "body", "the claimed message is kept");
});

Deno.test("releaseClaim() whose claim vanished after the link keeps the new name, the message's only one", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "msg"), "body");
  const claimed = (await claimFile(dir, "msg"))!;
  const link = Deno.link;
  Deno.link = async (from, to) => {
    await link(from, to);
    Deno.removeSync(claimed); // someone else unlinks the claim meanwhile
  };
  let released: string | undefined;
  try {
    released = await releaseClaim(claimed, dir, "msg").catch(() => undefined);
  } finally {
    Deno.link = link;
  }
  assert.deepEqual(names(dir), ["msg"], "the message still has a name");
  assert.equal(Deno.readTextFileSync(join(dir, "msg")), "body");
  assert.equal(released, "msg");
});

Deno.test("releaseLeftoverClaims() gives every leftover claim a visible name back", async () => {
  const dir = makeTestDir();
  const long = "n".repeat(250);
  Deno.writeTextFileSync(join(dir, long), "long name");
  Deno.writeTextFileSync(join(dir, "report.eml"), "short name");
  Deno.writeTextFileSync(join(dir, ".being-written"), "a producer's dotfile");
  const claims = [await claimFile(dir, long), await claimFile(dir, "report.eml")];
  assert.ok(claims.every((claim) => claim !== null));
  assert.deepEqual(await releaseLeftoverClaims(dir), { released: 2, failed: [] });
  const after = names(dir);
  assert.ok(after.includes("report.eml"));
  assert.ok(after.includes(".being-written"), "other dotfiles are not claims");
  const recovered = after.find((name) => name.startsWith("recovered-"));
  assert.ok(recovered, "a name too long to keep in the claim comes back as recovered-...");
  assert.equal(Deno.readTextFileSync(join(dir, recovered)), "long name");
  assert.equal(after.length, 3);
});

Deno.test("releaseLeftoverClaims() gives a one-character name back as it was", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "7"), "short");
  await claimFile(dir, "7");
  assert.deepEqual(await releaseLeftoverClaims(dir), { released: 1, failed: [] });
  assert.deepEqual(names(dir), ["7"]);
});

Deno.test("releaseLeftoverClaims() leaves a claim-named folder alone and releases the rest", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "good"), "fine");
  await claimFile(dir, "good");
  // Only files are claims: a folder with such a name is nobody's message.
  Deno.mkdirSync(join(dir, ".claimed-000000000000.odd"));
  Deno.writeFileSync(join(dir, ".claimed-000000000000.odd", "x"), new Uint8Array(1));
  assert.deepEqual(await releaseLeftoverClaims(dir), { released: 1, failed: [] });
  assert.deepEqual(names(dir), [".claimed-000000000000.odd", "good"]);
});

Deno.test("releaseLeftoverClaims() after a crash between a release's link and unlink leaves one name, not two", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "msg"), "once");
  const claimed = (await claimFile(dir, "msg"))!;
  // What releaseClaim() leaves when the process dies after Deno.link, before Deno.remove.
  Deno.linkSync(claimed, join(dir, "msg"));
  assert.deepEqual(await releaseLeftoverClaims(dir), { released: 1, failed: [] });
  assert.deepEqual(names(dir), ["msg"], "msg.1 would be the same message a second time");
  assert.equal(Deno.readTextFileSync(join(dir, "msg")), "once");
});

Deno.test("releaseClaim() still gives a different file under the name its own next name", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "msg"), "old");
  const claimed = (await claimFile(dir, "msg"))!;
  Deno.writeTextFileSync(join(dir, "msg"), "newcomer");
  Deno.linkSync(join(dir, "msg"), join(dir, "msg.1")); // a second name of the newcomer
  assert.equal(await releaseClaim(claimed, dir, "msg"), "msg.2");
  assert.equal(Deno.readTextFileSync(join(dir, "msg.2")), "old");
});

Deno.test("claimFile() keeps the file's name in the claim up to 255 bytes, the file-name limit, and drops it beyond", async () => {
  const dir = makeTestDir();
  // ".claimed-" and 12 hex digits and "." take 22 bytes.
  for (const [length, isKept] of [[233, true], [234, false]] as const) {
    const name = "n".repeat(length);
    Deno.writeTextFileSync(join(dir, name), "hello");
    const claimed = await claimFile(dir, name);
    assert.ok(claimed);
    const claimName = claimed.slice(dir.length + 1);
    assert.match(claimName, isKept ? /^\.claimed-[0-9a-f]{12}\.n+$/ : /^\.claimed-[0-9a-f]{12}$/);
    assert.ok(new TextEncoder().encode(claimName).length <= 255);
    Deno.removeSync(claimed);
  }
});

Deno.test("releaseClaim() that cannot remove the claim never deletes a newcomer that a producer linked into the name", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "msg"), "body");
  const claimed = (await claimFile(dir, "msg"))!;
  const remove = Deno.remove;
  Deno.remove = (path, options) => {
    if (path !== claimed) return remove(path, options);
    // Between the link and the failed unlink, a producer links its own new message into
    // "msg" (link, then unlink of its temporary name): a file with two names, not ours.
    Deno.writeTextFileSync(join(dir, ".new"), "newcomer");
    Deno.removeSync(join(dir, "msg"));
    Deno.linkSync(join(dir, ".new"), join(dir, "msg"));
    return Promise.reject(new Error("injected failure"));
  };
  try {
    await assert.rejects(() => releaseClaim(claimed, dir, "msg"), /injected failure/);
  } finally {
    Deno.remove = remove;
  }
  assert.equal(Deno.readTextFileSync(join(dir, "msg")), "newcomer", "the newcomer is kept");
  assert.equal(Deno.readTextFileSync(claimed), "body", "the claimed message is kept");
});

Deno.test("releaseLeftoverClaims() releases the others when one claim cannot be released, and names it", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "stuck"), "cannot come back");
  Deno.writeTextFileSync(join(dir, "fine"), "comes back");
  const stuck = (await claimFile(dir, "stuck"))!;
  await claimFile(dir, "fine");
  const link = Deno.link;
  Deno.link = (from, to) =>
    from === stuck ? Promise.reject(new Error("injected failure")) : link(from, to);
  let outcome: Awaited<ReturnType<typeof releaseLeftoverClaims>>;
  try {
    outcome = await releaseLeftoverClaims(dir);
  } finally {
    Deno.link = link;
  }
  assert.equal(outcome.released, 1);
  assert.deepEqual(outcome.failed.map((failure) => failure.file), [stuck.slice(dir.length + 1)]);
  assert.match(outcome.failed[0]!.error, /injected failure/);
  assert.deepEqual(names(dir), [stuck.slice(dir.length + 1), "fine"].sort());
  assert.equal(Deno.readTextFileSync(join(dir, "fine")), "comes back");
});

Deno.test("releaseLeftoverClaims() gives a claim with nothing after its dot a visible name", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, ".claimed-0123456789ab."), "body");
  assert.deepEqual(await releaseLeftoverClaims(dir), { released: 1, failed: [] });
  const after = names(dir);
  assert.equal(after.length, 1);
  assert.ok(!after[0]!.startsWith("."), `visible: ${after[0]}`);
  assert.equal(Deno.readTextFileSync(join(dir, after[0]!)), "body");
});
