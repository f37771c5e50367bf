/**
 * Selecting and leaving a mailbox: SELECT, EXAMINE, CLOSE, UNSELECT, CHECK,
 * EXPUNGE, UID EXPUNGE, and IDLE (RFC 2177), which pushes changes as they happen.
 */
import { bad, ImapError, no } from "../errors.ts";
import { flagsLine, formatFlags, SYSTEM_FLAGS } from "../flags.ts";
import type { CommandCursor } from "../parser.ts";
import { SelectedMailbox } from "../selected.ts";
import { pickFromAscending } from "../sequence_set.ts";
import type { ImapSession } from "../session.ts";
import type { LineRead } from "../../net/mod.ts";
import { mailboxArg } from "./mailboxes.ts";
import { openExisting } from "./status.ts";
import { IDLE_LOGIN_CHECK_MS, revokedLogin } from "../revoked_login.ts";
import { type Done, type ImapCommand, LOGGED_IN } from "./types.ts";

const SELECTED = ["selected"] as const;

function selectWith(isReadOnly: boolean) {
  return async (session: ImapSession, cursor: CommandCursor): Promise<Done> => {
    const folder = mailboxArg(cursor);
    cursor.end();
    let mailbox;
    try {
      // Opened before the old one is released, so reselecting reuses the loaded listing.
      mailbox = await openExisting(session, folder);
    } finally {
      session.deselect();
    }
    let messages;
    try {
      messages = await mailbox.refresh();
    } catch (error) {
      mailbox.release();
      throw error;
    }
    const selected = new SelectedMailbox(mailbox, {
      isReadOnly,
      messages,
      origin: session,
      onGone: (reason) => session.endForGoneSelection(selected, `Selected mailbox was ${reason}`),
    });
    session.selected = selected;
    await selected.claimsSaved();
    const firstUnseen = messages.findIndex((message) => !message.flags.includes("\\Seen"));
    session.send(flagsLine(mailbox.keywords));
    session.send(`* ${selected.count} EXISTS\r\n* ${selected.recentCount} RECENT\r\n`);
    if (firstUnseen >= 0) session.send(`* OK [UNSEEN ${firstUnseen + 1}] First unseen\r\n`);
    session.send(`* OK [UIDVALIDITY ${mailbox.uidValidity}] UIDs valid\r\n`);
    session.send(`* OK [UIDNEXT ${mailbox.uidNext}] Predicted next UID\r\n`);
    // "\*": clients may create keywords (stored per mailbox, see mailbox/keywords.ts),
    // until its 26 letters are taken (RFC 3501 7.1: \* promises that a new one can be made).
    const mayCreate = mailbox.mayAddKeywords ? ["\\*"] : [];
    const permanent = isReadOnly
      ? "()"
      : formatFlags([...SYSTEM_FLAGS, ...mailbox.keywords, ...mayCreate], false);
    session.send(`* OK [PERMANENTFLAGS ${permanent}] Flags and keywords persist\r\n`);
    session.log.debug("imap.select", { folder, messages: selected.count });
    return {
      code: isReadOnly ? "READ-ONLY" : "READ-WRITE",
      text: `${isReadOnly ? "EXAMINE" : "SELECT"} completed`,
    };
  };
}

/** Expunges the \Deleted messages in view (those in `uidSet` only, when given). */
async function expungeDeleted(
  session: ImapSession,
  uidSet: ReturnType<CommandCursor["sequenceSet"]> | null,
): Promise<void> {
  const selected = session.selected as SelectedMailbox;
  if (selected.isReadOnly) throw no("Mailbox is read-only", "READ-ONLY");
  const uids = selected.uids();
  const inSet = uidSet === null
    ? uids
    : pickFromAscending(uidSet, uids, selected.maxUid).map((i) => uids[i] as number);
  const doomed = inSet.filter((uid) => selected.mailbox.get(uid)?.flags.includes("\\Deleted"));
  if (doomed.length > 0) await selected.mailbox.expunge(doomed, { origin: session });
}

