/**
 * Mailbox management: LIST (with LIST-EXTENDED selection and RETURN
 * options, SPECIAL-USE and CHILDREN attributes, LIST-STATUS), LSUB,
 * SUBSCRIBE, UNSUBSCRIBE, NAMESPACE. CREATE, DELETE and RENAME are in
 * folder_changes.ts, STATUS in status.ts.
 */
import { folderExists, INBOX, listFolders } from "../../mailbox/mod.ts";
import { readSubscriptions, updateSubscriptions } from "../account_setup.ts";
import { bad, ImapError, no } from "../errors.ts";
import {
  canonicalName,
  DELIMITER,
  folderNameProblem,
  patternMatcher,
  specialUse,
  toFolder,
} from "../folder_names.ts";
import { ancestorsOf, ancestorsOfKept } from "../folder_ancestors.ts";
import type { CommandCursor } from "../parser.ts";
import type { ImapSession } from "../session.ts";
import { astringOut } from "../wire_format.ts";
import { parseStatusItems, statusResponse } from "./status.ts";
import { type Done, type ImapCommand, LOGGED_IN } from "./types.ts";

/** The logged-in account's directory. */
export function accountDir(session: ImapSession): string {
  return session.options.mailboxes.accountDir(session.user as string);
}

/** Reads a mailbox-name argument and maps it to a folder. */
export function mailboxArg(cursor: CommandCursor): string {
  return toFolder(cursor.astring());
}

interface ListOptions {
  isSubscribedOnly: boolean;
  isSpecialUseOnly: boolean;
  returnSubscribed: boolean;
  /** RECURSIVEMATCH: parents of subscribed children are listed with CHILDINFO (RFC 5258 3.5). */
  isRecursiveMatch: boolean;
  /** RETURN (STATUS (...)): these items for each selectable mailbox listed (RFC 5819). */
  statusItems?: string[];
}

/** One LIST return option: its name, or for `STATUS (items)` the items (RFC 5819 6). */
function returnOption(cursor: CommandCursor): string | string[] {
  const name = cursor.atom().toUpperCase();
  if (name !== "STATUS") return name;
  cursor.sp();
  return parseStatusItems(cursor);
}

/** The most distinct patterns one LIST may give (RFC 5530 LIMIT beyond). */
export const MAX_LIST_PATTERNS = 100;

async function list(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const options: ListOptions = {
    isSubscribedOnly: false,
    isSpecialUseOnly: false,
    returnSubscribed: false,
    isRecursiveMatch: false,
  };
  // RFC 5258 3: selection options, a list of patterns or RETURN make a LIST extended.
  let isExtended = cursor.peek() === "(";
  if (cursor.peek() === "(") {
    for (const option of cursor.list((c) => c.atom().toUpperCase())) {
      if (option === "SUBSCRIBED") options.isSubscribedOnly = options.returnSubscribed = true;
      else if (option === "SPECIAL-USE") options.isSpecialUseOnly = true;
      else if (option === "RECURSIVEMATCH") options.isRecursiveMatch = true;
      else if (option !== "REMOTE") {
        throw bad(`Unknown LIST selection option "${option.slice(0, 30)}"`);
      }
    }
    // RFC 5258 3: RECURSIVEMATCH alone (or with REMOTE only) MUST get BAD.
    if (options.isRecursiveMatch && !options.isSubscribedOnly && !options.isSpecialUseOnly) {
      throw bad("RECURSIVEMATCH needs another selection option");
    }
    cursor.sp();
  }
  const reference = cursor.astring();
  cursor.sp();
  if (cursor.peek() === "(") isExtended = true;
  const patterns = cursor.peek() === "("
    ? cursor.list((c) => c.listPattern())
    : [cursor.listPattern()];
  // RFC 5258 6: patterns = "(" list-mailbox *(SP list-mailbox) ")".
  if (patterns.length === 0) throw bad("Expected at least one mailbox pattern");
  if (cursor.accept(" ")) {
    isExtended = true;
    if (cursor.atom().toUpperCase() !== "RETURN") throw bad("Expected RETURN");
    cursor.sp();
    for (const option of cursor.list(returnOption)) {
      if (option === "SUBSCRIBED") options.returnSubscribed = true;
      else if (Array.isArray(option)) options.statusItems = option;
      else if (option !== "CHILDREN" && option !== "SPECIAL-USE") {
        throw bad(`Unknown LIST return option "${option.slice(0, 30)}"`);
      }
    }
  }
  cursor.end();
  // Every name is matched against every pattern: a command line of 16,000 patterns held
  // the event loop for a minute over 2,000 folders. Clients send a handful.
  if (new Set(patterns).size > MAX_LIST_PATTERNS) throw no("Too many mailbox patterns", "LIMIT");
  // Only a plain LIST treats "" as the request for the delimiter; an extended one MUST NOT
  // (RFC 5258 3), where "" simply matches no mailbox.
  if (!isExtended && patterns.length === 1 && patterns[0] === "") {
    session.send(`* LIST (\\Noselect) "${DELIMITER}" ""\r\n`);
    return {};
  }
  const matching = isExtended ? patterns.filter((pattern) => pattern !== "") : patterns;
  await sendList(session, { verb: "LIST", reference, patterns: matching, ...options, isExtended });
  return {};
}

