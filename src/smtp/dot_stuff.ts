/**
 * The DATA writer's half of RFC 5321 4.5.2, on top of the one dot-stuffer in
 * `mail/`: every line end becomes CRLF (a bare CR or bare LF too, so we never
 * put "\n.\n" or "\r\n.\r" style sequences on the wire for a receiver to
 * misread: we must never be the relay half of an SMTP smuggling attack), a line
 * starting with "." gets another ".", the message is closed with CRLF if it
 * lacks one, and ".\r\n" ends the data.
 */
import { dotStuff } from "../mail/mod.ts";

const CR = 13;
const LF = 10;

/** The bytes to send after a 354: normalised, stuffed and terminated by CRLF "." CRLF. */
export function encodeDataBody(message: Uint8Array): Uint8Array {
  return dotStuff(message, { isBareCrLineEnd: true, isTerminated: true });
}

/**
 * `encodeDataBody` a block at a time, so a big message is never copied whole:
 * `message` is cut right after an LF once a block holds `blockBytes` or
 * more, so every block is whole lines (a line longer than a block stays in
 * one) and stuffs exactly as it would inside the whole message. The blocks
 * joined are `encodeDataBody(message)`.
 */
export function* encodeDataBlocks(
  message: Uint8Array,
  blockBytes: number,
): Generator<Uint8Array> {
  let start = 0;
  while (true) {
    let end = message.length;
    if (start + blockBytes < message.length) {
      const lf = message.indexOf(LF, start + blockBytes - 1);
      if (lf >= 0 && lf + 1 < message.length) end = lf + 1;
    }
    const isLast = end === message.length;
    yield dotStuff(message.subarray(start, end), { isBareCrLineEnd: true, isTerminated: isLast });
    if (isLast) return;
    start = end;
  }
}

/** Whether `message` holds a CR or LF that is not part of a CRLF pair. */
export function hasBareLineEnding(message: Uint8Array): boolean {
  for (let i = 0; i < message.length; i++) {
    const byte = message[i];
    if (byte === CR && message[i + 1] !== LF) return true;
    if (byte === LF && (i === 0 || message[i - 1] !== CR)) return true;
  }
  return false;
}
