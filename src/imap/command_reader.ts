/**
 * Reads one whole command from the wire: its line, and for each literal
 * marker the literal's bytes and the rest of the line. Limits are checked
 * before any literal byte is read:
 *
 * - a synchronising literal `{n}` over the limit is refused at once, and no
 *   `+` continuation is sent, so the client never sends the bytes;
 * - a non-synchronising literal `{n+}` (LITERAL+) over the limit is
 *   already on its way: rather than read and discard up to gigabytes, the
 *   command is refused and the connection closed with BYE.
 *
 * The limit is the maximum message size for APPEND by an authenticated
 * client and `MAX_LITERAL_BYTES` for anything else (before login, every
 * literal, APPEND's too). A literal's buffer is made at its full size when
 * its first byte arrives: its pages are the kernel's zero pages until
 * written, so announcing a large size and sending little costs only what
 * was sent, and a 20 MB APPEND holds 20 MB, not the 36 MB that doubling a
 * buffer as the bytes came held at its last copy.
 */
import type { Connection } from "../net/mod.ts";
import { bad, ImapError, no } from "./errors.ts";
import { findLiteralMarker } from "./literal.ts";
import { CommandCursor, parseCommandStart, type RawCommand } from "./parser.ts";

/**
 * A command line (without literals) may be this long; so may all the lines
 * of one command together (between its literals): 64 lines of 256 KiB each
 * held 16 MB per connection, before login too.
 */
export const MAX_LINE_BYTES = 256 * 1024;
/** Literals of commands other than APPEND (LOGIN passwords, SEARCH strings). */
export const MAX_LITERAL_BYTES = 64 * 1024;
/** Literals per command. */
const MAX_LITERALS = 64;

/** What `readCommand` found. */
export type CommandRead =
  | { kind: "command"; raw: RawCommand }
  | { kind: "refused"; tag: string; error: ImapError; mustClose: boolean }
  | { kind: "eof" }
  | { kind: "timeout" };

/** Reads the next command, answering `+` to synchronising literals within the limits. */
export async function readCommand(
  connection: Connection,
  options: { maxAppendBytes: number; isAuthenticated: boolean },
): Promise<CommandRead> {
  const raw: RawCommand = { texts: [], literals: [] };
  let tag = "*";
  let limit = MAX_LITERAL_BYTES;
  let totalBytes = 0;
  let textBytes = 0;
  while (true) {
    const read = await connection.readLine(MAX_LINE_BYTES);
    if (read.kind === "eof" || read.kind === "timeout") return read;
    if (read.kind === "too-long") {
      // The tag is known from the line's start (RFC 3501 7.1.3: a client waits for it).
      if (raw.texts.length === 0) tag = tagOf(read.head);
      // A LITERAL+ marker ends the line: its bytes are on their way and must not be
      // read as commands; as for a refused `{n+}`, the connection is closed.
      const isLiteralComing = /\+\}$/.test(read.tail);
      return {
        kind: "refused",
        tag,
        error: bad("Command line too long"),
        mustClose: isLiteralComing,
      };
    }
    const marker = findLiteralMarker(read.text);
    if (raw.texts.length === 0) {
      const appendLimitBytes = options.isAuthenticated ? options.maxAppendBytes : MAX_LITERAL_BYTES;
      ({ tag, limit } = commandLimits(marker?.before ?? read.text, appendLimitBytes));
    }
    textBytes += read.octets;
    if (textBytes > MAX_LINE_BYTES) {
      // As for one overlong line: a LITERAL+ marker's bytes are on their way; close.
      const mustClose = marker !== null && !marker.isSynchronising;
      return { kind: "refused", tag, error: bad("Command line too long"), mustClose };
    }
    if (marker === null) {
      raw.texts.push(read.text);
      return { kind: "command", raw };
    }
    totalBytes += marker.sizeBytes;
    if (marker.sizeBytes > limit || totalBytes > limit || raw.literals.length >= MAX_LITERALS) {
      const error = limit === MAX_LITERAL_BYTES
        ? bad("Literal too large")
        : no("Message too large", "TOOBIG");
      return { kind: "refused", tag, error, mustClose: !marker.isSynchronising };
    }
    if (marker.isSynchronising) connection.write("+ Ready for literal data\r\n");
    const literal = await readLiteral(connection, marker.sizeBytes);
    if (literal.kind !== "literal") return literal;
    raw.texts.push(marker.before);
    raw.literals.push(literal.bytes);
  }
}

/** Reads a literal of `sizeBytes` into one buffer of that size, made when its bytes start. */
async function readLiteral(
  connection: Connection,
  sizeBytes: number,
): Promise<{ kind: "literal"; bytes: Uint8Array } | { kind: "eof" | "timeout" }> {
  if (sizeBytes === 0) return { kind: "literal", bytes: new Uint8Array(0) };
  const literal: { bytes: Uint8Array | null } = { bytes: null };
  let filled = 0;
  const result = await connection.readInto({
    push(chunk) {
      const used = Math.min(chunk.length, sizeBytes - filled);
      literal.bytes ??= new Uint8Array(sizeBytes);
      literal.bytes.set(chunk.subarray(0, used), filled);
      filled += used;
      return { used, done: filled === sizeBytes };
    },
  });
  // "done" means every byte came, so the buffer was made.
  if (result !== "done" || literal.bytes === null) {
    return { kind: result === "done" ? "eof" : result };
  }
  return { kind: "literal", bytes: literal.bytes };
}

/** The tag (for refusals) and literal limit of a command, from its first line. */
function commandLimits(line: string, maxAppendBytes: number): { tag: string; limit: number } {
  try {
    const { tag, verb } = parseCommandStart(CommandCursor.of(line));
    return { tag, limit: verb === "APPEND" ? maxAppendBytes : MAX_LITERAL_BYTES };
  } catch {
    return { tag: tagOf(line), limit: MAX_LITERAL_BYTES };
  }
}

/**
 * The tag at the start of `line` (which may be only the start of an overlong line) when
 * a valid tag and a space begin it, else "*" (an untagged BAD).
 */
function tagOf(line: string): string {
  let tag = "*";
  try {
    parseCommandStart(CommandCursor.of(line), { onTag: (known) => tag = known });
  } catch {
    // The tag, if it was read, is in `tag` already.
  }
  return line[tag.length] === " " ? tag : "*";
}