async function lsub(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const reference = cursor.astring();
  cursor.sp();
  const pattern = cursor.listPattern();
  cursor.end();
  await sendList(session, {
    verb: "LSUB",
    reference,
    patterns: [pattern],
    isSubscribedOnly: true,
    isSpecialUseOnly: false,
    returnSubscribed: false,
    isRecursiveMatch: false,
    isExtended: false,
  });
  return {};
}

async function sendList(
  session: ImapSession,
  request: ListOptions & {
    verb: string;
    reference: string;
    patterns: string[];
    /** A LIST-EXTENDED LIST (RFC 5258 3): a name that is no mailbox is \NonExistent there. */
    isExtended: boolean;
  },
): Promise<void> {
  const dir = accountDir(session);
  // A folder another tool named outside IMAP's names (raw UTF-8, wildcards) could be
  // neither sent (RFC 3501 5.1.3: 7-bit modified UTF-7) nor selected: it is not listed.
  const folders = (await listFolders(dir)).filter((name) => folderNameProblem(name) === null);
  const existing = new Set([INBOX, ...folders]);
  const subscribed = new Set(await readSubscriptions(dir));
  // Parents that do not exist themselves still show up (\Noselect; extended: \NonExistent).
  const names = new Set(existing);
  const parents = new Set<string>();
  for (const name of existing) {
    const levels = name.split(DELIMITER);
    for (let i = 1; i < levels.length; i++) parents.add(levels.slice(0, i).join(DELIMITER));
  }
  for (const parent of parents) names.add(parent);
  // \HasChildren counts mailboxes only (RFC 5258 3.2: flags MUST be accurate with
  // SUBSCRIBED), not the names of subscribed folders that no longer exist.
  const mailboxNames = [...names];
  if (request.isSubscribedOnly) { for (const name of subscribed) names.add(name); }
  const matchers = request.patterns.map((pattern) => patternMatcher(request.reference + pattern));
  const isMatch = (name: string) => matchers.some((matches) => matches(name));
  // A special-use attribute names what a mailbox holds (RFC 6154 2): a name that is no
  // mailbox (Sent deleted, left as the parent of Sent.Old) holds nothing and has none.
  const specialOf = (name: string) => existing.has(name) ? specialUse(name) : null;
  // The selection criteria: every selection option given (RFC 5258 3).
  const meetsCriteria = (name: string) =>
    (!request.isSubscribedOnly || subscribed.has(name)) &&
    (!request.isSpecialUseOnly || specialOf(name) !== null);
  // RFC 3501 6.3.9: LSUB "%" MUST name such a parent, unsubscribed, as \Noselect.
  const isLsub = request.verb === "LSUB";
  // A parent whose subscribed descendant the pattern does not reach ("%" stopped short).
  const withSubscribedBelow = isLsub
    ? ancestorsOfKept(subscribed, (other) => !isMatch(other))
    : new Set<string>();
  if (request.isRecursiveMatch || isLsub) {
    for (const name of subscribed) {
      const levels = name.split(DELIMITER);
      for (let i = 1; i < levels.length; i++) names.add(levels.slice(0, i).join(DELIMITER));
    }
  }
  // RECURSIVEMATCH: a descendant meets the criteria where the pattern does not reach (3.5).
  const withMatchBelow = request.isRecursiveMatch
    ? ancestorsOfKept(names, (other) => meetsCriteria(other) && !isMatch(other))
    : new Set<string>();
  const withChildren = ancestorsOf(mailboxNames);
  for (const name of [...names].sort()) {
    if (!isMatch(name)) continue;
    // With RECURSIVEMATCH, that parent is listed with CHILDINFO (RFC 5258 3.5), which names
    // SUBSCRIBED, the one base selection option here (6: list-select-base-opt-quoted).
    const hasChildInfo = request.isRecursiveMatch && request.isSubscribedOnly &&
      withMatchBelow.has(name);
    const isLsubParent = isLsub && !subscribed.has(name) && withSubscribedBelow.has(name);
    if (!meetsCriteria(name) && !hasChildInfo && !isLsubParent) continue;
    const special = specialOf(name);
    const attributes: string[] = [];
    const hasChildren = withChildren.has(name);
    // A name that is no mailbox (a parent of one, or listed for its subscription) is
    // \NonExistent in an extended LIST (RFC 5258 3, 3.5: "\NonExistent \HasChildren"), and
    // \Noselect in the plain LIST and LSUB (RFC 3501 6.3.8, 6.3.9).
    if (!existing.has(name) || isLsubParent) {
      attributes.push(request.isExtended && !existing.has(name) ? "\\NonExistent" : "\\Noselect");
    }
    attributes.push(hasChildren ? "\\HasChildren" : "\\HasNoChildren");
    if (special !== null) attributes.push(special);
    if (request.returnSubscribed && subscribed.has(name)) attributes.push("\\Subscribed");
    const extended = hasChildInfo ? ' ("CHILDINFO" ("SUBSCRIBED"))' : "";
    session.send(
      `* ${request.verb} (${attributes.join(" ")}) "${DELIMITER}" ${
        astringOut(name)
      }${extended}\r\n`,
    );
    // RFC 5819 2: the STATUS of each listed mailbox follows its LIST; a name that is no
    // mailbox (\NonExistent, \Noselect) gets none, nor one deleted since the listing.
    if (request.statusItems !== undefined && existing.has(name)) {
      try {
        session.send(await statusResponse(session, name, request.statusItems));
      } catch (error) {
        if (!(error instanceof ImapError && error.code === "NONEXISTENT")) throw error;
      }
    }
  }
}

