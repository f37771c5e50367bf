/**
 * FETCH and UID FETCH (RFC 3501 6.4.5). Only what the items need is read:
 * nothing for FLAGS/UID/INTERNALDATE/RFC822.SIZE, the header section alone
 * for ENVELOPE and header sections, the whole file otherwise. A non-PEEK
 * body fetch sets \Seen (read-write sessions) and reports the new FLAGS.
 */
import { type Mailbox, MessageGoneError, type MessageInfo, readRange } from "../../mailbox/mod.ts";
import { bytesToBinary, findBodyStart, parseMimeStructure } from "../../mail/mod.ts";
import { formatBodyStructure } from "../body_structure.ts";
import { formatEnvelope } from "../envelope.ts";
import { type FetchItem, formatSection, parseFetchItems, setsSeen } from "../fetch_items.ts";
import { formatFlags, messageFlags } from "../flags.ts";
import type { CommandCursor } from "../parser.ts";
import { applyPartial, locateSection, partialRange } from "../sections.ts";
import type { SelectedMailbox } from "../selected.ts";
import type { ImapSession } from "../session.ts";
import { literal, withoutNul } from "../wire_format.ts";
import type { Done, ImapCommand } from "./types.ts";
import { resolveTargets, type Target } from "./targets.ts";
import { formatInternalDate } from "./internal_date.ts";
import { readAhead } from "../read_ahead.ts";
import { canStream, isWholeBody, sendStreamed, STREAMED_MESSAGE_BYTES } from "./fetch_stream.ts";

const FLUSH_EVERY = 200;
/** Reads kept in flight ahead of the message being sent, and their byte budget. */
const READ_AHEAD_FILES = 16;
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
/** What `readHeader` reads at most (its default). */
const HEADER_READ_BYTES = 256 * 1024;
/** What the read-ahead gives for a message that is sent from its file as it goes (fetch_stream.ts). */
const STREAMED = new Uint8Array(0);

/**
 * A message's header section for header-only items, given its capped read
 * (`head`, read ahead): a header that filled that read goes on past it, and
 * its late fields (a Subject after 300 KB of others) must not go missing from
 * ENVELOPE or HEADER.FIELDS. The rest is read now, at the message's turn, and
 * only up to the blank line: the read-ahead counted one capped read for it,
 * and the body behind may be as large as the message limit (or larger, put
 * there by another program).
 */
async function wholeHeader(
  mailbox: Mailbox,
  read: { uid: number; head: Uint8Array },
): Promise<Uint8Array> {
  if (read.head.length < HEADER_READ_BYTES) return read.head;
  return await mailbox.readHeader(read.uid, Number.MAX_SAFE_INTEGER);
}

/**
 * The bytes a FETCH needs of each message when its only content items are
 * ranges of the whole message (`BODY[]<0.2048>`, a preview, or a big
 * message fetched in chunks): from the first range's start to the last
 * one's end. Null when any item needs more.
 */
function wholeMessageSpan(
  items: readonly FetchItem[],
): { fromByte: number; maxBytes: number } | null {
  let fromByte = Infinity;
  let toByte = 0;
  for (const item of items) {
    if (item.kind !== "section") {
      if (!["FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE"].includes(item.name)) return null;
      continue;
    }
    const isWhole = item.section.part.length === 0 && item.section.kind === "";
    if (!isWhole || item.partial === null) return null;
    fromByte = Math.min(fromByte, item.partial.offset);
    toByte = Math.max(toByte, item.partial.offset + item.partial.length);
  }
  return fromByte === Infinity ? null : { fromByte, maxBytes: Math.max(0, toByte - fromByte) };
}

/** How much of a message the items need. */
function readNeeded(items: readonly FetchItem[]): "none" | "header" | "full" {
  let need: "none" | "header" | "full" = "none";
  for (const item of items) {
    if (item.kind === "section") {
      const isHeaderOnly = item.section.part.length === 0 && item.section.kind.startsWith("HEADER");
      if (!isHeaderOnly) return "full";
      need = "header";
    } else if (["BODYSTRUCTURE", "BODY", "RFC822", "RFC822.TEXT"].includes(item.name)) {
      return "full";
    } else if (item.name === "ENVELOPE" || item.name === "RFC822.HEADER") {
      need = "header";
    }
  }
  return need;
}

