/**
 * Another user's file in the pickup folder (a web app's, with the folder
 * opened to it): where the kernel protects hard links (Linux
 * fs.protected_hardlinks=1, Debian's default), the server may not link a file
 * it neither owns nor may write, so a claim of it cannot be released by a
 * link. It must still come back under a visible name, or the message stays
 * hidden as `.claimed-*` for good. Run as root without the capabilities that
 * override the protection (setpriv), the way the service user meets it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const CLAIM_MODULE = new URL("../../src/pickup/claim.ts", import.meta.url).href;
/** `nobody` on Debian: the producer, neither root nor the server. */
const PRODUCER = { uid: 65534, gid: 65534 };

async function canDropOverrides(): Promise<boolean> {
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) return false;
  try {
    const protectedLinks = (await Deno.readTextFile("/proc/sys/fs/protected_hardlinks")).trim();
    const probe = await new Deno.Command("setpriv", { args: ["--version"], stdout: "null" })
      .output();
    return protectedLinks === "1" && probe.success;
  } catch {
    return false;
  }
}

/** Runs `code` in a deno without CAP_FOWNER and CAP_DAC_*: like the service user, for links. */
async function runWithoutOverrides(code: string): Promise<string> {
  const output = await new Deno.Command("setpriv", {
    args: [
      "--bounding-set=-fowner,-dac_override,-dac_read_search",
      Deno.execPath(),
      "eval",
      code,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, stderr);
  return new TextDecoder().decode(output.stdout).trim();
}

Deno.test({
  name: "a claim of another user's pickup file left by a crash is released under a visible name",
  ignore: !await canDropOverrides(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pillarbox-claim-" });
    try {
      const claim = join(dir, ".claimed-0123456789ab.msg");
      await Deno.writeTextFile(claim, "To: bob@example.test\n\nhi\n", { mode: 0o644 });
      await Deno.chown(claim, PRODUCER.uid, PRODUCER.gid);
      const printed = await runWithoutOverrides(
        `import { releaseLeftoverClaims } from ${JSON.stringify(CLAIM_MODULE)};` +
          `console.log(JSON.stringify(await releaseLeftoverClaims(${JSON.stringify(dir)})));`,
      );
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
