/** Directory: users and aliases files changed while it runs. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Directory, hashPassword, writeUsersFile } from "../../src/auth/mod.ts";
import { BASE_USERS, bobHash, withDirectory } from "./directory_fixture.ts";

Deno.test("Directory notices a deleted user, but stats the file at most once per second", async () => {
  await withDirectory(async ({ dir, directory, clock }) => {
    assert.equal((await directory.resolveRecipient("carol@example.com")).kind, "local");
    const users = new Map(
      BASE_USERS.filter((u) => u !== "carol@example.com").map((u) => [u, bobHash]),
    );
    await writeUsersFile(join(dir, "users"), users);
    clock.ms += 500;
    assert.equal((await directory.resolveRecipient("carol@example.com")).kind, "local");
    clock.ms += 600;
    assert.deepEqual(await directory.resolveRecipient("carol@example.com"), { kind: "unknown" });
  });
});

Deno.test("Directory says a recipient is unknown only after looking at the files now: an account or alias added within the second gets its mail", async () => {
  await withDirectory(async ({ dir, directory }) => {
    // No time passes: `user add eve` returned, then a message for eve came (or sendmail queued
    // one, which the server delivers within its wake poll). A 550 or a 5.1.1 bounce is final.
    assert.deepEqual(await directory.resolveRecipient("eve@example.com"), { kind: "unknown" });
    const users = new Map([...BASE_USERS, "eve@example.com"].map((u) => [u, bobHash]));
    await writeUsersFile(join(dir, "users"), users);
    assert.deepEqual(await directory.resolveRecipient("eve@example.com"), {
      kind: "local",
      mailboxes: ["eve@example.com"],
    });
    assert.equal(await directory.verifyLogin("eve@example.com", "bob-secret"), true);
    // An alias whose target did not exist a moment ago, and a new alias.
    assert.deepEqual((await directory.resolveRecipient("ghost@example.com")).kind, "unknown");
    await Deno.writeTextFile(
      join(dir, "aliases"),
      "ghost@example.com: eve@example.com\nsales@example.com: eve@example.com\n",
    );
    for (const alias of ["ghost@example.com", "sales@example.com"]) {
      assert.deepEqual(await directory.resolveRecipient(alias), {
        kind: "local",
        mailboxes: ["eve@example.com"],
      });
    }
  });
});

Deno.test("Directory looks at the files now for an alias target it does not know: an account added within the second gets its copy", async () => {
  await withDirectory(async ({ dir, directory }) => {
    const before = await directory.resolveRecipient("half@example.com");
    assert.deepEqual(before.unknownTargets, ["gone@example.com", "pure-loop@example.com"]);
    const users = new Map([...BASE_USERS, "gone@example.com"].map((u) => [u, bobHash]));
    await writeUsersFile(join(dir, "users"), users);
    // No time passes: the unknown target would otherwise be bounced 5.1.1 though it exists.
    assert.deepEqual(await directory.resolveRecipient("half@example.com"), {
      kind: "local",
      mailboxes: ["bob@example.com", "gone@example.com"],
      unknownTargets: ["pure-loop@example.com"],
    });
  });
});

Deno.test("Directory.verifyLogin() sees a changed password, a deleted account and a new one at once, with no time passed", async () => {
  await withDirectory(async ({ dir, directory }) => {
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-secret"), true);
    // `pillarbox user passwd bob`, `user del carol` and `user add eve`, all within the second.
    const newHash = await hashPassword("bob-new");
    const users = new Map(
      [...BASE_USERS, "eve@example.com"].filter((u) => u !== "carol@example.com").map((u) => [
        u,
        u === "bob@example.com" ? newHash : bobHash,
      ]),
    );
    await writeUsersFile(join(dir, "users"), users);
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-secret"), false);
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-new"), true);
    assert.equal(await directory.verifyLogin("carol@example.com", "bob-secret"), false);
    assert.equal(await directory.verifyLogin("eve@example.com", "bob-secret"), true);
  });
});

Deno.test("Directory.verifyLogin() calls at once all see a password changed before them", async () => {
  await withDirectory(async ({ dir, directory }) => {
    // A lookup under way (its stat may come before the change) must not answer the logins after it.
    const earlier = directory.resolveRecipient("bob@example.com");
    await writeUsersFile(
      join(dir, "users"),
      new Map([["bob@example.com", await hashPassword("x")]]),
    );
    const logins = await Promise.all([
      directory.verifyLogin("bob@example.com", "bob-secret"),
      directory.verifyLogin("bob@example.com", "x"),
      directory.verifyLogin("carol@example.com", "bob-secret"),
    ]);
    assert.deepEqual(logins, [false, true, false]);
    assert.equal((await earlier).kind, "local");
  });
});

Deno.test("Directory notices a changed aliases file and one emptied", async () => {
  await withDirectory(async ({ dir, directory, clock }) => {
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    await Deno.writeTextFile(join(dir, "aliases"), "sales@example.com: carol@example.com\n");
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("team@example.com"), { kind: "unknown" });
    assert.equal((await directory.resolveRecipient("sales@example.com")).kind, "local");
    await Deno.writeTextFile(join(dir, "aliases"), "# no aliases\n");
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("sales@example.com"), { kind: "unknown" });
  });
});

Deno.test("Directory keeps the aliases while the aliases file is gone for a moment, logs once, and takes it back", async () => {
  await withDirectory(async ({ dir, directory, clock, logLines }) => {
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    // `mv aliases aliases.old; mv aliases.new aliases`, caught between the two.
    await Deno.rename(join(dir, "aliases"), join(dir, "aliases.old"));
    for (let i = 0; i < 2; i++) {
      clock.ms += 1000;
      assert.deepEqual(await directory.resolveRecipient("team@example.com"), {
        kind: "local",
        mailboxes: ["bob@example.com", "carol@example.com"],
      });
    }
    assert.equal(logLines.length, 1, logLines.join("\n"));
    assert.match(logLines[0] ?? "", /level=warn event=auth.reload_failed .*aliases is gone/);
    await Deno.writeTextFile(join(dir, "aliases"), "sales@example.com: carol@example.com\n");
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("team@example.com"), { kind: "unknown" });
    assert.equal((await directory.resolveRecipient("sales@example.com")).kind, "local");
  });
});

Deno.test("Directory without an aliases file at start has no aliases, and takes one made later", async () => {
  await withDirectory(async ({ dir, clock }) => {
    await Deno.remove(join(dir, "aliases"));
    const directory = new Directory({
      usersFile: join(dir, "users"),
      aliasesFile: join(dir, "aliases"),
      domains: ["example.com"],
      now: () => clock.ms,
    });
    await directory.load();
    assert.deepEqual(await directory.resolveRecipient("sales@example.com"), { kind: "unknown" });
    await Deno.writeTextFile(join(dir, "aliases"), "sales@example.com: carol@example.com\n");
    clock.ms += 1000;
    assert.equal((await directory.resolveRecipient("sales@example.com")).kind, "local");
  });
});

Deno.test("Directory keeps the last good aliases when the file turns malformed, and logs once", async () => {
  await withDirectory(async ({ dir, directory, clock, logLines }) => {
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    await Deno.writeTextFile(join(dir, "aliases"), "team@example.com bob@example.com\n");
    clock.ms += 1000;
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    clock.ms += 1000;
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    assert.equal(logLines.length, 1);
    assert.match(logLines[0] ?? "", /level=warn event=auth.reload_failed .*line 1/);
  });
});

Deno.test("Directory calls an address unknown for sure only while both files load: a new alias in a malformed file is no final 'no such user'", async () => {
  await withDirectory(async ({ dir, directory, clock }) => {
    await directory.load();
    const broken = "team@example.com: bob@example.com\nsales@example.com: bob@example.com\noops\n";
    await Deno.writeTextFile(join(dir, "aliases"), broken);
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("sales@example.com"), {
      kind: "unknown",
      isStale: true,
    });
    assert.equal(directory.isStale(), true);
    // What was loaded before still answers for the addresses it knows.
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    await Deno.writeTextFile(join(dir, "aliases"), broken.replace("oops\n", ""));
    clock.ms += 1000;
    assert.equal((await directory.resolveRecipient("sales@example.com")).kind, "local");
    assert.deepEqual(await directory.resolveRecipient("nobody@example.com"), { kind: "unknown" });
    assert.equal(directory.isStale(), false);
    // A users file gone for a moment: the same.
    await Deno.rename(join(dir, "users"), join(dir, "users.old"));
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("nobody@example.com"), {
      kind: "unknown",
      isStale: true,
    });
    await Deno.rename(join(dir, "users.old"), join(dir, "users"));
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("nobody@example.com"), { kind: "unknown" });
  });
});

Deno.test("Directory.load() rejects a malformed users file at startup", async () => {
  await withDirectory(async ({ dir, directory }) => {
    await Deno.writeTextFile(join(dir, "users"), "garbage\n");
    await assert.rejects(directory.load(), /Cannot read users file .*line 1/);
  });
});

Deno.test("Directory keeps the accounts while the users file is gone for a moment, logs once, and takes it back", async () => {
  await withDirectory(async ({ dir, directory, clock, logLines }) => {
    assert.equal((await directory.resolveRecipient("carol@example.com")).kind, "local");
    // `mv users users.old`, as an editor or a half-done swap does.
    await Deno.rename(join(dir, "users"), join(dir, "users.old"));
    for (let i = 0; i < 2; i++) {
      clock.ms += 1000;
      assert.equal((await directory.resolveRecipient("carol@example.com")).kind, "local");
    }
    assert.equal(logLines.length, 1, logLines.join("\n"));
    assert.match(logLines[0] ?? "", /level=warn event=auth.reload_failed .*users is gone/);
    // The file back, with one account fewer: that is what counts now.
    await writeUsersFile(
      join(dir, "users"),
      new Map(BASE_USERS.filter((u) => u !== "carol@example.com").map((u) => [u, bobHash])),
    );
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("carol@example.com"), { kind: "unknown" });
  });
});

Deno.test("Directory keeps the accounts and aliases while their files are truncated to be written in place, logs once each, and takes the new text", async () => {
  await withDirectory(async ({ dir, directory, clock, logLines }) => {
    await directory.load();
    const usersText = await Deno.readTextFile(join(dir, "users"));
    // `cat users.new > users`, caught between the truncate and the write.
    await Deno.truncate(join(dir, "users"));
    await Deno.truncate(join(dir, "aliases"));
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-secret"), true);
    for (let i = 0; i < 2; i++) {
      clock.ms += 1000;
      assert.deepEqual(await directory.resolveRecipient("carol@example.com"), {
        kind: "local",
        mailboxes: ["carol@example.com"],
      });
      assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    }
    assert.equal(logLines.length, 2, logLines.join("\n"));
    assert.match(logLines.join("\n"), /event=auth.reload_failed .*users is empty/);
    assert.match(logLines.join("\n"), /event=auth.reload_failed .*aliases is empty/);
    await Deno.writeTextFile(
      join(dir, "users"),
      usersText.split("\n").filter((line) => !line.startsWith("carol@")).join("\n"),
    );
    await Deno.writeTextFile(join(dir, "aliases"), "# none\n");
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("carol@example.com"), { kind: "unknown" });
    assert.deepEqual(await directory.resolveRecipient("team@example.com"), { kind: "unknown" });
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-secret"), true);
  });
});

Deno.test("Directory notices a new user after the clock was set back an hour", async () => {
  await withDirectory(async ({ dir, directory, clock }) => {
    assert.deepEqual(await directory.resolveRecipient("eve@example.com"), { kind: "unknown" });
    // NTP steps the clock back; then `pillarbox user add eve`.
    clock.ms -= 3_600_000;
    const users = new Map([...BASE_USERS, "eve@example.com"].map((u) => [u, bobHash]));
    await writeUsersFile(join(dir, "users"), users);
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("eve@example.com"), {
      kind: "local",
      mailboxes: ["eve@example.com"],
    });
  });
});

Deno.test("Directory.loginStanding() tells a login current, its password changed (or the account made again) and its account removed, with no time passed", async () => {
  await withDirectory(async ({ dir, directory }) => {
    const grant = await directory.verifyLoginGrant("Carol@Example.com", "bob-secret");
    assert.ok(grant !== null);
    assert.equal(await directory.loginStanding("carol@example.com", grant), "current");
    const otherHash = await hashPassword("carol-new");
    const changed = new Map(
      BASE_USERS.map((u) => [u, u === "carol@example.com" ? otherHash : bobHash]),
    );
    await writeUsersFile(join(dir, "users"), changed);
    assert.equal(await directory.loginStanding("carol@example.com", grant), "changed");
    const removed = new Map(
      BASE_USERS.filter((u) => u !== "carol@example.com").map((u) => [u, bobHash]),
    );
    await writeUsersFile(join(dir, "users"), removed);
    // The users file as looked at a moment ago (IDLE's timer), then as it is now.
    assert.equal(
      await directory.loginStanding("carol@example.com", grant, { isFresh: false }),
      "changed",
    );
    assert.equal(await directory.loginStanding("carol@example.com", grant), "removed");
  });
});
