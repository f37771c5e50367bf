/**
 * Whether a mailbox name on the wire is valid modified UTF-7 (RFC 3501
 * 5.1.3): printable ASCII stands for itself, "&" is "&-", anything else is
 * UTF-16 in modified base64 between "&" and "-", never encoding printable
 * ASCII, without null shifts, with zero padding bits. Returns the decoded
 * name, or a problem.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/** The Unicode name, or `{ problem }` saying why the wire form is not modified UTF-7. */
export function decodeModifiedUtf7(wire: string): string | { problem: string } {
  let out = "";
  let i = 0;
  let lastShiftEnd = -1;
  while (i < wire.length) {
    const code = wire.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return { problem: `octet 0x${code.toString(16)} at ${i}` };
    if (wire[i] !== "&") {
      out += wire[i];
      i++;
      continue;
    }
    const dash = wire.indexOf("-", i + 1);
    if (dash < 0) return { problem: `"&" at ${i} without its "-"` };
    const encoded = wire.slice(i + 1, dash);
    if (encoded === "") {
      out += "&";
      i = dash + 1;
      continue;
    }
    if (lastShiftEnd === i) return { problem: `null shift "-&" at ${i}` };
    const decoded = decodeUnits(encoded);
    if (typeof decoded !== "string") return decoded;
    out += decoded;
    i = dash + 1;
    lastShiftEnd = i;
  }
  return out;
}

function decodeUnits(encoded: string): string | { problem: string } {
  let bits = 0;
  let bitCount = 0;
  const bytes: number[] = [];
  for (const char of encoded) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return { problem: `"${char}" in modified base64` };
    bits = (bits << 6) | value;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      bytes.push((bits >> bitCount) & 0xff);
      bits &= (1 << bitCount) - 1;
    }
  }
  if (bits !== 0 || bitCount >= 6) return { problem: `padding bits in "${encoded}"` };
  if (bytes.length % 2 !== 0) return { problem: `odd byte count in "${encoded}"` };
  let text = "";
  for (let i = 0; i < bytes.length; i += 2) {
    const unit = ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
    if (unit >= 0x20 && unit <= 0x7e) return { problem: `printable ASCII encoded in "${encoded}"` };
    text += String.fromCharCode(unit);
  }
  if (!text.isWellFormed()) return { problem: `unpaired surrogate in "${encoded}"` };
  return text;
}