function fetchWith(isUid: boolean) {
  return async (session: ImapSession, cursor: CommandCursor): Promise<Done> => {
    const set = cursor.sequenceSet();
    cursor.sp();
    const items = parseFetchItems(cursor);
    cursor.end();
    const selected = session.selected as SelectedMailbox;
    if (isUid && !items.some((item) => item.kind === "simple" && item.name === "UID")) {
      items.unshift({ kind: "simple", name: "UID" });
    }
    const span = wholeMessageSpan(items);
    const need = span === null ? readNeeded(items) : "range";
    const isStreamable = span === null && canStream(items);
    const isStreamed = (target: Target) =>
      isStreamable && (mailbox.get(target.uid)?.sizeBytes ?? 0) > STREAMED_MESSAGE_BYTES;
    const marksSeen = !selected.isReadOnly && setsSeen(items);
    let count = 0;
    let isAnyGone = false;
    const mailbox = selected.mailbox;
    /** Sends one message's response; false when the client is gone and the FETCH should stop. */
    const send = async (target: Target, bytes: Uint8Array | null): Promise<boolean> => {
      const isFromFile = bytes === STREAMED;
      let info = mailbox.get(target.uid);
      if (info === undefined) {
        isAnyGone = true;
        return true;
      }
      let isFlagChanged = false;
      if (marksSeen && !info.flags.includes("\\Seen")) {
        const [updated] = await mailbox.store([target.uid], { add: ["\\Seen"] }, {
          origin: session,
        });
        if (updated !== undefined) info = updated;
        isFlagChanged = true;
      }
      const parts = formatItems(items, {
        info,
        bytes: bytes ?? new Uint8Array(),
        selected,
        rangeStart: span?.fromByte,
        isStreamed: isFromFile,
      });
      if (isFlagChanged && !items.some((item) => item.kind === "simple" && item.name === "FLAGS")) {
        parts.push(`FLAGS ${formatFlags(messageFlags(info), selected.isRecent(info.uid))}`);
      }
      // Message data goes out in slices as the client takes them (a slow reader holds us up).
      const pieces = responsePieces(target.seq, parts);
      if (isFromFile) {
        try {
          const message = { mailbox, uid: info.uid, sizeBytes: info.sizeBytes };
          if (!await sendStreamed(session, message, pieces)) return false;
        } catch (error) {
          if (!(error instanceof MessageGoneError)) throw error;
          isAnyGone = true;
          return true;
        }
      } else if (!await session.sendPieces(pieces as (string | Uint8Array)[])) return false;
      if (++count % FLUSH_EVERY === 0) session.connection.flush();
      // A client that does not read stops us: replies (and reads ahead) stay
      // bounded; one that left or timed out meanwhile ends the FETCH.
      return await session.connection.throttle();
    };
    const targets = resolveTargets(selected, set, isUid);
    // RFC822.SIZE counts the message with CRLF lines (RFC 9051 2.3.4), and a streamed
    // literal announces it: another program's LF file is counted first (line_ends.ts).
    if (
      isStreamable || items.some((item) => item.kind === "simple" && item.name === "RFC822.SIZE")
    ) {
      await mailbox.exactSizes(targets.values().map((target) => target.uid)); // lazy: no copy
    }
    // A message another session expunged gets no data (RFC 2180 4.1), and the FETCH an OK with
    // EXPUNGEISSUED (RFC 5530 3), as Dovecot answers: a NO made Roundcube drop the whole
    // message list. A UID FETCH just leaves out UIDs that are gone (RFC 3501 6.4.8).
    const done = (): Done => {
      if (isAnyGone && !isUid) {
        return { code: "EXPUNGEISSUED", text: "Some of the messages were expunged meanwhile" };
      }
      return {};
    };
    if (need === "none") {
      for (const target of targets) if (!await send(target, null)) break;
      return done();
    }
    const reads = readAhead(targets, {
      read: (target) =>
        isStreamed(target)
          ? Promise.resolve(STREAMED)
          : span !== null
          ? readRange((visit, from) => mailbox.readMessagePieces(target.uid, visit, from), span)
          : need === "full"
          ? mailbox.readMessage(target.uid)
          : mailbox.readHeader(target.uid, HEADER_READ_BYTES),
      sizeOf: (target) => {
        const size = isStreamed(target) ? 0 : mailbox.get(target.uid)?.sizeBytes ?? 0;
        if (span !== null) return Math.min(size, span.maxBytes);
        return need === "header" ? Math.min(size, HEADER_READ_BYTES) : size;
      },
      maxFiles: READ_AHEAD_FILES,
      maxBytes: READ_AHEAD_BYTES,
    });
    for await (const { item: target, result } of reads) {
      let bytes: Uint8Array;
      try {
        if (!result.ok) throw result.error;
        bytes = need !== "header"
          ? result.value
          : await wholeHeader(mailbox, { uid: target.uid, head: result.value });
      } catch (error) {
        if (!(error instanceof MessageGoneError)) throw error;
        isAnyGone = true;
        continue;
      }
      if (!await send(target, bytes)) break;
    }
    return done();
  };
}

