/** A pickup watcher on a fresh spool, for the tests that drive one in-process. */
import { makeTestDir } from "../temp_dirs.ts";
import { promises as fsPromises } from "node:fs";
import { join } from "node:path";
import { Directory } from "../../src/auth/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { PickupWatcher } from "../../src/pickup/mod.ts";
import { Spool } from "../../src/spool/mod.ts";

/** A message the watcher moves aside: no To, Cc or Bcc. */
export const NO_RECIPIENT = "From: a@example.test\nSubject: x\n\nbody\n";

/** Waits (polling) until `isDone()`, failing after 15 s with `what`. */
export async function waitFor(what: string, isDone: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!isDone()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A watcher on a fresh spool that scans every 50 ms, its log lines kept in `lines`. */
export async function newWatcher(options: { maxMessageBytes?: number; stableMs?: number } = {}) {
  const spoolDir = makeTestDir({ prefix: "pillarbox-pickup-" });
  const lines: string[] = [];
  const log = new Logger({ level: "info", sink: (line) => lines.push(line) });
  const spool = await Spool.open({ spoolDir, log, spareFiles: 0 });
  const directory = new Directory({
    usersFile: join(spoolDir, "users"),
    aliasesFile: join(spoolDir, "aliases"),
    domains: ["example.test"],
  });
  const watcher = new PickupWatcher({
    spoolDir,
    spool,
    directory,
    hostname: "mx.test",
    defaultDomain: "example.test",
    maxMessageBytes: options.maxMessageBytes ?? 1_000_000,
    log,
    scanIntervalMs: 50,
    stableMs: options.stableMs ?? 50,
  });
  /** Stops the watcher and removes the spool (after any stubbed Deno call is restored). */
  const close = async () => {
    await watcher.stop();
    spool.spares?.close();
    await Deno.remove(spoolDir, { recursive: true });
  };
  return { spoolDir, lines, spool, watcher, close };
}

/** A message dropped into pickup/ as a local program would. */
export function dropMessage(spoolDir: string, name: string): void {
  Deno.writeTextFileSync(
    join(spoolDir, "pickup", name),
    "From: a@example.test\nTo: b@example.test\n\nhi\n",
  );
}

/**
 * Stands in for the server's open of a claimed pickup file (readSameFile opens it with
 * node:fs, which takes O_NONBLOCK): `onOpen` runs first and may throw, as the open would.
 * Returns the undo.
 */
export function stubClaimOpens(onOpen: (path: string) => void): () => void {
  const open = fsPromises.open;
  fsPromises.open = ((path: Parameters<typeof open>[0], ...rest: unknown[]) => {
    if (String(path).includes(".claimed-")) {
      try {
        onOpen(String(path));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return (open as (...args: unknown[]) => ReturnType<typeof open>)(path, ...rest);
  }) as typeof open;
  return () => {
    fsPromises.open = open;
  };
}
