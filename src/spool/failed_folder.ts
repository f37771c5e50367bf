/**
 * `<spool-dir>/failed/`: messages that can be neither delivered nor bounced
 * (a bounce, from `<>`, that failed). Each is the queue file as it was,
 * `<qid>`, with `<qid>.reason` next to it saying why. Nothing here is retried.
 */
import { join } from "node:path";
import { writeFileDurably } from "./durable_file.ts";
import { syncDir } from "./dir_sync.ts";

/** The failed folder of a spool directory. */
export function failedDir(spoolDir: string): string {
  return join(spoolDir, "failed");
}

/**
 * Moves queue file `msgDir/<qid>` into the failed folder, writing the note
 * first, so the message is never without its reason and never lost. Null
 * when there was no queue file (`queue delete` took it meanwhile): then no
 * note is left either.
 */
export async function moveToFailed(
  options: { spoolDir: string; msgDir: string; qid: string; note: string },
): Promise<string | null> {
  const dir = failedDir(options.spoolDir);
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, options.qid);
  const notePath = `${target}.reason`;
  await Deno.remove(notePath).catch(() => {});
  await writeFileDurably(notePath, [new TextEncoder().encode(options.note)]);
  try {
    await Deno.rename(join(options.msgDir, options.qid), target);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    await Deno.remove(notePath).catch(() => {});
    return null;
  }
  await syncDir(dir);
  await syncDir(options.msgDir);
  return target;
}
