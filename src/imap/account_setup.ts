/**
 * Per-account IMAP state next to the Maildir: the subscriptions file, and
 * the special-use folders (RFC 6154) made once, at the first login.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../spool/mod.ts";
import { INBOX, type Mailboxes } from "../mailbox/mod.ts";
import { SPECIAL_USE } from "./folder_names.ts";
import { DOVECOT_SUBSCRIPTIONS_FILE, parseDovecotSubscriptions } from "./dovecot_subscriptions.ts";

const SUBSCRIPTIONS_FILE = "pillarbox-subscriptions";
const READY_MARKER = "pillarbox-imap-ready";

/** Creates INBOX and the special-use folders, subscribed, unless done before. */
export async function prepareAccount(mailboxes: Mailboxes, account: string): Promise<void> {
  const dir = mailboxes.accountDir(account);
  const marker = join(dir, READY_MARKER);
  if (await Deno.stat(marker).then(() => true, () => false)) return;
  for (const folder of [INBOX, ...SPECIAL_USE.keys()]) {
    const mailbox = await mailboxes.openMailbox(account, folder, { create: true });
    mailbox.release();
  }
  await updateSubscriptions(dir, (names) => [INBOX, ...SPECIAL_USE.keys(), ...names]);
  await Deno.writeFile(marker, new Uint8Array(), { mode: 0o600 });
}

/**
 * The subscribed mailbox names, in file order. Until the account has a file
 * of ours, Dovecot's is read (a Maildir moved here from Dovecot); the first
 * change writes ours with its names, and Dovecot's is left as it was.
 */
export async function readSubscriptions(accountDir: string): Promise<string[]> {
  const ours = await readTextIfAny(join(accountDir, SUBSCRIPTIONS_FILE));
  if (ours !== null) return ours.split("\n").filter((line) => line !== "");
  const dovecot = await readTextIfAny(join(accountDir, DOVECOT_SUBSCRIPTIONS_FILE));
  return dovecot === null ? [] : parseDovecotSubscriptions(dovecot);
}

async function readTextIfAny(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** Work queued per account directory and kind: each task waits for the one before. */
const queues = new Map<string, Promise<void>>();

/** Runs `task` after every earlier task queued under `key`. */
function queued<T>(key: string, task: () => Promise<T>): Promise<T> {
  const result = (queues.get(key) ?? Promise.resolve()).then(task);
  const settled = result.then(() => {}, () => {});
  queues.set(key, settled);
  settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return result;
}

/**
 * Runs a folder change (CREATE, DELETE, RENAME: check, then act) of one
 * account after the ones before it, so two sessions creating one name are
 * not both told they did.
 */
export function changeFolders<T>(accountDir: string, task: () => Promise<T>): Promise<T> {
  return queued(`folders:${accountDir}`, task);
}

/**
 * Changes the subscriptions: `change` gets the current names and returns
 * the new ones (it may throw to refuse). Changes to one account run one at
 * a time, so sessions subscribing at once never write over each other.
 */
export function updateSubscriptions(
  accountDir: string,
  change: (names: string[]) => readonly string[],
): Promise<void> {
  return queued(`subscriptions:${accountDir}`, async () => {
    await writeSubscriptions(accountDir, change(await readSubscriptions(accountDir)));
  });
}

/** Replaces the subscriptions (atomically); see `updateSubscriptions`. */
async function writeSubscriptions(
  accountDir: string,
  names: readonly string[],
): Promise<void> {
  const unique = [...new Set(names)];
  const text = unique.map((name) => name + "\n").join("");
  await writeFileAtomic(join(accountDir, SUBSCRIPTIONS_FILE), [
    new TextEncoder().encode(text),
  ]);
}
