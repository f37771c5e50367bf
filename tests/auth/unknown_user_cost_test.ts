/**
 * A login to an account that does not exist costs the same scrypt as a wrong
 * password for one that does, so the time of a refusal does not tell a
 * guesser which addresses are accounts. Counted, not timed: every scrypt
 * starts by putting the password in NFC, so the test counts how often the
 * password it sent is normalized.
 */
import assert from "node:assert/strict";
import { withDirectory } from "./directory_fixture.ts";

const PROBE = "probe-password-7f3a";

/** How many times `PROBE` went into a hash while `body` ran. */
async function hashesOfProbe(body: () => Promise<unknown>): Promise<number> {
  const original = String.prototype.normalize;
  let count = 0;
  String.prototype.normalize = function (this: string, form?: string) {
    if (String(this) === PROBE) count++;
    return original.call(this, form);
  };
  try {
    await body();
  } finally {
    String.prototype.normalize = original;
  }
  return count;
}

Deno.test("Directory.verifyLogin() hashes the password of an unknown user as it does a known user's", async () => {
  await withDirectory(async ({ directory }) => {
    const known = await hashesOfProbe(async () => {
      assert.equal(await directory.verifyLogin("bob@example.com", PROBE), false);
    });
    assert.equal(known, 1, "a wrong password for an account: one scrypt");
    for (const user of ["nobody@example.com", "team@example.com", "bob@elsewhere.org", "bob"]) {
      const unknown = await hashesOfProbe(async () => {
        assert.equal(await directory.verifyLogin(user, PROBE), false, user);
      });
      assert.equal(unknown, known, `${user}: as many hashes as for an account`);
    }
  });
});
