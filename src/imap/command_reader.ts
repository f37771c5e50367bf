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
 * The limit is the maximum message size for APPEND and `MAX_LITERAL_BYTES`
 * for anything else.
 */
import type { Connection } from "../net/mod.ts";
import { bad, ImapError, no } from "./errors.ts";
import { findLiteralMarker } from "./literal.ts";
import { CommandCursor, parseCommandStart, type RawCommand } from "./parser.ts";

/** A command line (without literals) may be this long. */
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
  options: { maxAppendBytes: number },
): Promise<CommandRead> {
  const raw: RawCommand = { texts: [], literals: [] };
  let tag = "*";
  let limit = MAX_LITERAL_BYTES;
  let totalBytes = 0;
  while (true) {
    const read = await connection.readLine(MAX_LINE_BYTES);
    if (read.kind === "eof" || read.kind === "timeout") return read;
    if (read.kind === "too-long") {
      return { kind: "refused", tag, error: bad("Command line too long"), mustClose: false };
    }
    const marker = findLiteralMarker(read.text);
    if (raw.texts.length === 0) {
      ({ tag, limit } = commandLimits(marker?.before ?? read.text, options.maxAppendBytes));
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
    const bytes = new Uint8Array(marker.sizeBytes);
    let filled = 0;
    const result = marker.sizeBytes === 0 ? "done" : await connection.readInto({
      push(chunk) {
        const used = Math.min(chunk.length, bytes.length - filled);
        bytes.set(chunk.subarray(0, used), filled);
        filled += used;
        return { used, done: filled === bytes.length };
      },
    });
    if (result !== "done") return { kind: result };
    raw.texts.push(marker.before);
    raw.literals.push(bytes);
  }
}

/** The tag (for refusals) and literal limit of a command, from its first line. */
function commandLimits(line: string, maxAppendBytes: number): { tag: string; limit: number } {
  try {
    const { tag, verb } = parseCommandStart(CommandCursor.of(line));
    return { tag, limit: verb === "APPEND" ? maxAppendBytes : MAX_LITERAL_BYTES };
  } catch {
    const tag = /^[^\s{]+/.exec(line)?.[0] ?? "*";
    return { tag, limit: MAX_LITERAL_BYTES };
  }
}