/**
 * One item of a FETCH response: text (a binary string), or message bytes
 * sent as they are after their literal's head, so that a whole-message
 * fetch needs no text copy of the message (a 25 MB message was held four
 * times over on its way out).
 */
type ItemOut = string | { head: string; data: Uint8Array | null };

/** `* SEQ FETCH (item item ...)` as pieces to send in order; null: the message's file. */
function responsePieces(seq: number, parts: readonly ItemOut[]): (string | Uint8Array | null)[] {
  const pieces: (string | Uint8Array | null)[] = [];
  let text = `* ${seq} FETCH (`;
  parts.forEach((part, i) => {
    if (i > 0) text += " ";
    if (typeof part === "string") {
      text += part;
      return;
    }
    pieces.push(text + part.head, part.data);
    text = "";
  });
  pieces.push(text + ")\r\n");
  return pieces;
}

/**
 * Formats each item for one message; `bytes` is its header or whole file as
 * needed, or the bytes from `rangeStart` on (see `wholeMessageSpan`). When
 * `isStreamed`, nothing was read: the whole-message body is its file, sent
 * as it goes (data null).
 */
function formatItems(
  items: readonly FetchItem[],
  message: {
    info: MessageInfo;
    bytes: Uint8Array;
    selected: SelectedMailbox;
    rangeStart?: number;
    isStreamed?: boolean;
  },
): ItemOut[] {
  const { info, selected } = message;
  const bytes = withoutNul(message.bytes);
  // The structure is parsed from the bytes, and only header text is made: a text copy of
  // a 20 MB message for its BODYSTRUCTURE held 40 MB.
  let tree: ReturnType<typeof parseMimeStructure> | undefined;
  const root = () => tree ??= parseMimeStructure(bytes);
  let bodyStart: number | undefined;
  const headerEnd = () => bodyStart ??= findBodyStart(bytes, 0, bytes.length);
  const header = () => bytesToBinary(bytes.subarray(0, headerEnd()));
  return items.map((item): ItemOut => {
    if (message.isStreamed && isWholeBody(item)) {
      const name = item.kind === "section" ? `BODY[${formatSection(item.section)}]` : "RFC822";
      return { head: `${name} {${info.sizeBytes}}\r\n`, data: null };
    }
    if (item.kind === "section") {
      const origin = item.partial === null ? "" : `<${item.partial.offset}>`;
      const name = `BODY[${formatSection(item.section)}]${origin}`;
      // A whole message needs no parse; a body section is a range of the file's own bytes.
      const isWhole = item.section.part.length === 0 && item.section.kind === "";
      if (message.rangeStart !== undefined && item.partial !== null) {
        // Only the range was read: the message's own offsets, less where the read began.
        const start = Math.min(item.partial.offset - message.rangeStart, bytes.length);
        const end = Math.min(start + item.partial.length, bytes.length);
        return { head: `${name} {${end - start}}\r\n`, data: bytes.subarray(start, end) };
      }
      const located = isWhole
        ? { start: 0, end: bytes.length }
        : locateSection(bytes, item.section, root());
      if ("text" in located) return `${name} ${literal(applyPartial(located.text, item.partial))}`;
      const { start, end } = partialRange(located, item.partial);
      return { head: `${name} {${end - start}}\r\n`, data: bytes.subarray(start, end) };
    }
    switch (item.name) {
      case "FLAGS":
        return `FLAGS ${formatFlags(messageFlags(info), selected.isRecent(info.uid))}`;
      case "UID":
        return `UID ${info.uid}`;
      case "INTERNALDATE":
        return `INTERNALDATE "${formatInternalDate(info.internalDateMs)}"`;
      case "RFC822.SIZE":
        return `RFC822.SIZE ${info.sizeBytes}`;
      case "ENVELOPE":
        return `ENVELOPE ${formatEnvelope(header())}`;
      case "BODYSTRUCTURE":
        return `BODYSTRUCTURE ${formatBodyStructure(bytes, root(), true)}`;
      case "BODY":
        return `BODY ${formatBodyStructure(bytes, root(), false)}`;
      case "RFC822":
        return { head: `RFC822 {${bytes.length}}\r\n`, data: bytes };
      case "RFC822.HEADER":
        return `RFC822.HEADER ${literal(header())}`;
      case "RFC822.TEXT": {
        const data = bytes.subarray(headerEnd());
        return { head: `RFC822.TEXT {${data.length}}\r\n`, data };
      }
    }
  });
}

/** FETCH commands. */
export const FETCH_COMMANDS: [string, ImapCommand][] = [
  ["FETCH", { states: ["selected"], holdsExpunges: true, handle: fetchWith(false) }],
  ["UID FETCH", { states: ["selected"], handle: fetchWith(true) }],
];
