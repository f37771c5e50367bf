/**
 * Another user's file in the pickup folder (a web app's, with the folder
 * opened to it): where the kernel protects hard links (Linux
 * fs.protected_hardlinks=1, Debian's default), the server may not link a file
 * it neither owns nor may write, so a claim of it cannot be released by a
 * link. It must still come back under a visible name, or the message stays
 * hidden as `.claimed-*` for good. Run as root without the capabilities that
 * override the protection (setpriv), the way the service user meets it.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { canDropOverrides, denoWithoutOverrides } from "../app/without_overrides.ts";

const CLAIM_MODULE = new URL("../../src/pickup/claim.ts", import.meta.url).href;
/** `nobody` on Debian: the producer, neither root nor the server. */
const PRODUCER = { uid: 65534, gid: 65534 };

/** Where the kernel protects hard links (Debian's default), and the overrides can be dropped. */
async function canMeetProtectedLinks(): Promise<boolean> {
  try {
    // Read by a child: Deno refuses /proc/sys to a test without --allow-all (NotCapable),
    // which ignored this test under the permissions CI grants.
    const read = await new Deno.Command("cat", {
      args: ["/proc/sys/fs/protected_hardlinks"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const protectedLinks = new TextDecoder().decode(read.stdout);
    return read.success && protectedLinks.trim() === "1" && await canDropOverrides();
  } catch {
    return false;
  }
}

Deno.test({
  name: "a claim of another user's pickup file left by a crash is released under a visible name",
  ignore: !await canMeetProtectedLinks(),
  fn: async () => {
    const dir = makeTestDir({ prefix: "pillarbox-claim-" });
    try {
      const claim = join(dir, ".claimed-0123456789ab.msg");
      await Deno.writeTextFile(claim, "To: bob@example.test\n\nhi\n", { mode: 0o644 });
      await Deno.chown(claim, PRODUCER.uid, PRODUCER.gid);
      const run = await denoWithoutOverrides([
        "eval",
        `import { releaseLeftoverClaims } from ${JSON.stringify(CLAIM_MODULE)};` +
        `console.log(JSON.stringify(await releaseLeftoverClaims(${JSON.stringify(dir)})));`,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const printed = run.stdout.trim();
      assert.deepEqual(JSON.parse(printed), { released: 1, failed: [] });
      const names = [...Deno.readDirSync(dir)].map((entry) => entry.name);
      assert.equal(names.length, 1, names.join(", "));
      assert.match(names[0]!, /^msg(\.[0-9a-f]+)?$/, "visible, named after the file");
      assert.equal(
        await Deno.readTextFile(join(dir, names[0]!)),
        "To: bob@example.test\n\nhi\n",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "another user's pickup file with a name near 255 bytes, claimed and given back, " +
    "comes back under a visible name that fits",
  ignore: !await canMeetProtectedLinks(),
  fn: async () => {
    const dir = makeTestDir({ prefix: "pillarbox-claim-" });
    try {
      // A claim of a name this long carries no name (see claimFile): the release gets it
      // from the caller, and may not link a file of nobody's, so it renames it.
      const longName = "m".repeat(250);
      const claim = join(dir, ".claimed-0123456789ab");
      await Deno.writeTextFile(claim, "To: bob@example.test\n\nhi\n", { mode: 0o644 });
      await Deno.chown(claim, PRODUCER.uid, PRODUCER.gid);
      const run = await denoWithoutOverrides([
        "eval",
        `import { releaseClaim } from ${JSON.stringify(CLAIM_MODULE)};` +
        `console.log(await releaseClaim(${JSON.stringify(claim)}, ${JSON.stringify(dir)}, ` +
        `${JSON.stringify(longName)}));`,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const names = [...Deno.readDirSync(dir)].map((entry) => entry.name);
      assert.deepEqual(names, [run.stdout.trim()]);
      assert.ok(!names[0]!.startsWith("."), `visible: ${names[0]}`);
      assert.equal(
        await Deno.readTextFile(join(dir, names[0]!)),
        "To: bob@example.test\n\nhi\n",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
