/** A Directory over a users and an aliases file of its own, with a clock the test moves. */
import { join } from "node:path";
import { Directory, hashPassword, writeUsersFile } from "../../src/auth/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { makeTestDir } from "../temp_dirs.ts";

export const bobHash = await hashPassword("bob-secret");
export const BASE_USERS = ["bob@example.com", "carol@example.com", "dave@example.net"];

export const ALIASES = `
# two users
team@example.com: bob@example.com, Carol@example.com
# a chain: a -> b -> c -> carol
a@example.com: b@example.com
b@example.com: c@example.com
c@example.com: carol@example.com
# a loop, with one real user inside
loop1@example.com: loop2@example.com
loop2@example.com: loop1@example.com, bob@example.com
pure-loop@example.com: pure-loop@example.com
# remote forward, mixed
ext@example.com: friend@elsewhere.org
mixed@example.com: bob@example.com, friend@elsewhere.org, bob@example.com
# exact user beats alias
bob@example.com: carol@example.com
# catch-all of the second domain
@example.net: dave@example.net
# an alias pointing at nobody
ghost@example.com: nobody@example.com
# one target that exists, one that does not
half@example.com: bob@example.com, gone@example.com, pure-loop@example.com
`;

export type Fixture = {
  dir: string;
  directory: Directory;
  clock: { ms: number };
  logLines: string[];
};

export async function withDirectory(body: (f: Fixture) => void | Promise<void>): Promise<void> {
  const dir = makeTestDir({ prefix: "pillarbox-directory-" });
  try {
    await writeUsersFile(join(dir, "users"), new Map(BASE_USERS.map((u) => [u, bobHash])));
    await Deno.writeTextFile(join(dir, "aliases"), ALIASES);
    const clock = { ms: 1_000_000 };
    const logLines: string[] = [];
    const directory = new Directory({
      usersFile: join(dir, "users"),
      aliasesFile: join(dir, "aliases"),
      domains: ["Example.com", "example.net"],
      now: () => clock.ms,
      log: new Logger({ sink: (line) => logLines.push(line) }),
    });
    await body({ dir, directory, clock, logLines });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
