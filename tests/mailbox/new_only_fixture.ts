/** A loaded mailbox and the clocks and folders around it, for the tests of its listing. */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import { Mailboxes, MaildirStore } from "../../src/mailbox/mod.ts";
import { ageCur, listedDirs } from "./listing_fixture.ts";

export { ageCur, listedDirs };

export const ACCOUNT = "bob@example.test";
const encoder = new TextEncoder();
export const message = (subject: string) => encoder.encode(`Subject: ${subject}\r\n\r\nbody\r\n`);

/** A loaded mailbox of three messages in cur/ (one \Seen), listed soundly. */
export async function loaded() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-new-only-" });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log: new Logger(), store });
  const dir = mailboxes.accountDir(ACCOUNT);
  for (let i = 1; i <= 3; i++) {
    Deno.mkdirSync(`${dir}/cur`, { recursive: true });
    Deno.writeFileSync(
      `${dir}/cur/170000000${i}.M${i}P1.old,S=24:2,${i === 2 ? "S" : ""}`,
      message(`old ${i}`),
    );
  }
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  ageCur(dir);
  const first = await listedDirs(() => mailbox.refresh());
  assert.deepEqual(first.dirs.sort(), ["cur", "new"], "the first listing reads both");
  ageCur(dir);
  return { store, mailbox, dir, uids: first.result.map((m) => m.uid) };
}

/** Runs `body` with the wall clock `aheadMs` ahead (directory mtimes stay real). */
export async function later<T>(aheadMs: number, body: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow() + aheadMs;
  try {
    return await body();
  } finally {
    Date.now = realNow;
  }
}

/** Sets `folder`'s mtime to `when` (whole milliseconds, so the stamp can be put back exactly). */
export function setMtime(dir: string, folder: "new" | "cur", when: Date): void {
  Deno.utimeSync(`${dir}/${folder}`, when, when);
}
