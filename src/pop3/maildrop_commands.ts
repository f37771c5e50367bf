/**
 * TRANSACTION state (RFC 1939 5) over the snapshot taken at login, and
 * the UPDATE state at QUIT: only then are DELE-marked messages expunged.
 */
import { DotStuffStream, TopLines } from "../mail/mod.ts";
import { dovecotPop3UidlsOf, MessageGoneError, type MessageInfo } from "../mailbox/mod.ts";
import { Pop3Error } from "./pop3_error.ts";
import { ok, type Pop3Reply } from "./reply.ts";
import type { Maildrop, Pop3Session } from "./session.ts";
import { maildropUidls } from "./uidl.ts";
import { WIRE_SIZES, WireSizeCount } from "./wire_size.ts";

function maildropOf(session: Pop3Session): Maildrop {
  if (session.maildrop === null) throw new Pop3Error("Not logged in");
  return session.maildrop;
}

/** Parses a message number and finds the message; deleted or unknown numbers are refused. */
function messageAt(maildrop: Maildrop, arg: string): { number: number; message: MessageInfo } {
  // Any number of digits (RFC 1939 3: the line limit bounds it); leading zeros are allowed.
  if (!/^\d+$/.test(arg)) throw new Pop3Error("Message number expected");
  const number = Number(arg);
  const message = maildrop.messages[number - 1];
  if (message === undefined || number < 1) throw new Pop3Error("No such message");
  if (maildrop.deleted.has(number)) throw new Pop3Error(`Message ${number} is deleted`);
  return { number, message };
}

function args(arg: string): string[] {
  const trimmed = arg.trim();
  return trimmed === "" ? [] : trimmed.split(/ +/);
}

/** Live (not DELE-marked) messages with their numbers. */
function* live(maildrop: Maildrop): Generator<[number, MessageInfo]> {
  for (let i = 0; i < maildrop.messages.length; i++) {
    if (!maildrop.deleted.has(i + 1)) yield [i + 1, maildrop.messages[i] as MessageInfo];
  }
}

/** Message n's octets as RETR sends them. */
function wireSize(maildrop: Maildrop, number: number): number {
  return maildrop.sizes[number - 1] ?? 0;
}

/** STAT: count and total size of the messages not marked deleted. */
export function handleStat(session: Pop3Session): Pop3Reply {
  let count = 0;
  let octets = 0;
  const maildrop = maildropOf(session);
  for (const [number] of live(maildrop)) {
    count++;
    octets += wireSize(maildrop, number);
  }
  return ok(`${count} ${octets}`);
}

/** LIST [n]: the wire sizes counted at login. */
export function handleList(session: Pop3Session, arg: string): Pop3Reply {
  const maildrop = maildropOf(session);
  return scanListing(session, arg, (_message, number) => String(wireSize(maildrop, number)));
}

/**
 * UIDL [n]: unique ids that persist (see `maildropUidls`), worked out at
 * the session's first UIDL and kept for the rest of it.
 */
export async function handleUidl(session: Pop3Session, arg: string): Promise<Pop3Reply> {
  const maildrop = maildropOf(session);
  maildrop.uidls ??= await maildropUidls(
    maildrop.messages,
    await dovecotPop3UidlsOf(maildrop.mailbox, session.log),
  );
  const uidls = maildrop.uidls;
  return scanListing(session, arg, (_message, number) => uidls[number - 1] as string);
}

function scanListing(
  session: Pop3Session,
  arg: string,
  column: (message: MessageInfo, number: number) => string,
): Pop3Reply {
  const maildrop = maildropOf(session);
  const words = args(arg);
  if (words.length > 1) throw new Pop3Error("Too many arguments");
  if (words.length === 1) {
    const { number, message } = messageAt(maildrop, words[0] as string);
    return ok(`${number} ${column(message, number)}`);
  }
  const lines: string[] = [];
  for (const [number, message] of live(maildrop)) {
    lines.push(`${number} ${column(message, number)}`);
  }
  return ok(`${lines.length} messages`, { lines });
}

/** Runs a read of a message; one removed meanwhile becomes a refusal. */
async function whileStored<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof MessageGoneError) {
      throw new Pop3Error("Message was removed by another session", { isClientFault: false });
    }
    throw error;
  }
}

