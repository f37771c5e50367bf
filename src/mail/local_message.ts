/**
 * Messages from local programs (the pickup folder, `pillarbox sendmail`),
 * made fit to queue: line ends normalised to CRLF (local programs write
 * LF), the envelope taken from the command line and/or the headers as
 * `sendmail -t` does, Bcc, Resent-Bcc and Return-Path removed, lines over 998
 * octets broken, and From, Date and Message-ID added when missing. Pure:
 * bytes and facts in, a message or a reason out.
 */
import { ADDRESS_FIELDS } from "./address_fields.ts";
import { parseAddressList, qualifyAddressList } from "./address_list.ts";
import { formatRfc5322Date } from "./date.ts";
import { formatDisplayName } from "./display_name.ts";
import { fromLatin1, toLatin1 } from "./latin1.ts";
import { breakLongLines, MAX_LINE_OCTETS } from "./long_lines.ts";

/** What the caller knows besides the bytes. */
export interface LocalMessageOptions {
  /** Take recipients from To, Cc and Bcc, or a resent message's Resent- ones (`-t`; always for pickup). */
  isExtractingRecipients: boolean;
  /** Recipients named outside the message (command-line words). */
  rcpts?: readonly string[];
  /** Envelope sender named outside the message (`-f`); "" is `<>`. */
  sender?: string;
  /** The sender's name for a From header added here (`sendmail -F`). */
  senderFullName?: string;
  /** Sender when neither `sender` nor a Sender/From header gives one. */
  fallbackSender?: string;
  /** Domain for addresses written without one ("root"). */
  defaultDomain: string;
  /** Right-hand side of a generated Message-ID. */
  hostname: string;
  nowMs: number;
  maxMessageBytes: number;
}

/** A message ready for `spool.accept`, or why it cannot be used. */
export type LocalMessage =
  | { from: string; rcpts: string[]; message: Uint8Array; is8bit: boolean; isSmtputf8: boolean }
  | { error: string; kind: "usage" | "data" };

/** More Received headers than this is a mail loop (RFC 5321 6.3), as at SMTP DATA. */
export const MAX_RECEIVED_HEADERS = 100;
const utf8 = new TextDecoder();
/** Header fields a locally submitted message loses (see prepareLocalMessage). */
const DROPPED_FIELDS = new Set(["bcc", "resent-bcc", "return-path"]);

/** CRLF for every line end (CRLF, bare LF or bare CR), with a final CRLF. */
export function normalizeLineEnds(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2 + 2);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === 13) {
      if (bytes[i + 1] === 10) i++;
      out[n++] = 13;
      out[n++] = 10;
    } else if (byte === 10) {
      out[n++] = 13;
      out[n++] = 10;
    } else {
      out[n++] = byte;
    }
  }
  if (n > 0 && out[n - 1] !== 10) {
    out[n++] = 13;
    out[n++] = 10;
  }
  return out.slice(0, n);
}

/** A header field: its name and its whole text (folded lines included, CRLF kept). */
interface Field {
  name: string;
  text: string;
}

/**
 * Splits CRLF text into header fields and the body. The header ends at the
 * blank line, or at the first line that is not a field: that line starts the
 * body (the caller writes the blank line that RFC 5322 2.1 puts between
 * them), as sendmail, Postfix and Exim read `printf 'Subject: x\n%s' "$out"`.
 */
function splitHeader(text: string): { fields: Field[]; body: string } {
  const fields: Field[] = [];
  let offset = 0;
  while (offset < text.length) {
    const end = text.indexOf("\r\n", offset);
    const line = text.slice(offset, end);
    if (line === "") return { fields, body: text.slice(end + 2) };
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last.text += line + "\r\n";
    } else {
      const match = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/.exec(line);
      if (!match) return { fields, body: text.slice(offset) };
      fields.push({ name: (match[1] as string).toLowerCase(), text: line + "\r\n" });
    }
    offset = end + 2;
  }
  return { fields, body: "" };
}

function valueOf(field: Field): string {
  return field.text.slice(field.text.indexOf(":") + 1);
}

