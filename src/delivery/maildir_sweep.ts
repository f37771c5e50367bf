/**
 * Start-up clean-up of Maildir `tmp/` folders. A delivery interrupted by a
 * crash leaves its half-done file in `tmp/`; the message itself is still in
 * the queue and is delivered again, so the leftover is garbage. Run before
 * any delivery or mailbox session starts: nothing can be writing then.
 */
import { join } from "node:path";

/** Removes every file in `<spoolDir>/mail/<domain>/<local>/tmp/`; returns how many. */
export async function sweepMaildirTmp(spoolDir: string): Promise<number> {
  let removed = 0;
  for (const domain of await subdirectories(join(spoolDir, "mail"))) {
    for (const local of await subdirectories(domain)) {
      const tmp = join(local, "tmp");
      for (const name of await fileNames(tmp)) {
        await Deno.remove(join(tmp, name)).then(() => removed++, () => {});
      }
    }
  }
  return removed;
}

async function subdirectories(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory) out.push(join(dir, entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}

async function fileNames(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) if (entry.isFile) out.push(entry.name);
  } catch (error) {
    // A file where one mailbox's tmp/ belongs has nothing to sweep: that mailbox's
    // deliveries fail (and say why) until it is mended; nobody else's mail waits.
    if (error instanceof Deno.errors.NotADirectory) return out;
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}