/** Moves a message out of new/ (adding flags); a failure is logged, the reply stands. */
async function markRead(session: Pop3Session, message: MessageInfo, isSeen: boolean) {
  try {
    await maildropOf(session).mailbox.store([message.uid], isSeen ? { add: ["\\Seen"] } : {}, {
      origin: session.cid,
    });
  } catch (error) {
    session.log.warn("pop3.mark_failed", {
      uid: message.uid,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * RETR n: the stored bytes, dot-stuffed, read and sent piece by piece (a
 * 25 MB message is not held whole for each client that reads it); the
 * message becomes \Seen in cur/.
 */
export function handleRetr(session: Pop3Session, arg: string): Pop3Reply {
  const words = args(arg);
  if (words.length !== 1) throw new Pop3Error("RETR needs a message number");
  const maildrop = maildropOf(session);
  const { number, message } = messageAt(maildrop, words[0] as string);
  const listedBytes = wireSize(maildrop, number);
  return ok(`${listedBytes} octets`, {
    stream: (send) => sendStored(session, message, { send, isRetr: true, listedBytes }),
  });
}

/**
 * TOP n lines: the header and the first lines of the body, read only as
 * far as they go; moves to cur/ without \Seen.
 */
export function handleTop(session: Pop3Session, arg: string): Pop3Reply {
  const words = args(arg);
  // A count past the body's lines sends the whole message (RFC 1939 7), however many digits.
  if (words.length !== 2 || !/^\d+$/.test(words[1] as string)) {
    throw new Pop3Error("TOP needs a message number and a line count");
  }
  const { message } = messageAt(maildropOf(session), words[0] as string);
  const top = new TopLines(Number(words[1]));
  return ok("Top of message follows", {
    stream: (send) => sendStored(session, message, { send, top, isRetr: false }),
  });
}

/**
 * Reads `message` piece by piece and sends it dot-stuffed, all of it or as
 * far as `top` takes; then marks it (\Seen for RETR). False once the
 * client is gone. A RETR counts what it sends: octets other than
 * `listedBytes` correct the size later logins list (see `WireSizeCache`).
 */
async function sendStored(
  session: Pop3Session,
  message: MessageInfo,
  options: {
    send: (bytes: Uint8Array) => Promise<boolean>;
    top?: TopLines;
    isRetr: boolean;
    listedBytes?: number;
  },
): Promise<boolean> {
  const { send, top } = options;
  const stuffing = new DotStuffStream();
  const sent = options.listedBytes === undefined ? null : new WireSizeCount();
  let isSent = true;
  await whileStored(() =>
    maildropOf(session).mailbox.readMessagePieces(message.uid, async (piece) => {
      const taken = top === undefined ? piece : piece.subarray(0, top.take(piece));
      sent?.add(taken);
      isSent = await send(stuffing.push(taken));
      return isSent && top?.isDone !== true;
    })
  );
  if (!isSent) return false;
  if (sent !== null && sent.total !== options.listedBytes) {
    const { account } = maildropOf(session);
    WIRE_SIZES.correct(account, message.base, sent.total);
    session.log.warn("pop3.size_corrected", {
      uid: message.uid,
      listed: options.listedBytes,
      sent: sent.total,
    });
  }
  await markRead(session, message, options.isRetr);
  if (options.isRetr) session.retrieved++;
  const end = stuffing.finish();
  return end.length === 0 || await send(end);
}

/** DELE n: marks the message; it is removed only at QUIT. */
export function handleDele(session: Pop3Session, arg: string): Pop3Reply {
  const maildrop = maildropOf(session);
  const { number } = messageAt(maildrop, arg.trim());
  maildrop.deleted.add(number);
  return ok(`Message ${number} deleted`);
}

/** RSET: unmarks every message. */
export function handleRset(session: Pop3Session): Pop3Reply {
  const maildrop = maildropOf(session);
  maildrop.deleted.clear();
  return ok(`${maildrop.messages.length} messages`);
}

/** QUIT in TRANSACTION: the UPDATE state expunges the marked messages, then the lease goes. */
export async function handleUpdate(session: Pop3Session): Promise<Pop3Reply> {
  const maildrop = maildropOf(session);
  const uids = [...maildrop.deleted].map((n) => (maildrop.messages[n - 1] as MessageInfo).uid);
  let removed: number[];
  try {
    removed = uids.length === 0
      ? []
      : await maildrop.mailbox.expunge(uids, { origin: session.cid });
  } catch (error) {
    session.log.error("pop3.update_failed", {
      user: maildrop.account,
      error: error instanceof Error ? error.message : String(error),
    });
    session.endMaildrop();
    throw new Pop3Error("Some deleted messages were not removed", {
      code: "SYS/TEMP",
      closeAfter: true,
      isClientFault: false,
    });
  }
  session.log.info("pop3.update", { user: maildrop.account, deleted: removed.length });
  session.endMaildrop();
  return ok(`${session.options.hostname} signing off (${removed.length} messages deleted)`, {
    closeAfter: true,
  });
}
