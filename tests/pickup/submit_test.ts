import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Directory, hashPassword, writeUsersFile } from "../../src/auth/mod.ts";
import { resolveLocalRecipients } from "../../src/pickup/mod.ts";

async function directoryWith(aliases: string): Promise<Directory> {
  const dir = makeTestDir({ prefix: "pillarbox-submit-" });
  await writeUsersFile(
    join(dir, "users"),
    new Map([["bob@example.test", await hashPassword("x")]]),
  );
  Deno.writeTextFileSync(join(dir, "aliases"), aliases);
  return new Directory({
    usersFile: join(dir, "users"),
    aliasesFile: join(dir, "aliases"),
    domains: ["example.test"],
  });
}

const CASES: [string, string[], string[]][] = [
  [
    "an alias's remote target named again in another case",
    ["team@example.test", "Friend@elsewhere.test"],
    ["bob@example.test", "friend@elsewhere.test"],
  ],
  [
    "an unknown local address written twice in two cases",
    ["Ghost@example.test", "ghost@example.test"],
    ["Ghost@example.test"],
  ],
  [
    "a remote address written twice in two cases",
    ["Joe@remote.test", "joe@remote.test"],
    ["Joe@remote.test"],
  ],
  [
    "a remote address written with its domain in U-labels and in A-labels (RFC 5890: one domain)",
    ["joe@bücher.example", "joe@xn--bcher-kva.example"],
    ["joe@bücher.example"],
  ],
];
for (const [what, rcpts, expected] of CASES) {
  Deno.test(`resolveLocalRecipients() lists a recipient once, as SMTP RCPT does: ${what}`, async () => {
    const directory = await directoryWith(
      "team@example.test: bob@example.test, friend@elsewhere.test\n",
    );
    assert.deepEqual(await resolveLocalRecipients(directory, rcpts), expected);
  });
}