/** Prepares a locally submitted message; see {@link LocalMessageOptions}. */
export function prepareLocalMessage(bytes: Uint8Array, options: LocalMessageOptions): LocalMessage {
  if (bytes.includes(0)) return { error: "The message contains a NUL byte", kind: "data" };
  const normalized = normalizeLineEnds(bytes);
  if (normalized.length > options.maxMessageBytes) {
    return { error: `The message is larger than ${options.maxMessageBytes} bytes`, kind: "data" };
  }
  // An mbox-style envelope line ("From sender date") written by some programs is not a header.
  // One char per byte, every byte kept: TextDecoder("latin1") is windows-1252, which would
  // turn 0x80..0x9F (in "ß", "€" and most UTF-8) into other characters.
  const text = breakLongLines(skipMboxFromLine(toLatin1(normalized)));
  const split = splitHeader(text);
  const { fields } = split;
  const received = fields.filter((field) => field.name === "received").length;
  if (received > MAX_RECEIVED_HEADERS) {
    return { error: `Too many Received headers (${received}): mail loop`, kind: "data" };
  }
  const addressesOf = (names: string[], from: readonly Field[] = fields) => {
    const out: string[] = [];
    for (const field of from.filter((f) => names.includes(f.name))) {
      const list = parseAddressList(utf8.decode(fromLatin1(valueOf(field))), {
        defaultDomain: options.defaultDomain,
      });
      if ("error" in list) throw new Error(`Cannot parse the ${field.name} header: ${list.error}`);
      out.push(...list.map((mailbox) => mailbox.address));
    }
    return out;
  };
  let rcpts: string[];
  let headerSender: string | undefined;
  try {
    rcpts = [];
    for (const word of options.rcpts ?? []) {
      const list = parseAddressList(word, { defaultDomain: options.defaultDomain });
      if ("error" in list) throw new Error(`Bad recipient address "${word}": ${list.error}`);
      rcpts.push(...list.map((mailbox) => mailbox.address));
    }
    // A resent message goes to the recipients of its newest resending, from its resender
    // (RFC 5322 3.6.6), as sendmail -t and Postfix take it; not to the original's again.
    const resent = newestResentBlock(fields);
    if (options.isExtractingRecipients) {
      rcpts.push(
        ...(resent
          ? addressesOf(["resent-to", "resent-cc", "resent-bcc"], resent)
          : addressesOf(["to", "cc", "bcc"])),
      );
    }
    // With -f the headers do not name the envelope sender: a From we cannot read stays as written.
    if (options.sender === undefined) {
      headerSender = (resent &&
        (addressesOf(["resent-sender"], resent)[0] ?? addressesOf(["resent-from"], resent)[0])) ??
        addressesOf(["sender"])[0] ?? addressesOf(["from"])[0];
    }
  } catch (error) {
    return { error: (error as Error).message, kind: "usage" };
  }
  rcpts = [...new Set(rcpts)];
  if (rcpts.length === 0) {
    return {
      error: options.isExtractingRecipients
        ? "No recipient addresses found in the To, Cc or Bcc headers"
        : "No recipients given",
      kind: "usage",
    };
  }
  const from = options.sender ?? headerSender ?? options.fallbackSender;
  if (from === undefined) {
    return {
      error: "No sender: the message has neither a Sender nor a From header",
      kind: "usage",
    };
  }
  // Blind copies stay blind: Bcc, and Resent-Bcc of a resent message (RFC 5322 3.6.3, 3.6.6).
  // A Return-Path (a saved message sent again) is the final delivery's to write: an
  // originating system SHOULD NOT send one (RFC 5321 4.4; Postfix drops it too).
  const kept = fields
    .filter((field) => !DROPPED_FIELDS.has(field.name))
    .map((field) => withDomains(field, options.defaultDomain));
  const has = (name: string) => fields.some((field) => field.name === name);
  if (!has("from")) {
    // Every message needs a From (RFC 5322 3.6). With a null envelope sender it names the
    // submitting user, else the mailer daemon (as Postfix's cleanup does).
    const author = from || options.fallbackSender || `MAILER-DAEMON@${options.hostname}`;
    const name = formatDisplayName(options.senderFullName ?? "");
    kept.push(`From: ${name === "" ? "" : `${name} `}<${author}>\r\n`);
  }
  if (!has("date")) kept.push(`Date: ${formatRfc5322Date(new Date(options.nowMs))}\r\n`);
  if (!has("message-id")) {
    const unique = `${options.nowMs.toString(36)}.${crypto.randomUUID().slice(0, 13)}`;
    kept.push(`Message-ID: <${unique}@${options.hostname}>\r\n`);
  }
  const message = fromLatin1(kept.join("") + "\r\n" + split.body);
  return {
    from,
    rcpts,
    message,
    is8bit: message.some((byte) => byte >= 128),
    isSmtputf8: [from, ...rcpts].some((address) => /[^\x00-\x7f]/.test(address)),
  };
}

/**
 * A field's text with the default domain written into its addresses that
 * have none (`From: root (Cron Daemon)`, as cron writes it), the way the
 * envelope already took them: mail leaving with `From: root` names no one
 * (RFC 5322 3.4.1), and receivers refuse it. Other fields, and any field
 * that would then pass the line limit, stay as written.
 */
function withDomains(field: Field, defaultDomain: string): string {
  if (!ADDRESS_FIELDS.has(field.name)) return field.text;
  const colon = field.text.indexOf(":") + 1;
  const value = qualifyAddressList(field.text.slice(colon), defaultDomain);
  if (value === null) return field.text;
  const text = field.text.slice(0, colon) + value;
  return text.split("\r\n").some((line) => line.length > MAX_LINE_OCTETS) ? field.text : text;
}

/**
 * The resent fields of the newest resending: the first run of Resent-*
 * fields (each resending prepends its own block, RFC 5322 3.6.6), or null
 * when the message was never resent.
 */
function newestResentBlock(fields: readonly Field[]): Field[] | null {
  const start = fields.findIndex((field) => field.name.startsWith("resent-"));
  if (start < 0) return null;
  let end = start;
  while (end < fields.length && fields[end]!.name.startsWith("resent-")) end++;
  return fields.slice(start, end);
}

/**
 * `text` without a leading mbox "From " envelope line. "From : a@b" is no
 * such line but a From field in the obsolete syntax (RFC 5322 4.5.2 allows
 * white space before the colon), which must be kept.
 */
function skipMboxFromLine(text: string): string {
  if (!text.startsWith("From ") || /^From[ \t]*:/.test(text)) return text;
  return text.slice(text.indexOf("\r\n") + 2);
}