async function expunge(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  cursor.end();
  await expungeDeleted(session, null);
  return {};
}

async function uidExpunge(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const set = cursor.sequenceSet();
  cursor.end();
  await expungeDeleted(session, set);
  return {};
}

async function close(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  cursor.end();
  if (session.selected?.isReadOnly === false) await expungeDeleted(session, null);
  session.deselect();
  return {};
}

async function unselect(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  cursor.end();
  session.deselect();
  return await Promise.resolve({});
}

async function check(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  cursor.end();
  await session.selected?.mailbox.refresh();
  return {};
}

async function idle(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  cursor.end();
  session.send("+ idling\r\n");
  await refreshInIdle(session);
  // One reaction on the pending read for the whole IDLE: a Promise.race on it per wake-up
  // would add one each time, kept until DONE (a busy mailbox wakes us thousands of times).
  let read: LineRead | null = null;
  let readError: unknown = null;
  let wakeOnLine: (() => void) | null = null;
  session.connection.readLine(64).then((result) => {
    read = result;
    wakeOnLine?.();
  }, (error) => {
    readError = error ?? new Error("IDLE: the read failed");
    wakeOnLine?.();
  });
  while (true) {
    session.sendUpdates({ mayExpunge: true });
    session.connection.flush();
    if (session.isLoggingOut) return { isAnswered: true };
    if (read === null && readError === null) {
      const selected = session.selected;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let isTimeUp = false;
      await new Promise<void>((resolve) => {
        wakeOnLine = resolve;
        selected?.waitForChange().then(resolve);
        timer = setTimeout(() => {
          isTimeUp = true;
          resolve();
        }, IDLE_LOGIN_CHECK_MS);
      });
      clearTimeout(timer);
      wakeOnLine = null;
      const revoked = await revokedLogin(session, { isFresh: false });
      if (revoked !== null) throw revoked;
      // What this process does to the folder wakes us at once; what another program does
      // (procmail, getmail, Dovecot's LDA, a mutt, delivering or deleting) only a look at
      // the folder finds, cheap while its stamp is unchanged. RFC 9051 6.3.13: the server
      // sends EXISTS and EXPUNGE while idling; without this, not until DONE.
      if (isTimeUp && read === null && readError === null) await refreshInIdle(session);
    }
    if (readError !== null) throw readError;
    const line = read as LineRead | null;
    if (line === null) continue; // a change to announce
    if (line.kind === "eof") {
      session.logout();
      return { isAnswered: true };
    }
    if (line.kind === "timeout") throw new ImapError("BYE", session.timeoutText());
    if (line.kind === "line" && line.text.toUpperCase() === "DONE") {
      return { text: "IDLE terminated" };
    }
    throw bad("Expected DONE");
  }
}

/**
 * Brings the selected folder's listing up to date during IDLE. A failure is
 * logged, not answered: the client has its "+" and will send DONE, and a NO
 * now would answer IDLE before it (DONE then read as a command). The changes
 * come at a later wake-up instead.
 */
async function refreshInIdle(session: ImapSession): Promise<void> {
  try {
    await session.selected?.mailbox.refresh();
  } catch (error) {
    session.log.warn("imap.refresh_failed", {
      folder: session.selected?.mailbox.folder,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** Selection commands. */
export const SELECT_COMMANDS: [string, ImapCommand][] = [
  ["SELECT", { states: LOGGED_IN, handle: selectWith(false) }],
  ["EXAMINE", { states: LOGGED_IN, handle: selectWith(true) }],
  ["CLOSE", { states: SELECTED, handle: close }],
  ["UNSELECT", { states: SELECTED, handle: unselect }],
  ["CHECK", { states: SELECTED, handle: check }],
  ["EXPUNGE", { states: SELECTED, handle: expunge }],
  ["UID EXPUNGE", { states: SELECTED, handle: uidExpunge }],
  ["IDLE", { states: LOGGED_IN, handle: idle }],
];