async function subscribe(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const folder = mailboxArg(cursor);
  cursor.end();
  const dir = accountDir(session);
  if (!(await folderExists(dir, folder))) throw no("No such mailbox", "NONEXISTENT");
  await updateSubscriptions(dir, (names) => [...names, folder]);
  return {};
}

async function unsubscribe(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const name = cursor.astring();
  cursor.end();
  const dir = accountDir(session);
  const folder = canonicalName(name);
  // RFC 9051 6.3.8: OK also "if the mailbox is not subscribed" (a client that renamed
  // a folder UNSUBSCRIBEs the old name, whose subscription moved with it).
  await updateSubscriptions(dir, (names) => names.filter((entry) => entry !== folder));
  return {};
}

async function namespace(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  cursor.end();
  session.send(`* NAMESPACE (("" "${DELIMITER}")) NIL NIL\r\n`);
  return await Promise.resolve({});
}

/** Mailbox management commands. */
export const MAILBOX_COMMANDS: [string, ImapCommand][] = [
  ["LIST", { states: LOGGED_IN, handle: list }],
  ["LSUB", { states: LOGGED_IN, handle: lsub }],
  ["SUBSCRIBE", { states: LOGGED_IN, handle: subscribe }],
  ["UNSUBSCRIBE", { states: LOGGED_IN, handle: unsubscribe }],
  ["NAMESPACE", { states: LOGGED_IN, handle: namespace }],
];
